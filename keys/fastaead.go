package keys

import (
	"encoding/binary"
	"fmt"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/aead/aesgcm"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// prefixAEAD dispatches on the Tink key-ID prefix to one full Tink
// primitive per enabled key: the same ciphertexts as Tink's keyset wrapper
// (aead.New), without its prefix-map lookup and monitoring hooks.
type prefixAEAD struct {
	primary tink.AEAD
	ids     []uint32
	prims   []tink.AEAD
}

// newAEAD returns the fast dispatcher when every enabled key is an AES-GCM
// key with a Tink prefix, and Tink's own wrapper otherwise.
func newAEAD(h *keyset.Handle) (tink.AEAD, error) {
	p := &prefixAEAD{}
	for i := range h.Len() {
		e, err := h.Entry(i)
		if err != nil {
			return nil, err
		}
		if e.KeyStatus() != keyset.Enabled {
			continue
		}
		k, ok := e.Key().(*aesgcm.Key)
		if !ok || k.Parameters().(*aesgcm.Parameters).Variant() != aesgcm.VariantTink {
			return aead.New(h)
		}
		a, err := aesgcm.NewAEAD(k)
		if err != nil {
			return nil, err
		}
		p.ids = append(p.ids, e.KeyID())
		p.prims = append(p.prims, a)
		if e.IsPrimary() {
			p.primary = a
		}
	}
	if p.primary == nil {
		return nil, fmt.Errorf("keyset has no enabled primary key")
	}
	return p, nil
}

func (p *prefixAEAD) Encrypt(plaintext, associatedData []byte) ([]byte, error) {
	return p.primary.Encrypt(plaintext, associatedData)
}

func (p *prefixAEAD) Decrypt(ciphertext, associatedData []byte) ([]byte, error) {
	if len(ciphertext) < 5 || ciphertext[0] != 1 {
		return nil, fmt.Errorf("keys: AEAD: no Tink key-ID prefix")
	}
	id := binary.BigEndian.Uint32(ciphertext[1:5])
	for i, k := range p.ids {
		if k == id {
			return p.prims[i].Decrypt(ciphertext, associatedData)
		}
	}
	return nil, fmt.Errorf("keys: AEAD: no enabled key %d", id)
}
