package fpe

import (
	"bytes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"
)

// MaxFF1TweakSize is the longest FF1 tweak accepted, in bytes. SP 800-38G
// lets an implementation choose this bound (maxTlen).
const MaxFF1TweakSize = 256

// maxFF1Len is FF1's length bound: inputs shorter than 2^32 characters.
const maxFF1Len = 1<<32 - 1

// FF1 encrypts and decrypts strings over one alphabet with the FF1 mode of
// NIST SP 800-38G under one AES key. It is immutable and safe for concurrent
// use.
type FF1 struct {
	block cipher.Block
	// rk is the expanded key for the AES-NI kernel, nil where it cannot run
	// (kernel.go); kjob[n] is the kernel's job for length n under the
	// default tweak, for every length the kernel takes (minLen ≤ n <
	// len(kjob); nil without the kernel).
	rk   *roundKeys
	kjob []ff1Job
	// kjob128[n−k128min] is the 128-bit kernel's job for length n under
	// the default tweak, for every length that kernel takes.
	kjob128 []ff1Job128
	k128min int
	alpha   *alphabet
	tweak   []byte
	// prefix[n], for every fast-path length n, is the CBC-MAC state after
	// FF1's block P and the blocks of Q that hold only the default tweak,
	// XORed with the constant bytes of Q's last block: what is left to add
	// per round is the round number and NUM(B).
	prefix []u128
	// pcache[n] holds CIPH(P) for fast-path length n and up to pSlots
	// tweak lengths, filled on first use (P depends only on the radix, n
	// and the tweak length), so that EncryptWithTweak need not recompute
	// it. Slots are filled in order with compare-and-swap and never change
	// afterwards.
	pcache [][pSlots]atomic.Pointer[cachedP]
}

// pSlots is the number of tweak lengths per input length whose CIPH(P) is
// cached.
const pSlots = 4

type cachedP struct {
	tweakLen int
	block    [16]byte
}

// NewFF1 returns an FF1 cipher with a raw AES-128, AES-192 or AES-256 key
// (16, 24 or 32 bytes), the default tweak used by Encrypt and Decrypt (nil or
// empty for none; at most MaxFF1TweakSize bytes), and the alphabet: an
// ordered list of 2 to 65536 distinct Unicode characters, where numeral i is
// the i-th character (see Digits, Base36 and the other constants).
//
// The key is used as given; this is the raw-key constructor for
// interoperability and for building managed tokenizers. Key and tweak are
// copied.
func NewFF1(key, tweak []byte, alphabet string) (*FF1, error) {
	if len(tweak) > MaxFF1TweakSize {
		return nil, errTweakTooLong(len(tweak))
	}
	block, err := newBlock(key)
	if err != nil {
		return nil, err
	}
	alpha, err := newAlphabet(alphabet)
	if err != nil {
		return nil, err
	}
	f := &FF1{block: block, rk: newRoundKeys(key), alpha: alpha, tweak: bytes.Clone(tweak)}
	fastMax := 2 * alpha.maxHalf()
	f.prefix = make([]u128, fastMax+1)
	f.pcache = make([][pSlots]atomic.Pointer[cachedP], fastMax+1)
	scratch := new([16]byte)
	for n := alpha.minLen; n <= fastMax; n++ {
		f.encryptP(scratch, n, len(f.tweak))
		f.prefix[n] = f.finishPrefix(scratch, alpha.pow[n-n/2].numBytes, f.tweak)
	}
	if f.rk != nil {
		// The kernel takes lengths minLen..kmax (radix^v grows with n).
		kmax := alpha.minLen - 1
		for kmax < fastMax && kernelModulus(&alpha.pow[(kmax+1)-(kmax+1)/2]) {
			kmax++
		}
		f.kjob = make([]ff1Job, kmax+1)
		for n := alpha.minLen; n <= kmax; n++ {
			f.kjob[n] = newFF1Job(f.rk, alpha, n, f.prefix[n])
		}
		// The 128-bit kernel takes k128min..fastMax (both moduli grow
		// with n).
		f.k128min = max(alpha.minLen, kmax+1)
		for f.k128min <= fastMax && !kernel128Lengths(alpha, f.k128min) {
			f.k128min++
		}
		for n := f.k128min; n <= fastMax; n++ {
			f.kjob128 = append(f.kjob128, newFF1Job128(f.rk, alpha, n, f.prefix[n]))
		}
	}
	clear(scratch[:])
	return f, nil
}

func errTweakTooLong(n int) error {
	return &fpeError{ErrInvalidTweak,
		fmt.Sprintf("fpe: FF1 tweak is %d bytes, maximum %d", n, MaxFF1TweakSize)}
}

// Radix returns the number of characters of the alphabet.
func (f *FF1) Radix() int { return f.alpha.radix }

// MinLength returns the shortest input accepted: the smallest length with
// radix^length ≥ MinDomainSize.
func (f *FF1) MinLength() int { return f.alpha.minLen }

// MaxLength returns the longest input accepted: 2^32−1 characters (less on
// 32-bit platforms). Inputs longer than 2·⌊log_radix(2^96)⌋ characters (56
// decimal digits) take a math/big path whose cost grows with the square of
// the length; callers that take untrusted input should bound its length.
func (f *FF1) MaxLength() int { return int(min(maxFF1Len, math.MaxInt)) }

// Encrypt returns the FF1 encryption of x under the default tweak. The result
// has as many characters as x, all from the alphabet.
func (f *FF1) Encrypt(x string) (string, error) {
	return f.crypt(x, f.tweak, true, false)
}

// Decrypt returns the FF1 decryption of x under the default tweak. Any
// string of valid length over the alphabet decrypts: FPE has no integrity.
func (f *FF1) Decrypt(x string) (string, error) {
	return f.crypt(x, f.tweak, true, true)
}

// EncryptWithTweak is Encrypt with tweak (at most MaxFF1TweakSize bytes) in
// place of the default tweak. Encrypt has the tweak's CBC-MAC blocks
// computed at construction; here a tweak that fills whole 16-byte blocks
// ahead of the round data costs one AES block per such block and call. The
// first CBC-MAC block depends only on the lengths and is cached for up to
// four tweak lengths per input length.
func (f *FF1) EncryptWithTweak(x string, tweak []byte) (string, error) {
	if len(tweak) > MaxFF1TweakSize {
		return "", errTweakTooLong(len(tweak))
	}
	return f.crypt(x, tweak, false, false)
}

// DecryptWithTweak is Decrypt with tweak in place of the default tweak.
func (f *FF1) DecryptWithTweak(x string, tweak []byte) (string, error) {
	if len(tweak) > MaxFF1TweakSize {
		return "", errTweakTooLong(len(tweak))
	}
	return f.crypt(x, tweak, false, true)
}

// AppendEncrypt appends the FF1 encryption of x under the default tweak to
// dst and returns the extended slice. It allocates nothing when dst has
// room for the result: len(x) bytes for an alphabet of ASCII characters
// (inputs of at most 2·⌊log_radix(2^96)⌋ characters; longer ones take the
// math/big path). On error it returns dst unchanged.
func (f *FF1) AppendEncrypt(dst []byte, x string) ([]byte, error) {
	return f.appendCrypt(dst, x, f.tweak, true, false)
}

// AppendDecrypt appends the FF1 decryption of x under the default tweak to
// dst and returns the extended slice, allocating as AppendEncrypt does.
func (f *FF1) AppendDecrypt(dst []byte, x string) ([]byte, error) {
	return f.appendCrypt(dst, x, f.tweak, true, true)
}

// AppendEncryptWithTweak is AppendEncrypt with tweak (at most
// MaxFF1TweakSize bytes) in place of the default tweak.
func (f *FF1) AppendEncryptWithTweak(dst []byte, x string, tweak []byte) ([]byte, error) {
	if len(tweak) > MaxFF1TweakSize {
		return dst, errTweakTooLong(len(tweak))
	}
	return f.appendCrypt(dst, x, tweak, false, false)
}

// AppendDecryptWithTweak is AppendDecrypt with tweak in place of the
// default tweak.
func (f *FF1) AppendDecryptWithTweak(dst []byte, x string, tweak []byte) ([]byte, error) {
	if len(tweak) > MaxFF1TweakSize {
		return dst, errTweakTooLong(len(tweak))
	}
	return f.appendCrypt(dst, x, tweak, false, true)
}

// crypt returns the result of appendCrypt as a string that owns its only
// allocation. Where the kernels read and write the string, it is allocated
// between the two halves of the rounds, which the processor then runs
// beside the allocation (kernel_amd64.s).
func (f *FF1) crypt(x string, tweak []byte, dflt, decrypt bool) (string, error) {
	if j, c := f.digitsJob(x); dflt && j != nil {
		a, b, ok := ff1DigitsIn(j, c, unsafe.StringData(x), nil, 0, 0, decrypt)
		if !ok {
			return "", errNotInAlphabet(x, f.alpha)
		}
		out := make([]byte, len(x))
		ff1DigitsOut(j, c, nil, &out[0], a, b, decrypt)
		return unsafe.String(&out[0], len(out)), nil
	}
	if j, c := f.base36Job(x); dflt && j != nil {
		ahi, alo, bhi, blo, ok := ff1Base36In(j, c, unsafe.StringData(x), nil, 0, 0, 0, 0, decrypt)
		if !ok {
			return "", errNotInAlphabet(x, f.alpha)
		}
		out := make([]byte, len(x))
		ff1Base36Out(j, c, nil, &out[0], ahi, alo, bhi, blo, decrypt)
		return unsafe.String(&out[0], len(out)), nil
	}
	out, err := f.appendCrypt(nil, x, tweak, dflt, decrypt)
	if err != nil {
		return "", err
	}
	return unsafe.String(unsafe.SliceData(out), len(out)), nil
}

func (f *FF1) appendCrypt(dst []byte, x string, tweak []byte, dflt, decrypt bool) ([]byte, error) {
	a := f.alpha
	if j, c := f.digitsJob(x); dflt && j != nil {
		ra, rb, ok := ff1DigitsIn(j, c, unsafe.StringData(x), nil, 0, 0, decrypt)
		if !ok {
			return dst, errNotInAlphabet(x, a)
		}
		dst, out := grow(dst, len(x))
		ff1DigitsOut(j, c, nil, &out[0], ra, rb, decrypt)
		return dst, nil
	}
	if j, c := f.base36Job(x); dflt && j != nil {
		ahi, alo, bhi, blo, ok := ff1Base36In(j, c, unsafe.StringData(x), nil, 0, 0, 0, 0, decrypt)
		if !ok {
			return dst, errNotInAlphabet(x, a)
		}
		dst, out := grow(dst, len(x))
		ff1Base36Out(j, c, nil, &out[0], ahi, alo, bhi, blo, decrypt)
		return dst, nil
	}
	n := a.charCount(x)
	switch {
	case n < a.minLen:
		return dst, errTooShort(utf8.RuneCountInString(x), a)
	case n < len(f.prefix):
		return f.cryptFast(dst, x, n, tweak, dflt, decrypt)
	case uint64(n) > maxFF1Len:
		return dst, errTooLong(n, f.MaxLength(), a)
	}
	return f.appendBig(dst, x, n, tweak, decrypt)
}

// base36Job returns the 128-bit kernel's job and the Base36 codec for x
// under the default tweak when the kernel can read and write x itself (26
// to 32 bytes of the alphabet Base36), else nil.
func (f *FF1) base36Job(x string) (*ff1Job128, *base36Codec) {
	n := len(x)
	if k := n - f.k128min; f.alpha.isBase36 && n >= 26 && n <= 32 && k >= 0 && k < len(f.kjob128) {
		return &f.kjob128[k], &base36Codecs[0][n]
	}
	return nil, nil
}

// digitsJob returns the kernel's job and the decimal codec for x under
// the default tweak when the kernel can read and write x itself (8 to 16
// bytes of the alphabet Digits; radix^8 < 2^32), else nil.
func (f *FF1) digitsJob(x string) (*ff1Job, *digitCodec) {
	if n := len(x); f.alpha.isDigits && n >= 8 && n <= 16 && n < len(f.kjob) {
		return &f.kjob[n], &digitCodecs[0][n]
	}
	return nil, nil
}

// cryptFast runs FF1 on inputs whose halves are below 2^96, in fixed-width
// arithmetic, and appends the result to dst. NUM(A) and NUM(B) stay numbers
// through the ten rounds; strings are converted only at the two ends.
func (f *FF1) cryptFast(dst []byte, x string, n int, tweak []byte, dflt, decrypt bool) ([]byte, error) {
	a := f.alpha
	u := n / 2
	var numA, numB u128
	if a.isDigits && n >= 8 && n <= 16 {
		var ok bool
		if numA.lo, numB.lo, ok = parseHalvesDigits(x, u); !ok {
			return dst, errNotInAlphabet(x, a)
		}
	} else if a.isBase36 && u > 8 && n-u <= 16 {
		var okA, okB bool
		numA, okA = numBase36(x[:u])
		numB, okB = numBase36(x[u:])
		if !okA || !okB {
			return dst, errNotInAlphabet(x, a)
		}
	} else if a.ascii {
		var okA, okB bool
		numA, okA = a.numASCII(x[:u])
		numB, okB = a.numASCII(x[u:])
		if !okA || !okB {
			return dst, errNotInAlphabet(x, a)
		}
	} else {
		var err error
		if numA, numB, err = a.parseHalves(x, n, u, false); err != nil {
			return dst, err
		}
	}
	mu, mv := &a.pow[u], &a.pow[n-u]
	b := mv.numBytes
	d := 4*((b+3)/4) + 4 // ≤ 16 since b ≤ 12

	var scratch [16]byte
	blk := stackBlock(&scratch)
	x0 := f.prefix[n]
	if !dflt {
		x0 = f.makePrefix(blk, n, b, tweak)
	}
	if n < len(f.kjob) {
		// radix^u ≤ radix^v ≤ 2^32: the whole round chain in the kernel.
		j := &f.kjob[n]
		if !dflt {
			t := newFF1Job(f.rk, a, n, x0)
			j = &t
		}
		numA.lo, numB.lo = ff1Kernel(j, numA.lo, numB.lo, decrypt)
	} else if k := n - f.k128min; k >= 0 && k < len(f.kjob128) {
		// 2^64 ≤ radix^u ≤ radix^v ≤ 2^96 and d = 16: the 128-bit kernel.
		j := &f.kjob128[k]
		if !dflt {
			t := newFF1Job128(f.rk, a, n, x0)
			j = &t
		}
		numA.hi, numA.lo, numB.hi, numB.lo = ff1Kernel128(j, numA.hi, numA.lo, numB.hi, numB.lo, decrypt)
	} else if mv.barrett {
		// Both halves at most 2^63: the common case, in single words.
		numA.lo, numB.lo = f.rounds64(blk, x0, numA.lo, numB.lo, mu, mv, b, d, decrypt)
	} else {
		numA, numB = f.rounds128(blk, x0, numA, numB, mu, mv, b, d, decrypt)
	}
	clear(blk[:])

	if a.isDigits && n >= 8 && n <= 16 {
		dst, out := grow(dst, n)
		putHalvesDigits(out, numA.lo, numB.lo, u)
		return dst, nil
	}
	if a.ascii {
		dst, out := grow(dst, n)
		a.putASCII(numA, out[:u])
		a.putASCII(numB, out[u:])
		return dst, nil
	}
	return a.appendHalves(dst, numA, numB, n, u, false), nil
}

// grow extends dst by n bytes, reallocating only when its capacity is short,
// and returns the extended slice and its last n bytes.
func grow(dst []byte, n int) ([]byte, []byte) {
	k := len(dst)
	if cap(dst)-k < n {
		nd := make([]byte, k, max(k+n, 2*cap(dst)))
		copy(nd, dst)
		dst = nd
	}
	dst = dst[:k+n]
	return dst, dst[k:]
}

// rounds64 runs the ten Feistel rounds when radix^v ≤ 2^63 (so b ≤ 8 and
// d ≤ 12). NUM(B) and the round number fill the last block of Q, which the
// precomputed prefix x0 completes; y has at most 96 bits.
func (f *FF1) rounds64(blk *[16]byte, x0 u128, numA, numB uint64, mu, mv *modulus, b, d int, decrypt bool) (uint64, uint64) {
	ishift := uint(8 * b) // ≤ 64
	for r := range 10 {
		i, in := r, numB
		if decrypt {
			i, in = 9-r, numA
		}
		// The round constant first, so that only one XOR waits for in.
		hi, lo := x0.hi, x0.lo
		if ishift < 64 {
			lo ^= uint64(i) << ishift
		} else {
			hi ^= uint64(i)
		}
		lo ^= in
		putBlock(blk, bits.ReverseBytes64(hi), bits.ReverseBytes64(lo))
		f.block.Encrypt(blk[:], blk[:])

		m := mu
		if i&1 == 1 {
			m = mv
		}
		var rem uint64
		if d == 8 {
			rem = m.barrett64(binary.BigEndian.Uint64(blk[:8]))
		} else { // d == 12
			rem = m.barrett128(uint64(binary.BigEndian.Uint32(blk[:4])), binary.BigEndian.Uint64(blk[4:12]))
		}
		if decrypt {
			numA, numB = subMod64(numB, rem, m.m.lo), numA
		} else {
			numA, numB = numB, addMod64(numA, rem, m.m.lo)
		}
	}
	return numA, numB
}

// rounds128 runs the ten Feistel rounds when radix^v ≤ 2^96.
func (f *FF1) rounds128(blk *[16]byte, x0, numA, numB u128, mu, mv *modulus, b, d int, decrypt bool) (u128, u128) {
	ishift := uint(8 * b)
	yshift := uint(128 - 8*d)
	for r := range 10 {
		i, in := r, numB
		if decrypt {
			i, in = 9-r, numA
		}
		q := u128{x0.hi ^ in.hi, x0.lo ^ in.lo}
		if ishift < 64 {
			q.lo ^= uint64(i) << ishift
		} else {
			q.hi ^= uint64(i) << (ishift - 64)
		}
		putBlock(blk, bits.ReverseBytes64(q.hi), bits.ReverseBytes64(q.lo))
		f.block.Encrypt(blk[:], blk[:])
		// y = NUM(first d bytes of R).
		yh, yl := binary.BigEndian.Uint64(blk[:8]), binary.BigEndian.Uint64(blk[8:])
		y := u128{yh >> yshift, yl>>yshift | yh<<(64-yshift)} // Go: x<<64 == 0
		m := mu
		if i&1 == 1 {
			m = mv
		}
		numA, numB = m.feistel128(numA, numB, y, decrypt)
	}
	return numA, numB
}

// makePrefix computes, for inputs of n characters whose NUM(B) takes b bytes
// and the given tweak, the CBC-MAC state after P and the tweak-only blocks of
// Q, XORed with the constant part of Q's last block.
func (f *FF1) makePrefix(s *[16]byte, n, b int, tweak []byte) u128 {
	t := len(tweak)
	f.cipherP(s, n, t)
	return f.finishPrefix(s, b, tweak)
}

// finishPrefix continues makePrefix from s = CIPH(P).
func (f *FF1) finishPrefix(s *[16]byte, b int, tweak []byte) u128 {
	t := len(tweak)
	qlen := t + 1 + b
	qlen += (16 - qlen%16) % 16
	for off := 0; ; off += 16 {
		for j := off; j < min(t, off+16); j++ {
			s[j-off] ^= tweak[j]
		}
		if off+16 == qlen {
			break
		}
		f.block.Encrypt(s[:], s[:])
	}
	return u128{binary.BigEndian.Uint64(s[:8]), binary.BigEndian.Uint64(s[8:])}
}

// cipherP sets s to CIPH(P) for n < len(f.pcache), from the cache when it
// holds the tweak length t, else by encryptP (then caching it if a slot is
// free).
func (f *FF1) cipherP(s *[16]byte, n, t int) {
	slots := &f.pcache[n]
	for i := range slots {
		e := slots[i].Load()
		if e == nil {
			break
		}
		if e.tweakLen == t {
			*s = e.block
			return
		}
	}
	f.encryptP(s, n, t)
	if slots[pSlots-1].Load() != nil {
		return // full: no allocation
	}
	e := &cachedP{tweakLen: t, block: *s}
	for i := range slots {
		if slots[i].CompareAndSwap(nil, e) {
			return
		}
		if slots[i].Load().tweakLen == t {
			return // another goroutine cached it
		}
	}
}

// encryptP sets s to CIPH(P), the first CBC-MAC block of FF1 step 5.
func (f *FF1) encryptP(s *[16]byte, n, t int) {
	r := f.alpha.radix
	*s = [16]byte{1, 2, 1, byte(r >> 16), byte(r >> 8), byte(r), 10, byte(n / 2)}
	binary.BigEndian.PutUint32(s[8:], uint32(n))
	binary.BigEndian.PutUint32(s[12:], uint32(t))
	f.block.Encrypt(s[:], s[:])
}

// cryptBig is appendBig returning a string.
func (f *FF1) cryptBig(x string, n int, tweak []byte, decrypt bool) (string, error) {
	out, err := f.appendBig(nil, x, n, tweak, decrypt)
	return string(out), err
}

// appendBig runs FF1 on inputs of any length with math/big, following
// SP 800-38G Algorithms 7 and 8 step by step (NUM(A) and NUM(B) kept as
// numbers between rounds), and appends the result to dst.
func (f *FF1) appendBig(dst []byte, x string, n int, tweak []byte, decrypt bool) ([]byte, error) {
	a := f.alpha
	nums := make([]uint16, n)
	if err := a.parse(x, nums); err != nil {
		return dst, err
	}
	u, v := n/2, n-n/2
	radix := big.NewInt(int64(a.radix))
	powU := new(big.Int).Exp(radix, big.NewInt(int64(u)), nil)
	powV := new(big.Int).Exp(radix, big.NewInt(int64(v)), nil)
	b := (new(big.Int).Sub(powV, big.NewInt(1)).BitLen() + 7) / 8
	d := 4*((b+3)/4) + 4
	t := len(tweak)
	qlen := t + 1 + b
	qlen += (16 - qlen%16) % 16
	q := make([]byte, qlen)
	copy(q, tweak)
	p := new([16]byte)
	f.encryptP(p, n, t)
	r := make([]byte, 16)
	s := make([]byte, (d+15)/16*16)

	numA, numB := a.numBig(nums[:u]), a.numBig(nums[u:])
	for round := range 10 {
		i := round
		in := numB
		if decrypt {
			i = 9 - round
			in = numA
		}
		q[qlen-b-1] = byte(i)
		in.FillBytes(q[qlen-b:])
		copy(r, p[:])
		for off := 0; off < qlen; off += 16 {
			subtle.XORBytes(r, r, q[off:off+16])
			f.block.Encrypt(r, r)
		}
		copy(s, r)
		for j := 1; j*16 < d; j++ {
			sj := s[16*j : 16*j+16]
			copy(sj, r)
			binary.BigEndian.PutUint64(sj[8:], binary.BigEndian.Uint64(sj[8:])^uint64(j))
			f.block.Encrypt(sj, sj)
		}
		y := new(big.Int).SetBytes(s[:d])
		m := powU
		if i&1 == 1 {
			m = powV
		}
		if decrypt {
			c := y.Sub(numB, y)
			numA, numB = c.Mod(c, m), numA
		} else {
			c := y.Add(numA, y)
			numA, numB = numB, c.Mod(c, m)
		}
	}
	clear(r)
	clear(s)
	clear(p[:])
	a.digitsBig(numA, nums[:u])
	a.digitsBig(numB, nums[u:])
	dst, out := grow(dst, n*a.maxCharLen)
	k := a.encode(out, nums)
	return dst[:len(dst)-len(out)+k], nil
}

// numBig returns NUM_radix(nums) for any length.
func (a *alphabet) numBig(nums []uint16) *big.Int {
	r := uint64(a.radix)
	z := new(big.Int)
	var w, scale big.Int
	for len(nums) > 0 {
		k := min(a.k64, len(nums))
		var x uint64
		for _, d := range nums[:k] {
			x = x*r + uint64(d)
		}
		z.Mul(z, scale.SetUint64(a.pow[k].m.lo))
		z.Add(z, w.SetUint64(x))
		nums = nums[k:]
	}
	return z
}

// digitsBig writes STR_radix^len(dst)(x) into dst, most significant first.
func (a *alphabet) digitsBig(x *big.Int, dst []uint16) {
	z := new(big.Int).Set(x)
	chunk := new(big.Int).SetUint64(a.pow[a.k64].m.lo)
	var rem big.Int
	for i := len(dst); i > 0; {
		k := min(a.k64, i)
		z.QuoRem(z, chunk, &rem)
		part := dst[i-k : i]
		a.digits64(rem.Uint64(), part)
		reverse(part)
		i -= k
	}
}
