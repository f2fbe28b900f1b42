package encrypt

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/custos-dev/custos/access"
	"github.com/custos-dev/custos/keys"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// Errors. Every error of this package wraps one of these (or access.ErrDenied
// and keys.ErrKeyDestroyed), and names tables, fields, lengths and key IDs
// only: never a value or a key.
var (
	// ErrDecrypt: the ciphertext does not open: wrong key, wrong context
	// (row, field, table), disabled key, or tampered data.
	ErrDecrypt = errors.New("encrypt: cannot decrypt: wrong key, wrong context or corrupted ciphertext")
	// ErrInvalidCiphertext: the input is not a ciphertext of this package
	// (bad text encoding, too short, wrong prefix).
	ErrInvalidCiphertext = errors.New("encrypt: invalid ciphertext")
	// ErrInvalidParams: bad construction parameters.
	ErrInvalidParams = errors.New("encrypt: invalid parameters")
	// ErrUnsafeIndex: a blind index setting outside the safe range.
	ErrUnsafeIndex = errors.New("encrypt: unsafe blind index setting")
	// ErrInvalidInput: a value the operation cannot handle (e.g. a
	// transform leaves nothing to index).
	ErrInvalidInput = errors.New("encrypt: invalid input")
)

// PrefixSize is the size of Tink's key-ID prefix at the start of every
// ciphertext: one version byte (1) and the big-endian key ID.
const PrefixSize = 5

// Overhead is the size a randomized AES-256-GCM ciphertext adds to its
// plaintext: prefix, 12-byte nonce, 16-byte tag.
const Overhead = PrefixSize + 12 + 16

// KeyID returns the ID of the key a ciphertext was made under, from its Tink
// prefix.
func KeyID(ciphertext []byte) (uint32, error) {
	if len(ciphertext) < PrefixSize || ciphertext[0] != 1 {
		return 0, fmt.Errorf("%w: no key-ID prefix (%d bytes)", ErrInvalidCiphertext, len(ciphertext))
	}
	return binary.BigEndian.Uint32(ciphertext[1:PrefixSize]), nil
}

// Option configures fields, indexes and sealers.
type Option func(*options)

type options struct {
	guard   *access.Guard
	padding int
}

// WithGuard makes every decrypt a guarded reveal: g authorizes it (roles and
// purpose from the context) and records one audit event per call. Without
// it, decrypts are allowed and not audited.
func WithGuard(g *access.Guard) Option { return func(o *options) { o.guard = g } }

// WithPadding pads plaintexts to a multiple of block bytes (1..4096) before
// encryption, so that ciphertext length reveals only a length class; it
// costs up to block bytes per value. Decryption removes the padding, so
// every reader of the field must use the same setting.
func WithPadding(block int) Option { return func(o *options) { o.padding = block } }

func buildOptions(opts []Option) (options, error) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	if o.padding < 0 || o.padding > 4096 {
		return o, fmt.Errorf("%w: padding block %d outside 0..4096", ErrInvalidParams, o.padding)
	}
	return o, nil
}

// contextPrefix encodes the associated-data prefix for (kind, table, field),
// length-prefixed so that no two contexts collide.
func contextPrefix(kind, table, field string) []byte {
	b := make([]byte, 0, 24+len(table)+len(field))
	b = append(b, "custos/encrypt/"...)
	b = append(b, kind...)
	b = append(b, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(len(table)))
	b = append(b, table...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(field)))
	b = append(b, field...)
	return b
}

// Field encrypts the values of one column (table, field) with randomized
// AEAD, binding each ciphertext to its row. A Field is immutable and safe
// for concurrent use.
type Field struct {
	aead     tink.AEAD
	table    string
	field    string
	resource string
	prefix   []byte
	o        options
	adPool   sync.Pool
	textPool sync.Pool
}

// NewField returns a field encrypting with a (a Tink AEAD whose ciphertexts
// carry the key-ID prefix, e.g. from keys.Keyset.AEAD or DeriveAEAD).
func NewField(a tink.AEAD, table, field string, opts ...Option) (*Field, error) {
	if a == nil {
		return nil, fmt.Errorf("%w: AEAD is nil", ErrInvalidParams)
	}
	if table == "" || field == "" {
		return nil, fmt.Errorf("%w: table and field names are required", ErrInvalidParams)
	}
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	f := &Field{aead: a, table: table, field: field, resource: table + "." + field, prefix: contextPrefix("field/v1", table, field), o: o}
	f.adPool.New = func() any { b := make([]byte, 0, len(f.prefix)+64); return &b }
	f.textPool.New = func() any { b := make([]byte, 0, 256); return &b }
	return f, nil
}

// Table returns the field's table name.
func (f *Field) Table() string { return f.table }

// Name returns the field's name.
func (f *Field) Name() string { return f.field }

func (f *Field) ad(row string) *[]byte {
	bp := f.adPool.Get().(*[]byte)
	b := append((*bp)[:0], f.prefix...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(row)))
	*bp = append(b, row...)
	return bp
}

// Encrypt encrypts plaintext for the given row (row or subject ID). The
// result is Tink prefix || nonce || ciphertext || tag.
func (f *Field) Encrypt(row string, plaintext []byte) ([]byte, error) {
	if f.o.padding > 0 {
		plaintext = pad(plaintext, f.o.padding)
	}
	ad := f.ad(row)
	ct, err := f.aead.Encrypt(plaintext, *ad)
	f.adPool.Put(ad)
	if err != nil {
		return nil, fmt.Errorf("encrypt: %s: encrypting %d bytes: %w", f.resource, len(plaintext), errNoDetail(err))
	}
	return ct, nil
}

// Decrypt decrypts a ciphertext of this field and row. It is a reveal: the
// guard (if any) authorizes it and records one event. It returns no
// plaintext at all on failure.
func (f *Field) Decrypt(ctx context.Context, row string, ciphertext []byte) ([]byte, error) {
	req := access.Request{Action: access.ActionDecrypt, Resource: f.resource, Subject: row}
	if f.o.guard != nil {
		req.KeyID, _ = KeyID(ciphertext)
		if err := f.o.guard.Authorize(ctx, req); err != nil {
			f.o.guard.Record(ctx, req, err)
			return nil, err
		}
	}
	pt, err := f.open(row, ciphertext)
	if f.o.guard != nil {
		f.o.guard.Record(ctx, req, err)
	}
	return pt, err
}

func (f *Field) open(row string, ciphertext []byte) ([]byte, error) {
	if len(ciphertext) < PrefixSize+1 {
		return nil, fmt.Errorf("%w: %s: %d bytes", ErrInvalidCiphertext, f.resource, len(ciphertext))
	}
	ad := f.ad(row)
	pt, err := f.aead.Decrypt(ciphertext, *ad)
	f.adPool.Put(ad)
	if err != nil {
		return nil, decryptError(f.resource, ciphertext, err)
	}
	if f.o.padding > 0 {
		if pt, err = unpad(pt, f.o.padding); err != nil {
			return nil, fmt.Errorf("%w: %s: bad padding", ErrDecrypt, f.resource)
		}
	}
	return pt, nil
}

// EncryptString encrypts a string value and returns the compact text form:
// unpadded base64url of the ciphertext.
func (f *Field) EncryptString(row, plaintext string) (string, error) {
	bp := f.textPool.Get().(*[]byte)
	b := append((*bp)[:0], plaintext...)
	ct, err := f.Encrypt(row, b)
	if err != nil {
		clear(b)
		*bp = b[:0]
		f.textPool.Put(bp)
		return "", err
	}
	// Encode into the same buffer: the text is longer than the plaintext,
	// so no plaintext byte stays in the pooled buffer.
	n := base64.RawURLEncoding.EncodedLen(len(ct))
	b = slices.Grow(b[:0], n)[:n]
	base64.RawURLEncoding.Encode(b, ct)
	text := string(b)
	*bp = b[:0]
	f.textPool.Put(bp)
	return text, nil
}

// DecryptString decrypts the text form made by EncryptString. It is a
// reveal, like Decrypt.
func (f *Field) DecryptString(ctx context.Context, row, text string) (string, error) {
	ct, err := DecodeText(text)
	if err != nil {
		req := access.Request{Action: access.ActionDecrypt, Resource: f.resource, Subject: row}
		if aerr := f.o.guard.Authorize(ctx, req); aerr != nil {
			err = aerr
		}
		f.o.guard.Record(ctx, req, err)
		return "", err
	}
	pt, err := f.Decrypt(ctx, row, ct)
	if err != nil {
		return "", err
	}
	return string(pt), nil
}

// EncodeText returns the compact text form of a ciphertext.
func EncodeText(ciphertext []byte) string { return base64.RawURLEncoding.EncodeToString(ciphertext) }

// DecodeText parses the compact text form of a ciphertext.
func DecodeText(text string) ([]byte, error) {
	ct, err := base64.RawURLEncoding.Strict().DecodeString(text)
	if err != nil || len(ct) < PrefixSize {
		return nil, fmt.Errorf("%w: text form of %d characters is not base64url of a ciphertext", ErrInvalidCiphertext, len(text))
	}
	return ct, nil
}

// decryptError keeps keys.ErrKeyDestroyed visible and hides Tink's details.
func decryptError(resource string, ciphertext []byte, err error) error {
	if errors.Is(err, keys.ErrKeyDestroyed) {
		return fmt.Errorf("encrypt: %s: %w", resource, keys.ErrKeyDestroyed)
	}
	if id, e := KeyID(ciphertext); e == nil {
		return fmt.Errorf("%w: %s: key %d, %d bytes", ErrDecrypt, resource, id, len(ciphertext))
	}
	return fmt.Errorf("%w: %s: %d bytes", ErrDecrypt, resource, len(ciphertext))
}

// errNoDetail keeps sentinel errors of keys and drops other details.
func errNoDetail(err error) error {
	for _, s := range []error{keys.ErrKeyDestroyed, keys.ErrKeyNotFound} {
		if errors.Is(err, s) {
			return s
		}
	}
	return errors.New("primitive failed")
}

// pad appends ISO/IEC 7816-4 padding (0x80 then zeros) up to a multiple of
// block; a full block is added when the length is already a multiple.
func pad(p []byte, block int) []byte {
	n := (len(p)/block + 1) * block
	out := make([]byte, n)
	copy(out, p)
	out[len(p)] = 0x80
	return out
}

func unpad(p []byte, block int) ([]byte, error) {
	if len(p) == 0 || len(p)%block != 0 {
		return nil, ErrDecrypt
	}
	for i := len(p) - 1; i >= 0 && i >= len(p)-block; i-- {
		switch p[i] {
		case 0:
			continue
		case 0x80:
			return p[:i], nil
		}
		return nil, ErrDecrypt
	}
	return nil, ErrDecrypt
}
