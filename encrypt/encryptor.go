package encrypt

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/custos-dev/custos/access"
	"github.com/custos-dev/custos/keys"
)

// Derivation purposes used by [Encryptor] with keys.Keyset.Derive.
const (
	PurposeField         = "encrypt/field"
	PurposeDeterministic = "encrypt/deterministic"
	PurposeBlindIndex    = "encrypt/blind-index"
	PurposeStream        = "encrypt/stream"
)

// Encryptor makes fields, indexes and streams from one root keyset
// (template keys.DerivationHKDFSHA256): each gets its own derived key, so no
// two columns share a key. It is immutable and safe for concurrent use.
type Encryptor struct {
	root *keys.Keyset
	opts []Option
}

// New returns an encryptor over root. Options (e.g. [WithGuard]) apply to
// every field it makes.
func New(root *keys.Keyset, opts ...Option) (*Encryptor, error) {
	if root == nil || root.Template() != keys.DerivationHKDFSHA256 {
		return nil, fmt.Errorf("%w: the root keyset must be a DERIVATION_HKDF_SHA256 keyset", ErrInvalidParams)
	}
	if _, err := buildOptions(opts); err != nil {
		return nil, err
	}
	return &Encryptor{root: root, opts: opts}, nil
}

// domain encodes names without ambiguity.
func domain(names ...string) string {
	var b []byte
	for _, n := range names {
		b = binary.BigEndian.AppendUint32(b, uint32(len(n)))
		b = append(b, n...)
	}
	return string(b)
}

// Field returns the randomized field (table, field), with the encryptor's
// options followed by opts.
func (e *Encryptor) Field(table, field string, opts ...Option) (*Field, error) {
	a, err := e.root.DeriveAEAD(PurposeField, domain(table, field))
	if err != nil {
		return nil, fmt.Errorf("encrypt: deriving key for %s.%s: %w", table, field, err)
	}
	return NewField(a, table, field, append(append([]Option(nil), e.opts...), opts...)...)
}

// DeterministicField returns the deterministic field (table, field). See
// [DeterministicField] for what it leaks.
func (e *Encryptor) DeterministicField(table, field string, opts ...Option) (*DeterministicField, error) {
	d, err := e.root.DeriveDeterministicAEAD(PurposeDeterministic, domain(table, field))
	if err != nil {
		return nil, fmt.Errorf("encrypt: deriving key for %s.%s: %w", table, field, err)
	}
	return NewDeterministicField(d, table, field, append(append([]Option(nil), e.opts...), opts...)...)
}

// BlindIndex returns the blind index described by spec, keyed by a PRF
// derived for (table, field, name).
func (e *Encryptor) BlindIndex(spec IndexSpec) (*BlindIndex, error) {
	p, err := e.root.DerivePRF(PurposeBlindIndex, domain(spec.Table, spec.Field, spec.Name))
	if err != nil {
		return nil, fmt.Errorf("encrypt: deriving index key: %w", err)
	}
	return NewBlindIndex(p, spec)
}

// CompoundIndex returns the compound index described by spec.
func (e *Encryptor) CompoundIndex(spec CompoundSpec) (*CompoundIndex, error) {
	p, err := e.root.DerivePRF(PurposeBlindIndex, domain(spec.Table, "", spec.Name))
	if err != nil {
		return nil, fmt.Errorf("encrypt: deriving index key: %w", err)
	}
	return NewCompoundIndex(p, spec)
}

// Stream returns the streaming encryptor for a named kind of object (e.g.
// "backups").
func (e *Encryptor) Stream(name string) (*Stream, error) {
	d, err := e.root.Derive(keys.AES256GCMHKDF1MB, PurposeStream, name)
	if err != nil {
		return nil, fmt.Errorf("encrypt: deriving stream key: %w", err)
	}
	return NewKeysetStream(d, name, e.opts...)
}

// SubjectField encrypts one column with per-subject keys (keys.SubjectKeys):
// destroying a subject's key makes every value of that subject unreadable
// (crypto-shredding). Values are bound to (table, field, subject). It is
// immutable and safe for concurrent use.
type SubjectField struct {
	sk       *keys.SubjectKeys
	resource string
	prefix   []byte
	o        options
}

// NewSubjectField returns a per-subject field.
func NewSubjectField(sk *keys.SubjectKeys, table, field string, opts ...Option) (*SubjectField, error) {
	if sk == nil || table == "" || field == "" {
		return nil, fmt.Errorf("%w: subject field needs subject keys, table and field", ErrInvalidParams)
	}
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	return &SubjectField{sk: sk, resource: table + "." + field, prefix: contextPrefix("subject/v1", table, field), o: o}, nil
}

func (f *SubjectField) ad(subject string) []byte {
	b := append([]byte(nil), f.prefix...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(subject)))
	return append(b, subject...)
}

// Encrypt encrypts plaintext under the subject's key, creating it if needed.
// It fails with keys.ErrKeyDestroyed for an erased subject.
func (f *SubjectField) Encrypt(ctx context.Context, subject string, plaintext []byte) ([]byte, error) {
	a, err := f.sk.AEAD(ctx, subject)
	if err != nil {
		return nil, fmt.Errorf("encrypt: %s: %w", f.resource, errNoDetail(err))
	}
	if f.o.padding > 0 {
		plaintext = pad(plaintext, f.o.padding)
	}
	ct, err := a.Encrypt(plaintext, f.ad(subject))
	if err != nil {
		return nil, fmt.Errorf("encrypt: %s: encrypting %d bytes: %w", f.resource, len(plaintext), errNoDetail(err))
	}
	return ct, nil
}

// Decrypt decrypts a value of the subject. It is a reveal. After the
// subject's key is destroyed it fails with keys.ErrKeyDestroyed.
func (f *SubjectField) Decrypt(ctx context.Context, subject string, ciphertext []byte) ([]byte, error) {
	req := access.Request{Action: access.ActionDecrypt, Resource: f.resource, Subject: subject}
	req.KeyID, _ = KeyID(ciphertext)
	if err := f.o.guard.Authorize(ctx, req); err != nil {
		f.o.guard.Record(ctx, req, err)
		return nil, err
	}
	pt, err := f.open(ctx, subject, ciphertext)
	f.o.guard.Record(ctx, req, err)
	return pt, err
}

func (f *SubjectField) open(ctx context.Context, subject string, ciphertext []byte) ([]byte, error) {
	a, err := f.sk.ExistingAEAD(ctx, subject)
	if err != nil {
		return nil, fmt.Errorf("encrypt: %s: %w", f.resource, errNoDetail(err))
	}
	pt, err := a.Decrypt(ciphertext, f.ad(subject))
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
