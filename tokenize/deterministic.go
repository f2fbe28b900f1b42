package tokenize

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"

	"github.com/custos-dev/custos/access"
	"github.com/custos-dev/custos/keys"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// tinkPrefixSize is the size of Tink's output prefix: 0x01 then the key ID.
const tinkPrefixSize = 5

// A Deterministic tokenizer makes reversible deterministic tokens: the
// AES-SIV (RFC 5297, Tink deterministic AEAD) encryption of the value under a
// key derived for (PurposeDeterministic, domain), with the domain as
// associated data, in unpadded base64url. The token starts with Tink's prefix
// naming the root key, so the root rotates without breaking old tokens.
//
// Equal values give equal tokens within a domain (that is the point: they can
// be joined), which leaks equality and frequency. Tokens are longer than the
// value by 21 bytes before encoding, and authenticated: a changed token fails
// with ErrInvalidToken instead of yielding another value.
//
// A Deterministic is immutable and safe for concurrent use.
type Deterministic struct {
	domain string
	ad     []byte
	daead  tink.DeterministicAEAD
	guard  *access.Guard
}

// NewDeterministic returns the deterministic tokenizer of domain. root must
// be a keys.DerivationHKDFSHA256 keyset. Options: [WithGuard].
func NewDeterministic(root *keys.Keyset, domain string, opts ...Option) (*Deterministic, error) {
	if err := checkRoot(root, domain); err != nil {
		return nil, err
	}
	d, err := root.DeriveDeterministicAEAD(PurposeDeterministic, domain)
	if err != nil {
		return nil, fmt.Errorf("tokenize: deriving deterministic key for domain %q: %w", domain, err)
	}
	o := buildOptions(opts)
	return &Deterministic{domain: domain, ad: []byte(domain), daead: d, guard: o.guard}, nil
}

// Domain returns the tokenizer's domain.
func (d *Deterministic) Domain() string { return d.domain }

// Tokenize returns the token of value.
func (d *Deterministic) Tokenize(value string) (string, error) {
	ct, err := d.daead.EncryptDeterministically([]byte(value), d.ad)
	if err != nil {
		return "", fmt.Errorf("tokenize: %s: encrypting %d bytes failed", d.domain, len(value))
	}
	return base64.RawURLEncoding.EncodeToString(ct), nil
}

// Detokenize returns the value of token. It is a reveal: see the package
// documentation. A token of another domain, a changed token or one whose root
// key is no longer enabled fails with ErrInvalidToken.
func (d *Deterministic) Detokenize(ctx context.Context, token string) (string, error) {
	req := access.Request{Action: access.ActionDetokenize, Resource: d.domain}
	ct, decErr := base64.RawURLEncoding.Strict().DecodeString(token)
	wellFormed := decErr == nil && len(ct) > tinkPrefixSize && ct[0] == 1
	if wellFormed {
		req.KeyID = binary.BigEndian.Uint32(ct[1:tinkPrefixSize])
	}
	if err := d.guard.Authorize(ctx, req); err != nil {
		d.guard.Record(ctx, req, err)
		return "", err
	}
	var value string
	var err error
	if !wellFormed {
		err = fmt.Errorf("%w: %s: token of %d bytes is not base64url of a Tink ciphertext", ErrInvalidToken, d.domain, len(token))
	} else if pt, derr := d.daead.DecryptDeterministically(ct, d.ad); derr != nil {
		err = fmt.Errorf("%w: %s: token under key %d does not decrypt in this domain", ErrInvalidToken, d.domain, req.KeyID)
	} else {
		value = string(pt)
	}
	d.guard.Record(ctx, req, err)
	return value, err
}

// TokenKeyID returns the ID of the root key that made token, without
// decrypting it.
func (d *Deterministic) TokenKeyID(token string) (uint32, error) {
	ct, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(ct) <= tinkPrefixSize || ct[0] != 1 {
		return 0, fmt.Errorf("%w: %s: token of %d bytes is not base64url of a Tink ciphertext", ErrInvalidToken, d.domain, len(token))
	}
	return binary.BigEndian.Uint32(ct[1:5]), nil
}
