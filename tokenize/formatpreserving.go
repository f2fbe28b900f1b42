package tokenize

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/custos-dev/custos/access"
	"github.com/custos-dev/custos/keys"
	"github.com/custos-dev/custos/tokenize/fpe"
)

// FPEKeySize is the size of the AES key of a format-preserving tokenizer.
const FPEKeySize = 32

// A FormatPreserving tokenizer makes format-preserving tokens with FF1 (NIST
// SP 800-38G, AES-256): the token of a value has the value's length, layout
// and alphabet, so a card number becomes another card-shaped number
// ("4111-1111-1111-1111" → "7203-5518-0436-1111" with KeepLast 4), in the same
// column. A [Template] says which characters are tokenized and which stay.
//
// Tokens are deterministic (equal values and tweaks give equal tokens) and
// carry no integrity: any well-formed string detokenizes to some value. A
// tweak (TokenizeWithTweak) binds a token to a context, such as a merchant
// or a record ID: the same value then gives unrelated tokens in different
// contexts, and detokenizing needs the same tweak.
//
// A format-preserving token has no room for a key ID: see "Key management"
// in the package documentation for how versions are chosen and rotated.
//
// A FormatPreserving is immutable and safe for concurrent use.
type FormatPreserving struct {
	domain string
	keyID  uint32
	l      *layout
	ff1    *fpe.FF1
	guard  *access.Guard
}

// NewFormatPreserving returns the format-preserving tokenizer of domain under
// key version keyID: the ID of an enabled key of root, a
// keys.DerivationHKDFSHA256 keyset. Its FF1 key is FPEKeySize bytes of
// HMAC-SHA256 under the key derived from root key keyID for (PurposeFPE,
// domain). Options: [WithGuard].
func NewFormatPreserving(root *keys.Keyset, domain string, keyID uint32, t Template, opts ...Option) (*FormatPreserving, error) {
	if err := checkRoot(root, domain); err != nil {
		return nil, err
	}
	prf, err := versionPRF(root, keyID, PurposeFPE, domain)
	if err != nil {
		return nil, err
	}
	key := prf.Sum(make([]byte, 0, keys.PRFSize), []byte("custos/tokenize/fpe/ff1-key/v1"))
	return newFormatPreserving(key[:FPEKeySize], domain, keyID, t, opts)
}

// versionPRF returns the PRF derived for (purpose, domain) from root key id.
func versionPRF(root *keys.Keyset, id uint32, purpose, domain string) (*keys.PRF, error) {
	ki, err := root.Key(id)
	if err != nil || ki.Status != keys.StatusEnabled {
		return nil, fmt.Errorf("%w: root key %d is not an enabled key", ErrKeyUnavailable, id)
	}
	r := root
	if !ki.Primary {
		if r, err = root.Promote(id); err != nil {
			return nil, fmt.Errorf("tokenize: selecting root key %d: %w", id, err)
		}
	}
	prf, err := r.DerivePRF(purpose, domain)
	if err != nil {
		return nil, fmt.Errorf("tokenize: deriving %s key for domain %q: %w", purpose, domain, err)
	}
	return prf, nil
}

// NewFormatPreservingRawKey returns a format-preserving tokenizer with a raw
// AES key (16, 24 or 32 bytes), for interoperability with other FF1
// implementations and for test vectors. It does no key management: the
// caller keeps the key and its version. KeyID reports 0.
func NewFormatPreservingRawKey(key []byte, domain string, t Template, opts ...Option) (*FormatPreserving, error) {
	if domain == "" {
		return nil, fmt.Errorf("%w: empty domain", ErrInvalidConfig)
	}
	return newFormatPreserving(key, domain, 0, t, opts)
}

func newFormatPreserving(key []byte, domain string, keyID uint32, t Template, opts []Option) (*FormatPreserving, error) {
	l, err := compileTemplate(t)
	if err != nil {
		return nil, err
	}
	f, err := fpe.NewFF1(key, nil, t.Alphabet)
	if err != nil {
		if errors.Is(err, fpe.ErrInvalidKey) {
			return nil, fmt.Errorf("%w: FF1 key of %d bytes, want 16, 24 or 32", ErrInvalidConfig, len(key))
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidConfig, l.t.Name, err)
	}
	l.minEnc = f.MinLength()
	if t.FailLuhn {
		l.minEnc++
	}
	if err := l.checkMax(l.minEnc); err != nil {
		return nil, err
	}
	o := buildOptions(opts)
	return &FormatPreserving{domain: domain, keyID: keyID, l: l, ff1: f, guard: o.guard}, nil
}

// Domain returns the tokenizer's domain.
func (f *FormatPreserving) Domain() string { return f.domain }

// KeyID returns the key version: the root key ID given to
// NewFormatPreserving, or 0 for a raw key.
func (f *FormatPreserving) KeyID() uint32 { return f.keyID }

// Template returns the tokenizer's template.
func (f *FormatPreserving) Template() Template { return f.l.t }

// Tokenize returns the token of value, which must fit the template.
func (f *FormatPreserving) Tokenize(value string) (string, error) {
	return f.transform(value, nil, false, true)
}

// TokenizeWithTweak is Tokenize bound to a context value (at most
// fpe.MaxFF1TweakSize bytes), the FF1 tweak: Detokenize needs the same
// tweak.
func (f *FormatPreserving) TokenizeWithTweak(value string, tweak []byte) (string, error) {
	return f.transform(value, tweak, true, true)
}

// Detokenize returns the value of token. It is a reveal: see the package
// documentation.
func (f *FormatPreserving) Detokenize(ctx context.Context, token string) (string, error) {
	return f.reveal(ctx, token, nil, false)
}

// DetokenizeWithTweak is Detokenize for a token made by TokenizeWithTweak.
func (f *FormatPreserving) DetokenizeWithTweak(ctx context.Context, token string, tweak []byte) (string, error) {
	return f.reveal(ctx, token, tweak, true)
}

func (f *FormatPreserving) reveal(ctx context.Context, token string, tweak []byte, withTweak bool) (string, error) {
	req := access.Request{Action: access.ActionDetokenize, Resource: f.domain, KeyID: f.keyID}
	if err := f.guard.Authorize(ctx, req); err != nil {
		f.guard.Record(ctx, req, err)
		return "", err
	}
	v, err := f.transform(token, tweak, withTweak, false)
	f.guard.Record(ctx, req, err)
	return v, err
}

func (f *FormatPreserving) ff1Do(x string, tweak []byte, withTweak, enc bool) (string, error) {
	var y string
	var err error
	switch {
	case enc && withTweak:
		y, err = f.ff1.EncryptWithTweak(x, tweak)
	case enc:
		y, err = f.ff1.Encrypt(x)
	case withTweak:
		y, err = f.ff1.DecryptWithTweak(x, tweak)
	default:
		y, err = f.ff1.Decrypt(x)
	}
	if err != nil {
		return "", f.ff1Error(err, x, tweak)
	}
	return y, nil
}

// ff1Append is ff1Do appending to dst: no allocation when dst has room.
func (f *FormatPreserving) ff1Append(dst []byte, x string, tweak []byte, withTweak, enc bool) ([]byte, error) {
	var y []byte
	var err error
	switch {
	case enc && withTweak:
		y, err = f.ff1.AppendEncryptWithTweak(dst, x, tweak)
	case enc:
		y, err = f.ff1.AppendEncrypt(dst, x)
	case withTweak:
		y, err = f.ff1.AppendDecryptWithTweak(dst, x, tweak)
	default:
		y, err = f.ff1.AppendDecrypt(dst, x)
	}
	if err != nil {
		return nil, f.ff1Error(err, x, tweak)
	}
	return y, nil
}

func (f *FormatPreserving) ff1Error(err error, x string, tweak []byte) error {
	// The template checks made every fpe error but these impossible.
	if errors.Is(err, fpe.ErrInvalidTweak) {
		return fmt.Errorf("%w: %s: tweak of %d bytes, at most %d", ErrInvalidValue, f.l.t.Name, len(tweak), fpe.MaxFF1TweakSize)
	}
	return fmt.Errorf("%w: %s: FF1 refused %d characters", ErrInvalidValue, f.l.t.Name, utf8.RuneCountInString(x))
}

// transform tokenizes (enc) or detokenizes s.
func (f *FormatPreserving) transform(s string, tweak []byte, withTweak, enc bool) (string, error) {
	what := "value"
	if !enc {
		what = "token"
	}
	if withTweak && len(tweak) > fpe.MaxFF1TweakSize {
		return "", fmt.Errorf("%w: %s: tweak of %d bytes, at most %d", ErrInvalidValue, f.l.t.Name, len(tweak), fpe.MaxFF1TweakSize)
	}
	if f.l.digits && len(s) >= 8 && len(s) <= maxDigitsLen {
		return f.transformDigits(s, tweak, withTweak, enc, what)
	}
	// The value's alphabet characters, then the FF1 result, both on the
	// stack for values of up to 64 bytes: the result string is then the
	// only allocation.
	var stack, ystack [64]byte
	core, n, pure, err := f.l.scan(stack[:0], s, what)
	if err != nil {
		return "", err
	}
	t := &f.l.t
	if t.FailMod97 {
		return f.transformIBAN(s, core, n, tweak, withTweak, enc)
	}
	if !t.FailLuhn {
		if pure && t.KeepFirst == 0 && t.KeepLast == 0 {
			return f.ff1Do(s, tweak, withTweak, enc)
		}
		a, b := f.l.bounds(core, n)
		y, err := f.ff1Append(ystack[:0], string(core[a:b]), tweak, withTweak, enc)
		if err != nil {
			return "", err
		}
		return rebuild(f.l, s, core, n, y), nil
	}
	a, b := t.KeepFirst, n-t.KeepLast // ASCII digits
	free := b - 1
	if enc {
		if !luhnValid(core) {
			return "", fmt.Errorf("%w: %s: value of %d digits fails the Luhn check", ErrInvalidValue, t.Name, n)
		}
		y, err := f.ff1Append(ystack[:0], string(core[a:free]), tweak, withTweak, true)
		if err != nil {
			return "", err
		}
		copy(core[a:], y)
		luhnSetToken(core, a, free)
		return f.l.fill(s, core), nil
	}
	want := core[free]
	luhnSetToken(core, a, free)
	if core[free] != want {
		return "", fmt.Errorf("%w: %s: token of %d digits has a wrong Luhn digit", ErrInvalidToken, t.Name, n)
	}
	x, err := f.ff1Append(ystack[:0], string(core[a:free]), tweak, withTweak, false)
	if err != nil {
		return "", err
	}
	copy(core[a:], x)
	luhnSet(core, free, 0)
	return f.l.fill(s, core), nil
}

// transformIBAN is transform for FailMod97: core holds the n characters
// of the IBAN s (ASCII).
func (f *FormatPreserving) transformIBAN(s string, core []byte, n int, tweak []byte, withTweak, enc bool) (string, error) {
	var ystack [64]byte
	t := &f.l.t
	a, b := f.l.bounds(core, n)
	if enc {
		if !ibanValid(core) {
			return "", fmt.Errorf("%w: %s: value of %d characters is not a valid IBAN (country code, check digits)", ErrInvalidValue, t.Name, n)
		}
		y, err := f.ff1Append(ystack[:0], string(core[a:b]), tweak, withTweak, true)
		if err != nil {
			return "", err
		}
		copy(core[a:], y)
		ibanSetToken(core, a, b)
		return f.l.fill(s, core), nil
	}
	c2, c3 := core[2], core[3]
	ibanSetToken(core, a, b)
	if core[2] != c2 || core[3] != c3 || !isUpper(core[0]) || !isUpper(core[1]) {
		return "", fmt.Errorf("%w: %s: token of %d characters has wrong check digits or country code", ErrInvalidToken, t.Name, n)
	}
	x, err := f.ff1Append(ystack[:0], string(core[a:b]), tweak, withTweak, false)
	if err != nil {
		return "", err
	}
	copy(core[a:], x)
	ibanSetValid(core)
	return f.l.fill(s, core), nil
}

// String returns a summary without key material.
func (f *FormatPreserving) String() string {
	return "tokenize.FormatPreserving{domain=" + f.domain + " key=" + strconv.FormatUint(uint64(f.keyID), 10) + " template=" + f.l.t.Name + "}"
}
