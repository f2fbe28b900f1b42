package encrypt

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/custos-dev/custos/access"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// DeterministicField encrypts the values of one column with deterministic
// AEAD (AES-SIV): equal values of the column give equal ciphertexts, so the
// database can compare them. The ciphertext is bound to (table, field) but
// not to the row, since equality across rows is the point. It leaks which
// rows share a value and how often: prefer [Field] plus a [BlindIndex].
//
// A DeterministicField is immutable and safe for concurrent use.
type DeterministicField struct {
	d        tink.DeterministicAEAD
	resource string
	ad       []byte
	o        options
}

// NewDeterministicField returns a deterministic field encrypting with d
// (e.g. from keys.Keyset.DeterministicAEAD or DeriveDeterministicAEAD).
func NewDeterministicField(d tink.DeterministicAEAD, table, field string, opts ...Option) (*DeterministicField, error) {
	if d == nil {
		return nil, fmt.Errorf("%w: deterministic AEAD is nil", ErrInvalidParams)
	}
	if table == "" || field == "" {
		return nil, fmt.Errorf("%w: table and field names are required", ErrInvalidParams)
	}
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	return &DeterministicField{d: d, resource: table + "." + field, ad: contextPrefix("deterministic/v1", table, field), o: o}, nil
}

// EncryptDeterministically encrypts plaintext; equal plaintexts give equal
// ciphertexts (under the same key).
func (f *DeterministicField) EncryptDeterministically(plaintext []byte) ([]byte, error) {
	if f.o.padding > 0 {
		plaintext = pad(plaintext, f.o.padding)
	}
	ct, err := f.d.EncryptDeterministically(plaintext, f.ad)
	if err != nil {
		return nil, fmt.Errorf("encrypt: %s: encrypting %d bytes: %w", f.resource, len(plaintext), errNoDetail(err))
	}
	return ct, nil
}

// EncryptStringDeterministically encrypts a string and returns the compact
// text form.
func (f *DeterministicField) EncryptStringDeterministically(plaintext string) (string, error) {
	ct, err := f.EncryptDeterministically([]byte(plaintext))
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(ct), nil
}

// Decrypt decrypts a ciphertext of this field. It is a reveal; row names
// the row for the audit trail only.
func (f *DeterministicField) Decrypt(ctx context.Context, row string, ciphertext []byte) ([]byte, error) {
	req := access.Request{Action: access.ActionDecrypt, Resource: f.resource, Subject: row}
	req.KeyID, _ = KeyID(ciphertext)
	if err := f.o.guard.Authorize(ctx, req); err != nil {
		f.o.guard.Record(ctx, req, err)
		return nil, err
	}
	pt, err := f.d.DecryptDeterministically(ciphertext, f.ad)
	if err != nil {
		err = decryptError(f.resource, ciphertext, err)
		pt = nil
	} else if f.o.padding > 0 {
		if pt, err = unpad(pt, f.o.padding); err != nil {
			err = fmt.Errorf("%w: %s: bad padding", ErrDecrypt, f.resource)
		}
	}
	f.o.guard.Record(ctx, req, err)
	return pt, err
}

// DecryptString decrypts the compact text form. It is a reveal.
func (f *DeterministicField) DecryptString(ctx context.Context, row, text string) (string, error) {
	ct, err := DecodeText(text)
	if err != nil {
		return "", err
	}
	pt, err := f.Decrypt(ctx, row, ct)
	if err != nil {
		return "", err
	}
	return string(pt), nil
}
