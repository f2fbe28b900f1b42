package fpe

import (
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"slices"
	"unicode/utf8"
	"unsafe"
)

// FF31TweakSize is the size of an FF3-1 tweak: exactly 56 bits.
const FF31TweakSize = 7

// FF31 encrypts and decrypts strings over one alphabet with the FF3-1 mode of
// NIST SP 800-38G Rev. 1 under one AES key. It is immutable and safe for
// concurrent use.
//
// The second public draft of SP 800-38G Revision 1 withdraws FF3-1; FF31 is
// offered only for interoperability with systems that use it, such as
// HashiCorp Vault's FPE transformations. Prefer FF1 for anything new.
type FF31 struct {
	block cipher.Block // keyed with REVB(key)
	alpha *alphabet
	// tl and tr are the default tweak's halves T_L and T_R as big-endian
	// 32-bit words.
	tl, tr uint32
	maxLen int
}

// NewFF31 returns an FF3-1 cipher with a raw AES-128, AES-192 or AES-256 key
// (16, 24 or 32 bytes), the default tweak of exactly FF31TweakSize (7) bytes,
// and the alphabet: an ordered list of 2 to 65536 distinct Unicode
// characters, where numeral i is the i-th character.
//
// The key is used as given, in the byte order of SP 800-38G (the mode
// reverses it internally); this is the raw-key constructor for
// interoperability. FF3-1 is withdrawn in the second public draft of
// SP 800-38G Rev. 1: use NewFF1 unless a peer requires FF3-1.
func NewFF31(key, tweak []byte, alphabet string) (*FF31, error) {
	tl, tr, err := splitTweak(tweak)
	if err != nil {
		return nil, err
	}
	if _, err := newBlock(key); err != nil {
		return nil, err
	}
	rkey := slices.Clone(key)
	slices.Reverse(rkey)
	block, err := newBlock(rkey)
	clear(rkey)
	if err != nil {
		return nil, err
	}
	alpha, err := newAlphabet(alphabet)
	if err != nil {
		return nil, err
	}
	// maxlen = 2·⌊log_radix(2^96)⌋, and the minimum domain must fit in it.
	maxLen := 2 * alpha.maxHalf()
	if alpha.minLen > maxLen {
		return nil, &fpeError{ErrDomainTooSmall,
			fmt.Sprintf("fpe: FF3-1 with radix %d cannot reach the minimum domain size", alpha.radix)}
	}
	return &FF31{block: block, alpha: alpha, tl: tl, tr: tr, maxLen: maxLen}, nil
}

// splitTweak returns T_L = T[0..27] ‖ 0^4 and T_R = T[32..55] ‖ T[28..31] ‖ 0^4
// as big-endian words.
func splitTweak(t []byte) (tl, tr uint32, err error) {
	if len(t) != FF31TweakSize {
		return 0, 0, &fpeError{ErrInvalidTweak,
			fmt.Sprintf("fpe: FF3-1 tweak is %d bytes, want %d", len(t), FF31TweakSize)}
	}
	tl = binary.BigEndian.Uint32(t[:4]) & 0xFFFFFFF0
	tr = uint32(t[4])<<24 | uint32(t[5])<<16 | uint32(t[6])<<8 | uint32(t[3]&0x0F)<<4
	return tl, tr, nil
}

// Radix returns the number of characters of the alphabet.
func (f *FF31) Radix() int { return f.alpha.radix }

// MinLength returns the shortest input accepted: the smallest length with
// radix^length ≥ MinDomainSize.
func (f *FF31) MinLength() int { return f.alpha.minLen }

// MaxLength returns the longest input accepted: 2·⌊log_radix(2^96)⌋
// characters (56 for decimal digits).
func (f *FF31) MaxLength() int { return f.maxLen }

// Encrypt returns the FF3-1 encryption of x under the default tweak. The
// result has as many characters as x, all from the alphabet.
func (f *FF31) Encrypt(x string) (string, error) {
	return f.crypt(x, f.tl, f.tr, false)
}

// Decrypt returns the FF3-1 decryption of x under the default tweak. Any
// string of valid length over the alphabet decrypts: FPE has no integrity.
func (f *FF31) Decrypt(x string) (string, error) {
	return f.crypt(x, f.tl, f.tr, true)
}

// EncryptWithTweak is Encrypt with tweak (exactly FF31TweakSize bytes) in
// place of the default tweak.
func (f *FF31) EncryptWithTweak(x string, tweak []byte) (string, error) {
	tl, tr, err := splitTweak(tweak)
	if err != nil {
		return "", err
	}
	return f.crypt(x, tl, tr, false)
}

// DecryptWithTweak is Decrypt with tweak in place of the default tweak.
func (f *FF31) DecryptWithTweak(x string, tweak []byte) (string, error) {
	tl, tr, err := splitTweak(tweak)
	if err != nil {
		return "", err
	}
	return f.crypt(x, tl, tr, true)
}

// crypt runs SP 800-38G Rev. 1 Algorithms 9 and 10. NUM(REV(A)) and
// NUM(REV(B)) stay numbers through the eight rounds. The block
// REVB(W ⊕ [i]^4 ‖ [NUM(REV(B))]^12) is built directly in little-endian
// order, and y = NUM(REVB(CIPH(...))) is read back little-endian.
func (f *FF31) crypt(x string, tl, tr uint32, decrypt bool) (string, error) {
	a := f.alpha
	n := a.charCount(x)
	if n < a.minLen {
		return "", errTooShort(utf8.RuneCountInString(x), a)
	}
	if n > f.maxLen {
		return "", errTooLong(utf8.RuneCountInString(x), f.maxLen, a)
	}
	var nums [maxFastLen]uint16
	if err := a.parse(x, nums[:n]); err != nil {
		return "", err
	}
	u := (n + 1) / 2
	mu, mv := &a.pow[u], &a.pow[n-u]

	// One allocation: the result, then a 16-byte AES block buffer that is
	// cleared before return.
	out := make([]byte, n*a.maxCharLen+16)
	blk := (*[16]byte)(out[len(out)-16:])

	numA, numB := a.numRev(nums[:u]), a.numRev(nums[u:n])
	for r := range 8 {
		i := r
		in := numB
		if decrypt {
			i = 7 - r
			in = numA
		}
		m, w := mu, tr
		if i&1 == 1 {
			m, w = mv, tl
		}
		binary.LittleEndian.PutUint64(blk[:8], in.lo)
		binary.LittleEndian.PutUint64(blk[8:], in.hi|uint64(w^uint32(i))<<32)
		f.block.Encrypt(blk[:], blk[:])
		y := u128{binary.LittleEndian.Uint64(blk[8:]), binary.LittleEndian.Uint64(blk[:8])}
		if decrypt {
			numA, numB = m.subMod(numB, m.reduce(y)), numA
		} else {
			numA, numB = numB, m.addMod(numA, m.reduce(y))
		}
	}
	clear(blk[:])

	a.digits(numA, nums[:u])
	a.digits(numB, nums[u:n])
	k := a.encode(out, nums[:n])
	return unsafe.String(&out[0], k), nil
}
