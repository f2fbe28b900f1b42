package fpe

import (
	"crypto/fips140"
	"encoding/binary"
	"unsafe"
)

// This file holds what the AES-NI kernels (kernel_amd64.s) need from Go: the
// AES key schedule and the job records the kernels read.
//
// The FF1 and FF3-1 rounds are a chain: each AES input depends on the
// previous AES output through a few integer operations. Through
// cipher.Block, every round stores the block to memory and the AES routine
// loads it back, and the arithmetic around each call cannot overlap the
// next one; measured, that alone costs ~1.5× the AES work
// (BENCHMARKS.md). The kernels run all the rounds of one call with the
// block in a vector register and the numbers in integer registers. They use
// the processor's AES instructions with the standard key schedule computed
// here; TestKernelMatchesCryptoAESPath checks them against the crypto/aes
// rounds for every key size, and every vector test runs through them. Where they cannot run
// (another architecture, no AES-NI, the purego build tag, or FIPS 140-3 mode,
// whose boundary is crypto/aes), the package uses crypto/aes instead.
//
// For 8 to 16 decimal digits and 26 to 32 Base36 characters the kernels
// also parse and format the string (digitCodec, base36Codec): done in Go
// around the call, that work measured 0.15–0.5× the AES floor more, mostly
// because its instructions, waiting on the rounds, kept the processor from
// overlapping one call's rounds with the next's. Such a call runs as two
// kernel calls, each with half of the rounds, and Encrypt allocates its
// result between them: measured, the allocation then costs almost nothing
// and the two halves overlap better than one whole (BENCHMARKS.md).

// roundKeys is an expanded AES encryption key as the kernels read it: the
// nr+1 round keys of 16 bytes in FIPS 197 byte order from offset 0, and nr
// (10, 12 or 14) as a little-endian word at offset 240. It must be 16-byte
// aligned (newRoundKeys), as the AES instructions' memory operands require.
type roundKeys [256]byte

// alignedRoundKeys returns zeroed, 16-byte-aligned roundKeys. Go's heap
// does not move objects, so the alignment holds for the value's lifetime.
func alignedRoundKeys() *roundKeys {
	buf := make([]byte, len(roundKeys{})+15)
	off := int(-uintptr(unsafe.Pointer(unsafe.SliceData(buf))) & 15)
	return (*roundKeys)(buf[off:])
}

// newRoundKeys returns the expanded key for the kernels, or nil when they
// cannot be used on this machine or in this mode.
func newRoundKeys(key []byte) *roundKeys {
	if !haveKernels || fips140.Enabled() {
		return nil
	}
	return expandKey(key)
}

// expandKey runs the key expansion of FIPS 197 (section 5.2). SubWord goes
// through the AES instruction (subWord), so no table lookup depends on the
// key.
func expandKey(key []byte) *roundKeys {
	nk := len(key) / 4
	nr := nk + 6
	var w [60]uint32
	for i := range nk {
		w[i] = binary.BigEndian.Uint32(key[4*i:])
	}
	rcon := uint32(1)
	for i := nk; i < 4*(nr+1); i++ {
		t := w[i-1]
		switch {
		case i%nk == 0:
			t = subWord(t<<8|t>>24) ^ rcon<<24
			rcon <<= 1
			if rcon&0x100 != 0 {
				rcon ^= 0x11b
			}
		case nk > 6 && i%nk == 4:
			t = subWord(t)
		}
		w[i] = w[i-nk] ^ t
	}
	rk := alignedRoundKeys()
	for i := range 4 * (nr + 1) {
		binary.BigEndian.PutUint32(rk[4*i:], w[i])
	}
	binary.LittleEndian.PutUint64(rk[240:], uint64(nr))
	clear(w[:])
	return rk
}

// modRec is a modulus m ≤ 2^32 as the kernels read it. Offsets fixed by
// kernel_amd64.s (checked by TestJobLayout).
type modRec struct {
	m    uint64 // 0
	mu   uint64 // 8: ⌊2^64/m⌋, the high word of ⌊2^128/m⌋
	m2   uint64 // 16: 2m
	muLo uint64 // 24: the low word of ⌊2^128/m⌋ (FF3-1)
}

// kernelModulus reports whether md can serve the kernels: 2 ≤ m ≤ 2^32, so
// that sums below 3m fit a word.
func kernelModulus(md *modulus) bool {
	return md.barrett && md.m.lo <= 1<<32
}

func newModRec(md *modulus) modRec {
	return modRec{md.m.lo, md.muHi, 2 * md.m.lo, md.muLo}
}

// ff1Job is what the kernel needs of an FF1 call besides NUM(A) and NUM(B),
// when radix^v ≤ 2^32: NUM(B) fits the last 4 bytes of Q, so d = 8 and y =
// NUM(first 8 bytes of the AES output). It depends only on the key, the
// input length and the tweak, so FF1 keeps one per length for the default
// tweak. Offsets fixed by kernel_amd64.s (checked by TestJobLayout).
type ff1Job struct {
	rk   *roundKeys // 0
	mods [2]modRec  // 8: radix^u (even rounds), radix^v (odd rounds)
	// k[i] is the AES input of round i less NUM(B), XOR the first round
	// key: the CBC-MAC state before Q's last block XOR that block's
	// constant bytes and the round number, in block byte order.
	k [10][16]byte // 72
}

// newFF1Job returns the kernel job for inputs of n characters whose
// prefix (see FF1.prefix) is x0.
func newFF1Job(rk *roundKeys, a *alphabet, n int, x0 u128) ff1Job {
	mu, mv := &a.pow[n/2], &a.pow[n-n/2]
	return ff1Job{rk: rk, mods: [2]modRec{newModRec(mu), newModRec(mv)}, k: ff1BlockConstants(rk, x0, mv.numBytes)}
}

// ff1BlockConstants returns the AES inputs of FF1's ten rounds less NUM(B)
// (b bytes), whitened with the first round key: x0 in block byte order with
// the round number in the byte just before NUM(B). Both kernels use them.
func ff1BlockConstants(rk *roundKeys, x0 u128, b int) [10][16]byte {
	var base [16]byte
	binary.BigEndian.PutUint64(base[:8], x0.hi)
	binary.BigEndian.PutUint64(base[8:], x0.lo)
	for i := range base {
		base[i] ^= rk[i]
	}
	var k [10][16]byte
	for i := range k {
		k[i] = base
		k[i][15-b] ^= byte(i)
	}
	return k
}

// ff31Job is what the kernel needs of an FF3-1 call besides the two
// numbers, when radix^u ≤ 2^32; FF31 keeps one per length for the default
// tweak. Offsets fixed by kernel_amd64.s (checked by TestJobLayout).
type ff31Job struct {
	rk   *roundKeys // 0
	mods [2]modRec  // 8: radix^u (even rounds), radix^v (odd rounds)
	// k[i] is the first round key XOR (W ⊕ i)·2^96 read little-endian,
	// with W = T_R for even rounds and T_L for odd ones: the AES input of
	// round i less NUM(REV(B)), whitened.
	k [8][16]byte // 72
}

// newFF31Job returns the kernel job for inputs of n characters under the
// tweak halves tl and tr.
func newFF31Job(rk *roundKeys, a *alphabet, n int, tl, tr uint32) ff31Job {
	u := (n + 1) / 2
	j := ff31Job{rk: rk, mods: [2]modRec{newModRec(&a.pow[u]), newModRec(&a.pow[n-u])}}
	for i := range j.k {
		w := tr
		if i&1 == 1 {
			w = tl
		}
		copy(j.k[i][:], rk[:16])
		binary.LittleEndian.PutUint32(j.k[i][12:], binary.LittleEndian.Uint32(rk[12:16])^w^uint32(i))
	}
	return j
}

// modRec128 is a modulus 2^64 ≤ m ≤ 2^96 as ff1Kernel128 reads it. Offsets
// fixed by kernel_amd64.s (checked by TestJobLayout).
type modRec128 struct {
	mLo, mHi   uint64 // 0, 8: m
	muW        uint64 // 16: min(⌊2^128/m⌋, 2^64−1)
	m2Lo, m2Hi uint64 // 24, 32: 2m
	m3Lo, m3Hi uint64 // 40, 48: 3m
}

// ff1Job128 is ff1Job for 2^64 ≤ radix^u ≤ radix^v ≤ 2^96 with d = 16
// (NUM(B) takes 9 to 12 bytes): y is the whole AES output. Offsets fixed by
// kernel_amd64.s (checked by TestJobLayout).
type ff1Job128 struct {
	rk   *roundKeys   // 0
	mods [2]modRec128 // 8: radix^u (even rounds), radix^v (odd rounds)
	k    [10][16]byte // 88: as ff1Job.k
}

// kernel128Lengths reports whether n takes ff1Kernel128: both moduli at
// least 2^64 (lazyWide applies) and NUM(B) longer than 8 bytes (d = 16).
func kernel128Lengths(a *alphabet, n int) bool {
	return a.pow[n/2].m.hi != 0 && a.pow[n-n/2].numBytes >= 9
}

// newFF1Job128 returns the 128-bit kernel's job for inputs of n characters
// whose prefix is x0.
func newFF1Job128(rk *roundKeys, a *alphabet, n int, x0 u128) ff1Job128 {
	j := ff1Job128{rk: rk}
	for i, md := range []*modulus{&a.pow[n/2], &a.pow[n-n/2]} {
		j.mods[i] = newModRec128(md)
	}
	j.k = ff1BlockConstants(rk, x0, a.pow[n-n/2].numBytes)
	return j
}

// digitCodec lets a kernel read and write the decimal string itself for
// inputs of 8 to 16 digits of the alphabet Digits (ff1DigitsIn and the
// others), with the digits handled 16 at a time in a vector register. It holds two byte shuffles (PSHUFB: index, or 0x80 for zero)
// for one length and one split. Offsets fixed by kernel_amd64.s (checked by
// TestJobLayout).
type digitCodec struct {
	n uint64 // 0: the input length
	// parse maps the input's first eight bytes ‖ last eight bytes (less
	// '0') to the digits of the first half's number (FF1: A; FF3-1:
	// REV(A)), most significant first, ending at byte 7, then those of the
	// second half's, ending at byte 15, zeros before each.
	parse [16]byte // 8
	// format maps the eight digits of each result number (bytes 0..7 and
	// 8..15, most significant first) to the output's first eight bytes ‖
	// last eight bytes.
	format [16]byte // 24
}

// digitCodecs[0][n] serves FF1 (halves of ⌊n/2⌋ and ⌈n/2⌉ digits) and
// digitCodecs[1][n] FF3-1 (⌈n/2⌉ and ⌊n/2⌋, each read reversed), for
// 8 ≤ n ≤ 16.
var digitCodecs = func() (c [2][17]digitCodec) {
	for n := 8; n <= 16; n++ {
		c[0][n] = newDigitCodec(n, n/2, false)
		c[1][n] = newDigitCodec(n, (n+1)/2, true)
	}
	return c
}()

// newDigitCodec returns the codec for n digits split after the first u,
// each half's digits reversed if rev.
func newDigitCodec(n, u int, rev bool) digitCodec {
	c := digitCodec{n: uint64(n)}
	// in is where input position i sits in the register x[:8] ‖ x[n−8:].
	in := func(i int) byte {
		if i < 8 {
			return byte(i)
		}
		return byte(i - (n - 8) + 8)
	}
	for i := range c.parse {
		c.parse[i] = 0x80
	}
	halves := [2]struct{ start, len int }{{0, u}, {u, n - u}}
	for h, hv := range halves {
		for k := range hv.len {
			src := hv.start + k // the k-th digit, most significant first
			if rev {
				src = hv.start + hv.len - 1 - k
			}
			c.parse[8*h+8-hv.len+k] = in(src)
		}
	}
	// out[i] is where output position i sits among the result digits.
	out := func(i int) byte {
		h, k := 0, i
		if i >= u {
			h, k = 1, i-u
		}
		l := halves[h].len
		if rev {
			k = l - 1 - k
		}
		return byte(8*h + 8 - l + k)
	}
	for k := range 8 {
		c.format[k] = out(k)
		c.format[8+k] = out(n - 8 + k)
	}
	return c
}

// base36Codec is digitCodec for the 128-bit kernel and the alphabet
// Base36: inputs of 26 to 32 characters (halves of 13 to 16, each at least
// 36^13 > 2^64), read as x[:16] ‖ x[n−16:]. Offsets fixed by
// kernel_amd64.s (checked by TestJobLayout).
type base36Codec struct {
	n uint64 // 0: the input length
	// parseA and parseB map x[:16] and x[n−16:] (as numerals) to the
	// numerals of A and of B, most significant first, ending at byte 15,
	// zeros before.
	parseA, parseB [16]byte // 8, 24
	// outA0 and outB0 pick the output's first sixteen bytes from the
	// sixteen characters of the result's A and of its B (most significant
	// first; 0x80 where the other half supplies the byte); outA1 and outB1
	// pick its last sixteen.
	outA0, outB0, outA1, outB1 [16]byte // 40, 56, 72, 88
}

// base36Codecs[0][n] serves FF1 and base36Codecs[1][n] FF3-1 (halves of
// ⌈n/2⌉ and ⌊n/2⌋ characters, each read reversed) for inputs of n
// characters, 26 ≤ n ≤ 32.
var base36Codecs = func() (c [2][33]base36Codec) {
	for n := 26; n <= 32; n++ {
		c[0][n] = newBase36Codec(n, n/2, false)
		c[1][n] = newBase36Codec(n, (n+1)/2, true)
	}
	return c
}()

// newBase36Codec returns the codec for n characters split after the first
// u, each half's characters reversed if rev.
func newBase36Codec(n, u int, rev bool) base36Codec {
	c := base36Codec{n: uint64(n)}
	halves := [2]struct{ start, len int }{{0, u}, {u, n - u}}
	// numeral returns the input position of the j-th numeral of half h,
	// most significant first.
	numeral := func(h, j int) int {
		if rev {
			j = halves[h].len - 1 - j
		}
		return halves[h].start + j
	}
	for k := range 16 {
		c.parseA[k], c.parseB[k] = 0x80, 0x80
		if j := k - (16 - u); j >= 0 {
			c.parseA[k] = byte(numeral(0, j)) // within x[:16]
		}
		if j := k - (16 - (n - u)); j >= 0 {
			c.parseB[k] = byte(numeral(1, j) - (n - 16)) // within x[n−16:]
		}
	}
	// pick sets byte k of one store to output position i: the character
	// of the half holding i, from that half's sixteen result characters.
	pick := func(a, b *[16]byte, k, i int) {
		a[k], b[k] = 0x80, 0x80
		h, dst := 0, a
		if i >= u {
			h, dst = 1, b
		}
		j := i - halves[h].start
		if rev {
			j = halves[h].len - 1 - j
		}
		dst[k] = byte(16 - halves[h].len + j)
	}
	for k := range 16 {
		pick(&c.outA0, &c.outB0, k, k)
		pick(&c.outA1, &c.outB1, k, n-16+k)
	}
	return c
}

// ff31Job128 is ff31Job for 2^64 ≤ radix^v ≤ radix^u ≤ 2^96, the job of
// ff31Rounds128. Offsets fixed by kernel_amd64.s (checked by
// TestJobLayout).
type ff31Job128 struct {
	rk   *roundKeys   // 0
	mods [2]modRec128 // 8: radix^u (even rounds), radix^v (odd rounds)
	k    [8][16]byte  // 120: as ff31Job.k
}

// ff31Kernel128Lengths reports whether n takes ff31Rounds128: both moduli
// at least 2^64 (lazyWide applies; NUM(REV(B)) fits 12 bytes in FF3-1).
func ff31Kernel128Lengths(a *alphabet, n int) bool {
	return a.pow[n/2].m.hi != 0
}

// newFF31Job128 returns the 128-bit kernel's job for inputs of n
// characters under the tweak halves tl and tr.
func newFF31Job128(rk *roundKeys, a *alphabet, n int, tl, tr uint32) ff31Job128 {
	u := (n + 1) / 2
	j := ff31Job128{rk: rk, k: newFF31Job(rk, a, n, tl, tr).k}
	for i, md := range []*modulus{&a.pow[u], &a.pow[n-u]} {
		j.mods[i] = newModRec128(md)
	}
	return j
}

func newModRec128(md *modulus) modRec128 {
	return modRec128{md.m.lo, md.m.hi, md.muW, md.m2.lo, md.m2.hi, md.m3.lo, md.m3.hi}
}
