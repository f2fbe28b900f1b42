package tokenize

import (
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"sync"
	"unsafe"

	"github.com/custos-dev/custos/keys"
)

// Encoding is the text encoding of a pseudonym. The zero value is invalid;
// in a [PseudonymConfig] it stands for the default, [Base32].
type Encoding uint8

// Encodings.
const (
	EncodingUnknown Encoding = iota
	// Base32 is RFC 4648 base32 in lowercase, without padding: case
	// insensitive systems keep it intact.
	Base32
	// Base64URL is RFC 4648 base64url without padding: the shortest.
	Base64URL
	// Hex is lowercase hexadecimal.
	Hex
)

// String returns the encoding's name, e.g. "base32".
func (e Encoding) String() string {
	switch e {
	case Base32:
		return "base32"
	case Base64URL:
		return "base64url"
	case Hex:
		return "hex"
	}
	return "unknown"
}

var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Pseudonym sizes, in bytes of PRF output kept (the key ID comes on top).
const (
	MinPseudonymSize     = 8
	MaxPseudonymSize     = keys.PRFSize
	DefaultPseudonymSize = 16
)

// PseudonymConfig configures a [Pseudonymizer]. The zero value is the
// default: base32, 16 bytes (128 bits) of HMAC output.
type PseudonymConfig struct {
	// Encoding of the pseudonym; zero means Base32.
	Encoding Encoding
	// Size is how many bytes of the HMAC-SHA256 output are kept, from
	// MinPseudonymSize to MaxPseudonymSize; zero means DefaultPseudonymSize.
	// Two values share a pseudonym with probability about n²/2^(8·Size+1)
	// among n values: 8 bytes suit up to millions of values, 16 any number.
	Size int
}

// A Pseudonymizer computes keyed pseudonyms: HMAC-SHA256 of the value under a
// key derived from the root keyset for (PurposePseudonym, domain), truncated
// to the configured size and prefixed with the root key's ID (4 bytes, big
// endian), the whole encoded as configured. The same value gives the same
// pseudonym within a domain; pseudonyms of different domains are unlinkable
// without the root keyset. A pseudonym cannot be reversed.
//
// A Pseudonymizer is immutable and safe for concurrent use.
type Pseudonymizer struct {
	domain string
	keyID  uint32
	size   int
	enc    Encoding
	encLen int
	pool   sync.Pool // *prfState
}

type prfState struct {
	h   hash.Hash
	buf [4 + keys.PRFSize]byte
	in  [128]byte
}

// NewPseudonymizer returns the pseudonymizer of domain under root's primary
// key. root must be a keys.DerivationHKDFSHA256 keyset and domain non-empty.
func NewPseudonymizer(root *keys.Keyset, domain string, cfg PseudonymConfig) (*Pseudonymizer, error) {
	if err := checkRoot(root, domain); err != nil {
		return nil, err
	}
	if cfg.Encoding == EncodingUnknown {
		cfg.Encoding = Base32
	}
	if cfg.Encoding > Hex {
		return nil, fmt.Errorf("%w: pseudonym encoding %d", ErrInvalidConfig, cfg.Encoding)
	}
	if cfg.Size == 0 {
		cfg.Size = DefaultPseudonymSize
	}
	if cfg.Size < MinPseudonymSize || cfg.Size > MaxPseudonymSize {
		return nil, fmt.Errorf("%w: pseudonym size %d outside %d..%d", ErrInvalidConfig, cfg.Size, MinPseudonymSize, MaxPseudonymSize)
	}
	prf, err := root.DerivePRF(PurposePseudonym, domain)
	if err != nil {
		return nil, fmt.Errorf("tokenize: deriving pseudonym key for domain %q: %w", domain, err)
	}
	p := &Pseudonymizer{domain: domain, keyID: prf.KeyID(), size: cfg.Size, enc: cfg.Encoding}
	p.encLen = encodedLen(cfg.Encoding, 4+cfg.Size)
	p.pool.New = func() any { return &prfState{h: prf.NewHash()} }
	return p, nil
}

func checkRoot(root *keys.Keyset, domain string) error {
	if root == nil || root.Template() != keys.DerivationHKDFSHA256 {
		return fmt.Errorf("%w: the root keyset must be a DERIVATION_HKDF_SHA256 keyset", ErrInvalidConfig)
	}
	if domain == "" {
		return fmt.Errorf("%w: empty domain", ErrInvalidConfig)
	}
	return nil
}

func encodedLen(e Encoding, n int) int {
	switch e {
	case Base32:
		return lowerBase32.EncodedLen(n)
	case Base64URL:
		return base64.RawURLEncoding.EncodedLen(n)
	default:
		return hex.EncodedLen(n)
	}
}

const base32Chars = "abcdefghijklmnopqrstuvwxyz234567"

// base32Pairs[v] is the two base32 characters of the 10-bit value v, the
// first in the low byte.
var base32Pairs = func() (t [1024]uint16) {
	for v := range t {
		t[v] = uint16(base32Chars[v>>5]) | uint16(base32Chars[v&31])<<8
	}
	return t
}()

// encodeBase32 is lowerBase32.Encode with whole 5-byte groups done 40 bits
// at a time, two characters per table lookup and one 8-byte store per
// group; base32 groups are independent, so the tail is the standard
// encoder's.
func encodeBase32(dst, src []byte) {
	for len(src) >= 5 && len(dst) >= 8 {
		x := uint64(src[0])<<32 | uint64(src[1])<<24 | uint64(src[2])<<16 | uint64(src[3])<<8 | uint64(src[4])
		binary.LittleEndian.PutUint64(dst, uint64(base32Pairs[x>>30])|uint64(base32Pairs[x>>20&1023])<<16|
			uint64(base32Pairs[x>>10&1023])<<32|uint64(base32Pairs[x&1023])<<48)
		src, dst = src[5:], dst[8:]
	}
	if len(src) > 0 {
		lowerBase32.Encode(dst, src)
	}
}

func encodeTo(e Encoding, dst, src []byte) {
	switch e {
	case Base32:
		encodeBase32(dst, src)
	case Base64URL:
		base64.RawURLEncoding.Encode(dst, src)
	default:
		hex.Encode(dst, src)
	}
}

// Domain returns the pseudonymizer's domain.
func (p *Pseudonymizer) Domain() string { return p.domain }

// KeyID returns the ID of the root key the pseudonyms are made under.
func (p *Pseudonymizer) KeyID() uint32 { return p.keyID }

// Len returns the length of every pseudonym, in bytes (all ASCII).
func (p *Pseudonymizer) Len() int { return p.encLen }

// sum writes keyID || HMAC[:size] to s.buf after the message has been
// written to s.h.
func (p *Pseudonymizer) sum(s *prfState) []byte {
	binary.BigEndian.PutUint32(s.buf[:4], p.keyID)
	full := s.h.Sum(s.buf[:4])
	return full[:4+p.size]
}

// Pseudonym returns the pseudonym of value. It allocates only the result,
// into which the pseudonym is encoded directly.
func (p *Pseudonymizer) Pseudonym(value string) string {
	s := p.pool.Get().(*prfState)
	s.h.Reset()
	for len(value) > 0 {
		n := copy(s.in[:], value)
		s.h.Write(s.in[:n])
		value = value[n:]
	}
	out := make([]byte, p.encLen)
	encodeTo(p.enc, out, p.sum(s))
	p.pool.Put(s)
	return unsafe.String(unsafe.SliceData(out), len(out))
}

// AppendPseudonym appends the pseudonym of value to dst and returns the
// extended slice. It allocates nothing when dst has room for [Pseudonymizer.Len]
// more bytes.
func (p *Pseudonymizer) AppendPseudonym(dst, value []byte) []byte {
	s := p.pool.Get().(*prfState)
	s.h.Reset()
	s.h.Write(value)
	bin := p.sum(s)
	n := len(dst)
	dst = grow(dst, p.encLen)
	encodeTo(p.enc, dst[n:n+p.encLen], bin)
	p.pool.Put(s)
	return dst
}

func grow(b []byte, n int) []byte {
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), len(b)+n)
		copy(nb, b)
		b = nb
	}
	return b[:len(b)+n]
}

// PseudonymKeyID returns the ID of the root key that made pseudonym, which
// must be a pseudonym of this pseudonymizer's size and encoding; otherwise the
// error wraps ErrInvalidToken.
func (p *Pseudonymizer) PseudonymKeyID(pseudonym string) (uint32, error) {
	if len(pseudonym) != p.encLen {
		return 0, fmt.Errorf("%w: pseudonym of %d bytes, want %d", ErrInvalidToken, len(pseudonym), p.encLen)
	}
	var bin []byte
	var err error
	switch p.enc {
	case Base32:
		bin, err = lowerBase32.DecodeString(pseudonym)
	case Base64URL:
		bin, err = base64.RawURLEncoding.DecodeString(pseudonym)
	default:
		bin, err = hex.DecodeString(pseudonym)
	}
	if err == nil && len(bin) == 4+p.size {
		// Only the canonical encoding is a pseudonym (no upper case hex,
		// no stray trailing bits).
		var txt [128]byte
		encodeTo(p.enc, txt[:p.encLen], bin)
		if string(txt[:p.encLen]) != pseudonym {
			err = ErrInvalidToken
		}
	}
	if err != nil || len(bin) != 4+p.size {
		return 0, fmt.Errorf("%w: pseudonym is not canonical %s of %d bytes", ErrInvalidToken, p.enc, 4+p.size)
	}
	return binary.BigEndian.Uint32(bin), nil
}

// String returns a summary without key material, e.g.
// "tokenize.Pseudonymizer{domain=customers.email key=123 base32/16}".
func (p *Pseudonymizer) String() string {
	return "tokenize.Pseudonymizer{domain=" + p.domain + " key=" + strconv.FormatUint(uint64(p.keyID), 10) +
		" " + p.enc.String() + "/" + strconv.Itoa(p.size) + "}"
}
