package keys

import (
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/aead/aesgcm"
	"github.com/tink-crypto/tink-go/v2/aead/xchacha20poly1305"
	"github.com/tink-crypto/tink-go/v2/daead"
	"github.com/tink-crypto/tink-go/v2/daead/aessiv"
	"github.com/tink-crypto/tink-go/v2/key"
	"github.com/tink-crypto/tink-go/v2/prf"
	"github.com/tink-crypto/tink-go/v2/prf/hkdfprf"
	"github.com/tink-crypto/tink-go/v2/prf/hmacprf"
	tinkpb "github.com/tink-crypto/tink-go/v2/proto/tink_go_proto"
	"github.com/tink-crypto/tink-go/v2/streamingaead"
	"github.com/tink-crypto/tink-go/v2/streamingaead/aesgcmhkdf"
)

// Template names the kind of key a keyset holds. The zero value is invalid.
type Template uint8

// Templates. Every one uses 256-bit keys.
const (
	TemplateUnknown Template = iota
	// AES256GCM is randomized AEAD: AES-256-GCM with a 12-byte random nonce
	// and Tink's 5-byte key-ID prefix.
	AES256GCM
	// XChaCha20Poly1305 is randomized AEAD with a 24-byte random nonce and
	// Tink's key-ID prefix.
	XChaCha20Poly1305
	// AES256SIV is deterministic AEAD (RFC 5297) with Tink's key-ID prefix:
	// equal plaintexts give equal ciphertexts.
	AES256SIV
	// HMACSHA256PRF is a keyed pseudorandom function (HMAC-SHA256).
	HMACSHA256PRF
	// AES256GCMHKDF1MB is streaming AEAD: AES-256-GCM with HKDF-SHA256
	// derived segment keys and 1 MiB segments.
	AES256GCMHKDF1MB
	// DerivationHKDFSHA256 is a derivation root: an HKDF-SHA256 PRF keyset
	// from which per-purpose, per-domain keysets of the other templates are
	// derived with [Keyset.Derive].
	DerivationHKDFSHA256
)

var templateNames = [...]string{
	TemplateUnknown:      "unknown",
	AES256GCM:            "AES256_GCM",
	XChaCha20Poly1305:    "XCHACHA20_POLY1305",
	AES256SIV:            "AES256_SIV",
	HMACSHA256PRF:        "HMAC_SHA256_PRF",
	AES256GCMHKDF1MB:     "AES256_GCM_HKDF_1MB",
	DerivationHKDFSHA256: "DERIVATION_HKDF_SHA256",
}

// String returns the template's name as written in keyset files, e.g.
// "AES256_GCM".
func (t Template) String() string {
	if int(t) < len(templateNames) {
		return templateNames[t]
	}
	return "unknown"
}

// ParseTemplate returns the template with the given name.
func ParseTemplate(name string) (Template, error) {
	for i, n := range templateNames {
		if i != 0 && n == name {
			return Template(i), nil
		}
	}
	return TemplateUnknown, errorf(ErrInvalidTemplate, "unknown template %q", name)
}

func (t Template) valid() bool { return t > TemplateUnknown && int(t) < len(templateNames) }

func (t Template) tinkTemplate() *tinkpb.KeyTemplate {
	switch t {
	case AES256GCM:
		return aead.AES256GCMKeyTemplate()
	case XChaCha20Poly1305:
		return aead.XChaCha20Poly1305KeyTemplate()
	case AES256SIV:
		return daead.AESSIVKeyTemplate()
	case HMACSHA256PRF:
		return prf.HMACSHA256PRFKeyTemplate()
	case AES256GCMHKDF1MB:
		return streamingaead.AES256GCMHKDF1MBKeyTemplate()
	case DerivationHKDFSHA256:
		return prf.HKDFSHA256PRFKeyTemplate()
	}
	return nil
}

// keySize is the size of the key material derived for t.
func (t Template) keySize() int {
	if t == AES256SIV {
		return 64
	}
	return 32
}

// matches reports whether a Tink key has the parameters of t.
func (t Template) matches(k key.Key) bool {
	switch p := k.Parameters().(type) {
	case *aesgcm.Parameters:
		return t == AES256GCM && p.KeySizeInBytes() == 32 && p.Variant() == aesgcm.VariantTink
	case *xchacha20poly1305.Parameters:
		return t == XChaCha20Poly1305 && p.Variant() == xchacha20poly1305.VariantTink
	case *aessiv.Parameters:
		return t == AES256SIV && p.KeySizeInBytes() == 64 && p.Variant() == aessiv.VariantTink
	case *hmacprf.Parameters:
		return t == HMACSHA256PRF && p.KeySizeInBytes() == 32 && p.HashType() == hmacprf.SHA256
	case *aesgcmhkdf.Parameters:
		return t == AES256GCMHKDF1MB && p.KeySizeInBytes() == 32 && p.DerivedKeySizeInBytes() == 32 &&
			p.HKDFHashType() == aesgcmhkdf.SHA256 && p.SegmentSizeInBytes() == 1<<20
	case *hkdfprf.Parameters:
		return t == DerivationHKDFSHA256 && p.KeySizeInBytes() == 32 && p.HashType() == hkdfprf.SHA256
	}
	return false
}
