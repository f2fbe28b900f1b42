package keys

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"hash"
	"log/slog"
	"strconv"
	"sync"
)

// PRFSize is the output size of [PRF.Sum] in bytes.
const PRFSize = sha256.Size

// PRF is a keyed pseudorandom function, HMAC-SHA256, with the ID of the key
// it comes from. It reuses hash states from a pool, so that [PRF.Sum] into a
// buffer with room allocates nothing.
//
// A PRF is immutable and safe for concurrent use. It never prints its key.
type PRF struct {
	keyID uint32
	pool  sync.Pool
}

func newPRF(keyID uint32, key []byte) *PRF {
	p := &PRF{keyID: keyID}
	k := append([]byte(nil), key...)
	p.pool.New = func() any { return hmac.New(sha256.New, k) }
	return p
}

// Derive returns the PRF keyed with HMAC-SHA256(key, "custos/keys/prf/v1" ||
// 0 || label), with the same key ID: one sub-key per label, computed once,
// so that hot paths hash only their input.
func (p *PRF) Derive(label []byte) *PRF {
	msg := append([]byte("custos/keys/prf/v1\x00"), label...)
	return newPRF(p.keyID, p.Sum(nil, msg))
}

// NewHash returns a new HMAC-SHA256 state keyed with the PRF's key, for
// callers that keep their own per-goroutine or pooled state. The state
// reveals no key through any method; Reset restarts it.
func (p *PRF) NewHash() hash.Hash { return p.pool.New().(hash.Hash) }

// KeyID returns the ID of the key the PRF uses.
func (p *PRF) KeyID() uint32 { return p.keyID }

// Sum appends HMAC-SHA256(key, msg), [PRFSize] bytes, to dst and returns the
// extended slice.
func (p *PRF) Sum(dst, msg []byte) []byte {
	h := p.pool.Get().(hash.Hash)
	h.Reset()
	h.Write(msg)
	dst = h.Sum(dst)
	p.pool.Put(h)
	return dst
}

// SumString is like Sum for a string message.
func (p *PRF) SumString(dst []byte, msg string) []byte {
	h := p.pool.Get().(hash.Hash)
	h.Reset()
	if sw, ok := h.(interface{ WriteString(string) (int, error) }); ok {
		_, _ = sw.WriteString(msg)
	} else {
		h.Write([]byte(msg))
	}
	dst = h.Sum(dst)
	p.pool.Put(h)
	return dst
}

func (p *PRF) summary() string {
	return "keys.PRF{HMAC-SHA256 key=" + strconv.FormatUint(uint64(p.keyID), 10) + "}"
}

// String returns a redacted summary with the key ID.
func (p *PRF) String() string { return p.summary() }

// GoString is like String.
func (p *PRF) GoString() string { return p.summary() }

// Format prints the redacted summary for every verb.
func (p *PRF) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(p.summary())) }

// LogValue logs the redacted summary.
func (p *PRF) LogValue() slog.Value { return slog.StringValue(p.summary()) }

// MarshalJSON encodes the redacted summary as a JSON string.
func (p *PRF) MarshalJSON() ([]byte, error) { return json.Marshal(p.summary()) }
