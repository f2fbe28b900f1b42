package fpe

import (
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"math/bits"
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
	// rk is REVB(key) expanded for the AES-NI kernel, nil where it cannot
	// run (kernel.go); kjob[n] is the kernel's job for length n under the
	// default tweak, for every length the kernel takes (minLen ≤ n <
	// len(kjob); nil without the kernel).
	rk   *roundKeys
	kjob []ff31Job
	// kjob128[n−k128min] is the 128-bit kernel's job for length n under
	// the default tweak, for every length that kernel takes.
	kjob128 []ff31Job128
	k128min int
	alpha   *alphabet
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
	rk := newRoundKeys(rkey)
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
	f := &FF31{block: block, rk: rk, alpha: alpha, tl: tl, tr: tr, maxLen: maxLen}
	if rk != nil {
		// The kernel takes lengths minLen..kmax (radix^u grows with n).
		kmax := alpha.minLen - 1
		for kmax < maxLen && kernelModulus(&alpha.pow[(kmax+2)/2]) {
			kmax++
		}
		f.kjob = make([]ff31Job, kmax+1)
		for n := alpha.minLen; n <= kmax; n++ {
			f.kjob[n] = newFF31Job(rk, alpha, n, tl, tr)
		}
		// The 128-bit kernel takes k128min..maxLen.
		f.k128min = max(alpha.minLen, kmax+1)
		for f.k128min <= maxLen && !ff31Kernel128Lengths(alpha, f.k128min) {
			f.k128min++
		}
		for n := f.k128min; n <= maxLen; n++ {
			f.kjob128 = append(f.kjob128, newFF31Job128(rk, alpha, n, tl, tr))
		}
	}
	return f, nil
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

// AppendEncrypt appends the FF3-1 encryption of x under the default tweak to
// dst and returns the extended slice. It allocates nothing when dst has
// room for the result (len(x) bytes for an alphabet of ASCII characters).
// On error it returns dst unchanged.
func (f *FF31) AppendEncrypt(dst []byte, x string) ([]byte, error) {
	return f.appendCrypt(dst, x, f.tl, f.tr, false)
}

// AppendDecrypt appends the FF3-1 decryption of x under the default tweak
// to dst and returns the extended slice, allocating as AppendEncrypt does.
func (f *FF31) AppendDecrypt(dst []byte, x string) ([]byte, error) {
	return f.appendCrypt(dst, x, f.tl, f.tr, true)
}

// AppendEncryptWithTweak is AppendEncrypt with tweak (exactly
// FF31TweakSize bytes) in place of the default tweak.
func (f *FF31) AppendEncryptWithTweak(dst []byte, x string, tweak []byte) ([]byte, error) {
	tl, tr, err := splitTweak(tweak)
	if err != nil {
		return dst, err
	}
	return f.appendCrypt(dst, x, tl, tr, false)
}

// AppendDecryptWithTweak is AppendDecrypt with tweak in place of the
// default tweak.
func (f *FF31) AppendDecryptWithTweak(dst []byte, x string, tweak []byte) ([]byte, error) {
	tl, tr, err := splitTweak(tweak)
	if err != nil {
		return dst, err
	}
	return f.appendCrypt(dst, x, tl, tr, true)
}

// crypt returns the result of appendCrypt as a string that owns its only
// allocation (see FF1.crypt).
func (f *FF31) crypt(x string, tl, tr uint32, decrypt bool) (string, error) {
	if j, c := f.digitsJob(x, tl, tr); j != nil {
		a, b, ok := ff31DigitsIn(j, c, unsafe.StringData(x), nil, 0, 0, decrypt)
		if !ok {
			return "", errNotInAlphabet(x, f.alpha)
		}
		out := make([]byte, len(x))
		ff31DigitsOut(j, c, nil, &out[0], a, b, decrypt)
		return unsafe.String(&out[0], len(out)), nil
	}
	if j, c := f.base36Job(x, tl, tr); j != nil {
		ahi, alo, bhi, blo, ok := ff31Base36In(j, c, unsafe.StringData(x), nil, 0, 0, 0, 0, decrypt)
		if !ok {
			return "", errNotInAlphabet(x, f.alpha)
		}
		out := make([]byte, len(x))
		ff31Base36Out(j, c, nil, &out[0], ahi, alo, bhi, blo, decrypt)
		return unsafe.String(&out[0], len(out)), nil
	}
	out, err := f.appendCrypt(nil, x, tl, tr, decrypt)
	if err != nil {
		return "", err
	}
	return unsafe.String(unsafe.SliceData(out), len(out)), nil
}

// digitsJob returns the kernel's job and the decimal codec for x under the
// default tweak when the kernel can read and write x itself (8 to 16 bytes
// of the alphabet Digits), else nil.
func (f *FF31) digitsJob(x string, tl, tr uint32) (*ff31Job, *digitCodec) {
	if n := len(x); f.alpha.isDigits && n >= 8 && n <= 16 && tl == f.tl && tr == f.tr && n < len(f.kjob) {
		return &f.kjob[n], &digitCodecs[1][n]
	}
	return nil, nil
}

// base36Job returns the 128-bit kernel's job and the Base36 codec for x
// under the default tweak when the kernel can read and write x itself (26
// to 32 bytes of the alphabet Base36), else nil.
func (f *FF31) base36Job(x string, tl, tr uint32) (*ff31Job128, *base36Codec) {
	n := len(x)
	if k := n - f.k128min; f.alpha.isBase36 && n >= 26 && n <= 32 && tl == f.tl && tr == f.tr && k >= 0 && k < len(f.kjob128) {
		return &f.kjob128[k], &base36Codecs[1][n]
	}
	return nil, nil
}

// appendCrypt runs SP 800-38G Rev. 1 Algorithms 9 and 10 and appends the
// result to dst. NUM(REV(A)) and
// NUM(REV(B)) stay numbers through the eight rounds. The block
// REVB(W ⊕ [i]^4 ‖ [NUM(REV(B))]^12) is built directly in little-endian
// order, and y = NUM(REVB(CIPH(...))) is read back little-endian.
func (f *FF31) appendCrypt(dst []byte, x string, tl, tr uint32, decrypt bool) ([]byte, error) {
	a := f.alpha
	if j, c := f.digitsJob(x, tl, tr); j != nil {
		// The commonest cases, kept free of the generality below: the
		// kernel reads and writes the string itself.
		ra, rb, ok := ff31DigitsIn(j, c, unsafe.StringData(x), nil, 0, 0, decrypt)
		if !ok {
			return dst, errNotInAlphabet(x, a)
		}
		dst, out := grow(dst, len(x))
		ff31DigitsOut(j, c, nil, &out[0], ra, rb, decrypt)
		return dst, nil
	}
	if j, c := f.base36Job(x, tl, tr); j != nil {
		ahi, alo, bhi, blo, ok := ff31Base36In(j, c, unsafe.StringData(x), nil, 0, 0, 0, 0, decrypt)
		if !ok {
			return dst, errNotInAlphabet(x, a)
		}
		dst, out := grow(dst, len(x))
		ff31Base36Out(j, c, nil, &out[0], ahi, alo, bhi, blo, decrypt)
		return dst, nil
	}
	n := a.charCount(x)
	if n < a.minLen {
		return dst, errTooShort(utf8.RuneCountInString(x), a)
	}
	if n > f.maxLen {
		return dst, errTooLong(utf8.RuneCountInString(x), f.maxLen, a)
	}
	u := (n + 1) / 2
	var numA, numB u128
	digits := a.isDigits && n >= 8 && n <= 16
	if digits {
		var ok bool
		if numA.lo, numB.lo, ok = parseHalvesDigitsRev(x, u); !ok {
			return dst, errNotInAlphabet(x, a)
		}
	} else if a.ascii {
		var okA, okB bool
		numA, okA = a.numRevASCII(x[:u])
		numB, okB = a.numRevASCII(x[u:])
		if !okA || !okB {
			return dst, errNotInAlphabet(x, a)
		}
	} else {
		var err error
		if numA, numB, err = a.parseHalves(x, n, u, true); err != nil {
			return dst, err
		}
	}
	mu, mv := &a.pow[u], &a.pow[n-u]

	var scratch [16]byte
	blk := stackBlock(&scratch)

	if n < len(f.kjob) {
		// radix^v ≤ radix^u ≤ 2^32: the whole round chain in the kernel.
		j := &f.kjob[n]
		if tl != f.tl || tr != f.tr {
			t := newFF31Job(f.rk, a, n, tl, tr)
			j = &t
		}
		numA.lo, numB.lo = ff31Kernel(j, numA.lo, numB.lo, decrypt)
	} else if k := n - f.k128min; k >= 0 && k < len(f.kjob128) {
		// 2^64 ≤ radix^v ≤ radix^u ≤ 2^96: the 128-bit kernel.
		j := &f.kjob128[k]
		if tl != f.tl || tr != f.tr {
			t := newFF31Job128(f.rk, a, n, tl, tr)
			j = &t
		}
		numA.hi, numA.lo, numB.hi, numB.lo = ff31Kernel128(j, numA.hi, numA.lo, numB.hi, numB.lo, decrypt)
	} else if mu.barrett {
		// Both halves at most 2^63: the common case, in single words.
		numA.lo, numB.lo = f.rounds64(blk, tl, tr, numA.lo, numB.lo, mu, mv, decrypt)
	} else {
		numA, numB = f.rounds128(blk, tl, tr, numA, numB, mu, mv, decrypt)
	}
	clear(blk[:])

	if digits {
		dst, out := grow(dst, n)
		putHalvesDigitsRev(out, numA.lo, numB.lo, u)
		return dst, nil
	}
	if a.ascii {
		dst, out := grow(dst, n)
		a.putRevASCII(numA, out[:u])
		a.putRevASCII(numB, out[u:])
		return dst, nil
	}
	return a.appendHalves(dst, numA, numB, n, u, true), nil
}

// rounds64 runs the eight Feistel rounds when radix^u ≤ 2^63.
func (f *FF31) rounds64(blk *[16]byte, tl, tr uint32, numA, numB uint64, mu, mv *modulus, decrypt bool) (uint64, uint64) {
	for r := range 8 {
		i, in := r, numB
		if decrypt {
			i, in = 7-r, numA
		}
		m, w := mu, tr
		if i&1 == 1 {
			m, w = mv, tl
		}
		putBlock(blk, in, uint64(w^uint32(i))<<32)
		f.block.Encrypt(blk[:], blk[:])
		// rem = y mod m by Barrett reduction (modulus.barrett128, inlined).
		yh, yl := binary.LittleEndian.Uint64(blk[8:]), binary.LittleEndian.Uint64(blk[:8])
		muHi, muLo, mm := m.muHi, m.muLo, m.m.lo
		h1, l1 := bits.Mul64(yh, muLo)
		h2, l2 := bits.Mul64(yl, muHi)
		h3, _ := bits.Mul64(yl, muLo)
		mid, c1 := bits.Add64(l1, l2, 0)
		_, c2 := bits.Add64(mid, h3, 0)
		rem := condSub64(yl-(yh*muHi+h1+h2+c1+c2)*mm, mm)
		if decrypt {
			numA, numB = subMod64(numB, rem, m.m.lo), numA
		} else {
			numA, numB = numB, addMod64(numA, rem, m.m.lo)
		}
	}
	return numA, numB
}

// rounds128 runs the eight Feistel rounds when radix^u ≤ 2^96.
func (f *FF31) rounds128(blk *[16]byte, tl, tr uint32, numA, numB u128, mu, mv *modulus, decrypt bool) (u128, u128) {
	for r := range 8 {
		i, in := r, numB
		if decrypt {
			i, in = 7-r, numA
		}
		m, w := mu, tr
		if i&1 == 1 {
			m, w = mv, tl
		}
		putBlock(blk, in.lo, in.hi|uint64(w^uint32(i))<<32)
		f.block.Encrypt(blk[:], blk[:])
		y := u128{binary.LittleEndian.Uint64(blk[8:]), binary.LittleEndian.Uint64(blk[:8])}
		numA, numB = m.feistel128(numA, numB, y, decrypt)
	}
	return numA, numB
}
