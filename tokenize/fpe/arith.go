package fpe

import "math/bits"

// This file holds the fixed-width arithmetic of the fast path: numbers below
// 2^128 held in two words, and reduction modulo radix^k without a hardware
// division, by the reciprocal method of Möller and Granlund ("Improved
// division by invariant integers", IEEE Trans. Computers, 2011).

// u128 is an unsigned 128-bit integer.
type u128 struct{ hi, lo uint64 }

func (x u128) less(y u128) bool {
	return x.hi < y.hi || (x.hi == y.hi && x.lo < y.lo)
}

func add128(x, y u128) u128 {
	lo, c := bits.Add64(x.lo, y.lo, 0)
	hi, _ := bits.Add64(x.hi, y.hi, c)
	return u128{hi, lo}
}

func sub128(x, y u128) u128 {
	lo, b := bits.Sub64(x.lo, y.lo, 0)
	hi, _ := bits.Sub64(x.hi, y.hi, b)
	return u128{hi, lo}
}

// The reductions below avoid data-dependent branches: FF1 and FF3-1 feed
// each round's result into the next AES call, so a mispredicted branch costs
// as much as the arithmetic, and the outcome of the comparisons is random.

// shl128 returns x << n for n < 128.
func shl128(x u128, n uint) u128 {
	if n >= 64 {
		return u128{x.lo << (n - 64), 0}
	}
	return u128{x.hi<<n | x.lo>>(64-n), x.lo << n}
}

// bitLen128 returns the number of bits needed to represent x.
func bitLen128(x u128) int {
	if x.hi != 0 {
		return 64 + bits.Len64(x.hi)
	}
	return bits.Len64(x.lo)
}

// reciprocal returns ⌊(2^128−1)/d⌋ − 2^64 for a normalised d (top bit set).
func reciprocal(d uint64) uint64 {
	v, _ := bits.Div64(^d, ^uint64(0), d)
	return v
}

// divrem2 divides u1·2^64 + u0 by the normalised d with reciprocal v,
// provided u1 < d, and returns quotient and remainder.
func divrem2(u1, u0, d, v uint64) (q, r uint64) {
	qh, ql := bits.Mul64(v, u1)
	ql, c := bits.Add64(ql, u0, 0)
	qh += u1 + c + 1
	r = u0 - qh*d
	// if r > ql { qh--; r += d }, without a branch.
	_, borrow := bits.Sub64(ql, r, 0)
	mask := -borrow
	qh += mask
	r += d & mask
	if r >= d { // rare
		qh++
		r -= d
	}
	return qh, r
}

// modulus is a divisor m with 1 ≤ m ≤ 2^96, prepared for fast reduction.
type modulus struct {
	m u128
	// s is the normalisation shift: the leading zeros of m.lo if m.hi == 0,
	// else of m.hi.
	s uint
	// dn is m.lo<<s if m.hi == 0, else the top word of m<<s; v is its
	// reciprocal.
	dn, v uint64
	// numBytes is ⌈bitlen(m−1)/8⌉: the byte length of the largest value
	// below m (FF1's b when m = radix^v).
	numBytes int
	// barrett is set when 2 ≤ m ≤ 2^63; then mu64 = ⌊2^64/m⌋ and
	// (muHi, muLo) = ⌊2^128/m⌋ serve Barrett reduction, whose remainder
	// estimate (below 2m) fits one word.
	barrett          bool
	mu64, muHi, muLo uint64
	// For m ≥ 2^64: muW = min(⌊2^128/m⌋, 2^64−1), and m2, m3 = 2m, 3m.
	muW    uint64
	m2, m3 u128
}

func newModulus(m u128) modulus {
	md := modulus{m: m}
	if m.hi == 0 {
		md.s = uint(bits.LeadingZeros64(m.lo))
		md.dn = m.lo << md.s
	} else {
		md.s = uint(bits.LeadingZeros64(m.hi))
		md.dn = m.hi<<md.s | m.lo>>(64-md.s)
	}
	md.v = reciprocal(md.dn)
	md.numBytes = (bitLen128(sub128(m, u128{0, 1})) + 7) / 8
	if m.hi != 0 {
		// muW = ⌊2^128/m⌋ < 2^64 by binary long division: the remainder
		// after the leading 1 of 2^128 is 1 (< m), then 128 zero bits.
		rem := u128{0, 1}
		var q uint64
		for range 128 {
			rem = shl128(rem, 1) // rem < m ≤ 2^96: no overflow
			q <<= 1
			if !rem.less(m) {
				rem = sub128(rem, m)
				q |= 1
			}
		}
		md.muW = q
		if m == (u128{1, 0}) {
			// ⌊2^128/2^64⌋ = 2^64 does not fit; 2^64−1 is still within 1
			// of 2^128/m, which is all the error bound of lazyWide needs.
			md.muW = ^uint64(0)
		}
		md.m2 = add128(m, m)
		md.m3 = add128(md.m2, m)
	}
	if m.hi == 0 && m.lo >= 2 && m.lo <= 1<<63 {
		md.barrett = true
		var r uint64
		md.mu64, r = bits.Div64(1, 0, m.lo)
		md.muHi = md.mu64
		md.muLo, _ = bits.Div64(r, 0, m.lo)
	}
	return md
}

// barrett64 returns y mod m for y < 2^64 (md.barrett set). The estimate
// ⌊y·mu64/2^64⌋ is the quotient or one less, so one correction suffices.
func (md *modulus) barrett64(y uint64) uint64 {
	q, _ := bits.Mul64(y, md.mu64)
	r := y - q*md.m.lo
	return condSub64(r, md.m.lo)
}

// barrett128 returns y mod m for y < 2^128 (md.barrett set). Only the low
// word of the quotient estimate ⌊y·mu/2^128⌋ is needed, since the remainder
// estimate is below 2m ≤ 2^64.
func (md *modulus) barrett128(yh, yl uint64) uint64 {
	muHi, muLo, m := md.muHi, md.muLo, md.m.lo
	h1, l1 := bits.Mul64(yh, muLo)
	h2, l2 := bits.Mul64(yl, muHi)
	h3, _ := bits.Mul64(yl, muLo)
	mid, c1 := bits.Add64(l1, l2, 0)
	_, c2 := bits.Add64(mid, h3, 0)
	q := yh*muHi + h1 + h2 + c1 + c2
	r := yl - q*m
	d, borrow := bits.Sub64(r, m, 0)
	return d + m&-borrow
}

// condSub64 returns r − m if r ≥ m, else r (a conditional move, not a
// branch).
func condSub64(r, m uint64) uint64 {
	if r >= m {
		r -= m
	}
	return r
}

// reduce returns y mod m.
func (md *modulus) reduce(y u128) u128 {
	s := md.s
	if md.m.hi == 0 {
		// Shift y left by s into three words and divide word by word.
		if y.hi == 0 {
			_, r := divrem2(y.lo>>(64-s), y.lo<<s, md.dn, md.v)
			return u128{0, r >> s}
		}
		t2 := y.hi >> (64 - s)
		t1 := y.hi<<s | y.lo>>(64-s)
		t0 := y.lo << s
		_, r := divrem2(t2, t1, md.dn, md.v)
		_, r = divrem2(r, t0, md.dn, md.v)
		return u128{0, r >> s}
	}
	return md.reduceWide(y)
}

// reduceWide returns y mod m for m > 2^64.
func (md *modulus) reduceWide(y u128) u128 {
	return md.condSub(md.condSub(md.lazyWide(y)))
}

// lazyWide returns y − q̂·m for m ≥ 2^64, with the quotient estimate
// q̂ = ⌊y.hi·muW/2^64⌋, one multiplication deep. With Q = y/m and
// 0 ≤ 2^128/m − muW ≤ 1, Q − y.hi·muW/2^64 = y.lo/m + y.hi·(2^128/m −
// muW)/2^64 < 1 + 1, so q̂ is the quotient or up to two less: the result is
// congruent to y and below 3m (computed modulo 2^128, where it is exact).
func (md *modulus) lazyWide(y u128) u128 {
	q, _ := bits.Mul64(y.hi, md.muW)
	ph, pl := bits.Mul64(q, md.m.lo)
	lo, b := bits.Sub64(y.lo, pl, 0)
	hi, _ := bits.Sub64(y.hi, ph+q*md.m.hi, b)
	return u128{hi, lo}
}

// mod4 returns c mod m for c < 4m and m > 2^64. The three candidate
// differences are computed side by side and the last non-negative one is
// kept, instead of three subtractions in a row.
func (md *modulus) mod4(c u128) u128 {
	l1, b1 := bits.Sub64(c.lo, md.m.lo, 0)
	h1, b1 := bits.Sub64(c.hi, md.m.hi, b1)
	l2, b2 := bits.Sub64(c.lo, md.m2.lo, 0)
	h2, b2 := bits.Sub64(c.hi, md.m2.hi, b2)
	l3, b3 := bits.Sub64(c.lo, md.m3.lo, 0)
	h3, b3 := bits.Sub64(c.hi, md.m3.hi, b3)
	if b1 == 0 {
		c = u128{h1, l1}
	}
	if b2 == 0 {
		c = u128{h2, l2}
	}
	if b3 == 0 {
		c = u128{h3, l3}
	}
	return c
}

// condSub returns c − m if c ≥ m, else c, for c < 2m.
func (md *modulus) condSub(c u128) u128 {
	lo, b := bits.Sub64(c.lo, md.m.lo, 0)
	hi, b := bits.Sub64(c.hi, md.m.hi, b)
	// b == 1 means c < m: add m back.
	mask := -b
	lo, carry := bits.Add64(lo, md.m.lo&mask, 0)
	hi, _ = bits.Add64(hi, md.m.hi&mask, carry)
	return u128{hi, lo}
}

// addMod returns (a + r) mod m for a, r < m.
func (md *modulus) addMod(a, r u128) u128 {
	return md.condSub(add128(a, r)) // m ≤ 2^96: no overflow
}

// subMod returns (a − r) mod m for a, r < m.
func (md *modulus) subMod(a, r u128) u128 {
	lo, b := bits.Sub64(a.lo, r.lo, 0)
	hi, b := bits.Sub64(a.hi, r.hi, b)
	mask := -b
	lo, carry := bits.Add64(lo, md.m.lo&mask, 0)
	hi, _ = bits.Add64(hi, md.m.hi&mask, carry)
	return u128{hi, lo}
}

// divrem64 divides x < 2^128 by m < 2^64 when the quotient fits one word.
func (md *modulus) divrem64(x u128) (q, r uint64) {
	s := md.s
	t2 := x.hi >> (64 - s)
	t1 := x.hi<<s | x.lo>>(64-s)
	t0 := x.lo << s
	_, r1 := divrem2(t2, t1, md.dn, md.v)
	q, r = divrem2(r1, t0, md.dn, md.v)
	return q, r >> s
}

// addMod64 returns (a + r) mod m for a, r < m ≤ 2^63 (no overflow).
func addMod64(a, r, m uint64) uint64 {
	c := a + r
	if c >= m {
		c -= m
	}
	return c
}

// subMod64 returns (a − r) mod m for a, r < m < 2^64.
func subMod64(a, r, m uint64) uint64 {
	d := a - r
	if a < r {
		d += m
	}
	return d
}

// feistel128 finishes a Feistel round of FF1 or FF3-1 modulo md.m (the
// modulus of this round) given the round function's output y: encryption
// returns (B, (A + y) mod m), decryption ((B − y) mod m, A).
func (md *modulus) feistel128(numA, numB, y u128, decrypt bool) (u128, u128) {
	if md.m.hi != 0 {
		// Unreduced remainder below 3m, then one reduction of the sum (or
		// of the difference, offset by 3m) below 4m.
		r0 := md.lazyWide(y)
		if decrypt {
			return md.mod4(sub128(add128(numB, md.m3), r0)), numA
		}
		return numB, md.mod4(add128(numA, r0))
	}
	rem := md.reduce(y)
	if decrypt {
		return md.subMod(numB, rem), numA
	}
	return numB, md.condSub(add128(numA, rem))
}
