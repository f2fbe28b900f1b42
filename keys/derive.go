package keys

import (
	"encoding/binary"
	"fmt"

	"github.com/tink-crypto/tink-go/v2/aead/aesgcm"
	"github.com/tink-crypto/tink-go/v2/aead/xchacha20poly1305"
	"github.com/tink-crypto/tink-go/v2/daead/aessiv"
	"github.com/tink-crypto/tink-go/v2/insecuresecretdataaccess"
	"github.com/tink-crypto/tink-go/v2/key"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/prf"
	"github.com/tink-crypto/tink-go/v2/prf/hkdfprf"
	"github.com/tink-crypto/tink-go/v2/prf/hmacprf"
	"github.com/tink-crypto/tink-go/v2/secretdata"
	"github.com/tink-crypto/tink-go/v2/streamingaead/aesgcmhkdf"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// maxDerivedCache bounds the number of derived keysets a root remembers.
// Beyond it, derivation still works but is not cached.
const maxDerivedCache = 4096

type deriveKey struct {
	t               Template
	purpose, domain string
}

// deriveLabel is the HKDF info for (t, purpose, domain). Lengths are
// prefixed so that no two distinct triples share a label.
func deriveLabel(t Template, purpose, domain string) []byte {
	const prefix = "custos/keys/derive/v1"
	name := t.String()
	b := make([]byte, 0, len(prefix)+1+len(name)+8+len(purpose)+len(domain))
	b = append(b, prefix...)
	b = append(b, 0)
	b = append(b, name...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(purpose)))
	b = append(b, purpose...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(domain)))
	b = append(b, domain...)
	return b
}

// Derive returns the keyset of template t derived from this derivation root
// (template DerivationHKDFSHA256) for a purpose (e.g. "encrypt",
// "blind-index", "tokenize") and a domain (e.g. "customers.email"). Distinct
// (t, purpose, domain) give independent keys, so one root serves a whole
// application and no two fields share a key.
//
// Each enabled root key yields one derived key: HKDF-SHA256 with the root
// key as input keying material and a length-prefixed label as info. For
// templates whose ciphertexts carry a key ID (AES256GCM, XChaCha20Poly1305,
// AES256SIV), the derived key has the root key's ID, and the root's primary
// gives the derived primary; so rotating the root rotates every derived
// keyset, and disabling a root key makes the derived ciphertexts under it
// fail.
//
// The result is read-only (rotation steps fail with [ErrDerived]) and cached
// by the root.
func (k *Keyset) Derive(t Template, purpose, domain string) (*Keyset, error) {
	if k.template != DerivationHKDFSHA256 {
		return nil, errorf(ErrWrongTemplate, "derivation needs a DERIVATION_HKDF_SHA256 root, keyset is %s", k.template)
	}
	if !t.valid() {
		return nil, errorf(ErrInvalidTemplate, "template %d", t)
	}
	if purpose == "" {
		return nil, errorf(ErrInvalidParams, "derivation purpose is empty")
	}
	ck := deriveKey{t, purpose, domain}
	k.derivedMu.Lock()
	d, ok := k.derivedCache[ck]
	k.derivedMu.Unlock()
	if ok {
		return d.(*Keyset), nil
	}
	ks, err := k.derive(t, purpose, domain)
	if err != nil {
		return nil, err
	}
	k.derivedMu.Lock()
	if k.derivedCache == nil {
		k.derivedCache = make(map[deriveKey]any)
	}
	if prev, ok := k.derivedCache[ck]; ok {
		ks = prev.(*Keyset)
	} else if len(k.derivedCache) < maxDerivedCache {
		k.derivedCache[ck] = ks
	}
	k.derivedMu.Unlock()
	return ks, nil
}

func (k *Keyset) derive(t Template, purpose, domain string) (*Keyset, error) {
	set, err := prf.NewPRFSet(k.handle)
	if err != nil {
		return nil, fmt.Errorf("keys: deriving %s for %q: %w", t, purpose, err)
	}
	label := deriveLabel(t, purpose, domain)
	m := keyset.NewManager()
	var infos []KeyInfo
	for _, ki := range k.infos {
		if ki.Status != StatusEnabled {
			continue
		}
		f, ok := set.PRFs[ki.ID]
		if !ok {
			return nil, errorf(ErrInvalidTemplate, "root key %d has no PRF", ki.ID)
		}
		material, err := f.ComputePRF(label, uint32(t.keySize()))
		if err != nil {
			return nil, fmt.Errorf("keys: deriving %s from key %d: %w", t, ki.ID, err)
		}
		tk, err := newTinkKey(t, ki.ID, material)
		if err != nil {
			return nil, fmt.Errorf("keys: deriving %s from key %d: %w", t, ki.ID, err)
		}
		id, err := m.AddKey(tk)
		if err != nil {
			return nil, fmt.Errorf("keys: deriving %s from key %d: %w", t, ki.ID, err)
		}
		if ki.Primary {
			if err := m.SetPrimary(id); err != nil {
				return nil, fmt.Errorf("keys: deriving %s from key %d: %w", t, ki.ID, err)
			}
		}
		ki.ID = id
		infos = append(infos, ki)
	}
	h, err := m.Handle()
	if err != nil {
		return nil, fmt.Errorf("keys: deriving %s: %w", t, err)
	}
	return &Keyset{template: t, handle: h, infos: infos, derived: true}, nil
}

func newTinkKey(t Template, id uint32, material []byte) (key.Key, error) {
	b := secretdata.NewBytesFromData(material, insecuresecretdataaccess.Token{})
	switch t {
	case AES256GCM:
		p, err := aesgcm.NewParameters(aesgcm.ParametersOpts{KeySizeInBytes: 32, IVSizeInBytes: 12, TagSizeInBytes: 16, Variant: aesgcm.VariantTink})
		if err != nil {
			return nil, err
		}
		return aesgcm.NewKey(b, id, p)
	case XChaCha20Poly1305:
		p, err := xchacha20poly1305.NewParameters(xchacha20poly1305.VariantTink)
		if err != nil {
			return nil, err
		}
		return xchacha20poly1305.NewKey(b, id, p)
	case AES256SIV:
		p, err := aessiv.NewParameters(64, aessiv.VariantTink)
		if err != nil {
			return nil, err
		}
		return aessiv.NewKey(b, id, p)
	case HMACSHA256PRF:
		p, err := hmacprf.NewParameters(32, hmacprf.SHA256)
		if err != nil {
			return nil, err
		}
		return hmacprf.NewKey(b, p)
	case AES256GCMHKDF1MB:
		p, err := aesgcmhkdf.NewParameters(aesgcmhkdf.ParametersOpts{KeySizeInBytes: 32, DerivedKeySizeInBytes: 32, HKDFHashType: aesgcmhkdf.SHA256, SegmentSizeInBytes: 1 << 20})
		if err != nil {
			return nil, err
		}
		return aesgcmhkdf.NewKey(p, b)
	case DerivationHKDFSHA256:
		p, err := hkdfprf.NewParameters(32, hkdfprf.SHA256, nil)
		if err != nil {
			return nil, err
		}
		return hkdfprf.NewKey(b, p)
	}
	return nil, errorf(ErrInvalidTemplate, "template %d", t)
}

// DeriveAEAD returns the AES-256-GCM AEAD derived for (purpose, domain).
// See [Keyset.Derive].
func (k *Keyset) DeriveAEAD(purpose, domain string) (tink.AEAD, error) {
	d, err := k.Derive(AES256GCM, purpose, domain)
	if err != nil {
		return nil, err
	}
	return d.AEAD()
}

// DeriveDeterministicAEAD returns the AES-256-SIV deterministic AEAD derived
// for (purpose, domain). See [Keyset.Derive].
func (k *Keyset) DeriveDeterministicAEAD(purpose, domain string) (tink.DeterministicAEAD, error) {
	d, err := k.Derive(AES256SIV, purpose, domain)
	if err != nil {
		return nil, err
	}
	return d.DeterministicAEAD()
}

// DeriveStreamingAEAD returns the streaming AEAD (AES-256-GCM-HKDF, 1 MiB
// segments) derived for (purpose, domain). See [Keyset.Derive].
func (k *Keyset) DeriveStreamingAEAD(purpose, domain string) (tink.StreamingAEAD, error) {
	d, err := k.Derive(AES256GCMHKDF1MB, purpose, domain)
	if err != nil {
		return nil, err
	}
	return d.StreamingAEAD()
}

// DerivePRF returns the HMAC-SHA256 PRF derived for (purpose, domain) from
// the root's primary key; its KeyID is the root primary's ID. See
// [Keyset.Derive].
func (k *Keyset) DerivePRF(purpose, domain string) (*PRF, error) {
	d, err := k.Derive(HMACSHA256PRF, purpose, domain)
	if err != nil {
		return nil, err
	}
	p, err := d.PRF()
	if err != nil {
		return nil, err
	}
	p.keyID = k.PrimaryID()
	return p, nil
}
