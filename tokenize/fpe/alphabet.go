package fpe

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"unicode/utf8"
)

// Ready-made alphabets. The order of the characters is part of the key
// material's meaning: numeral i is the i-th character, so two systems
// interoperate only if they use the same alphabet in the same order.
const (
	// Digits is the decimal alphabet, radix 10.
	Digits = "0123456789"
	// LowerHex is lowercase hexadecimal, radix 16.
	LowerHex = "0123456789abcdef"
	// UpperHex is uppercase hexadecimal, radix 16.
	UpperHex = "0123456789ABCDEF"
	// LowerAlpha is the lowercase Latin letters, radix 26.
	LowerAlpha = "abcdefghijklmnopqrstuvwxyz"
	// UpperAlpha is the uppercase Latin letters, radix 26.
	UpperAlpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	// Base36 is the digits then the lowercase letters, radix 36 (the
	// alphabet of NIST's FF1 radix-36 samples).
	Base36 = "0123456789abcdefghijklmnopqrstuvwxyz"
	// Base62 is the digits, the lowercase letters, then the uppercase
	// letters, radix 62 (the order of math/big's base 62).
	Base62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)

const (
	// MinRadix and MaxRadix bound the number of characters of an alphabet.
	MinRadix = 2
	MaxRadix = 1 << 16

	// MinDomainSize is the smallest number of distinct values an input may
	// have: radix^length must be at least this (SP 800-38G Rev. 1).
	MinDomainSize = 1_000_000

	// maxFastLen is the longest input the fixed-width path can take
	// (radix 2, halves of 96 bits).
	maxFastLen = 192
)

// radixKind selects the digit-extraction method.
type radixKind uint8

const (
	radixGeneric radixKind = iota
	radixDecimal
	radixPow2
)

// alphabet is a validated alphabet with everything the hot path needs about
// its radix. It is immutable once built.
type alphabet struct {
	chars string
	radix int
	ascii bool
	// For ASCII alphabets: byte → numeral, 0xFF for bytes not in it.
	ascii2num [256]uint8
	// For ASCII radix-10 alphabets: the two characters of 0..99.
	pairs [200]byte
	// For ASCII alphabets of a radix r ≤ maxPairRadix that is neither 10
	// nor a power of two: pair16[v] holds the two characters of v < r² (the
	// first in the low byte), and lemR2, lemR4 are ⌈2^64/r²⌉ and ⌈2^64/r⁴⌉,
	// the multipliers of exact division (Lemire, Kaser and Kurz, "Faster
	// remainder by direct computation", 2019) by r² and r⁴ of any v with
	// v·r² < 2^64, v·r⁴ < 2^64 respectively.
	pair16       []uint16
	lemR2, lemR4 uint64
	// isBase36 is set for the alphabet Base36, whose groups of eight
	// characters are parsed as whole words (base36Word).
	isBase36 bool
	// isDigits is set for the alphabet Digits, whose eight-digit groups
	// are parsed and formatted as whole words.
	isDigits bool
	// For other alphabets: rune → numeral and numeral → rune.
	rune2num map[rune]uint16
	num2rune []rune
	// maxCharLen is the longest UTF-8 encoding of a character.
	maxCharLen int

	kind radixKind
	// log2 of the radix (radixPow2).
	rlog uint
	// Digit extraction for radixGeneric works on chunks below 2^32, split
	// off by dividing by radix^k32 (normalised as c32n, reciprocal c32v,
	// shift c32s); within a chunk, q = ⌊x/radix⌋ = mulhi(lemire, x) exactly
	// (Lemire, Kaser and Kurz, "Faster remainder by direct computation",
	// 2019), which makes each digit one multiplication deep.
	k32        int
	c32n, c32v uint64
	c32s       uint
	lemire     uint64

	// minLen is the shortest input with radix^minLen ≥ MinDomainSize.
	minLen int
	// k64 is the largest k with radix^k < 2^64.
	k64 int
	// pow[k] = radix^k for every k with radix^k ≤ 2^96.
	pow []modulus
}

func newAlphabet(chars string) (*alphabet, error) {
	if !utf8.ValidString(chars) {
		return nil, &fpeError{ErrInvalidAlphabet, "fpe: alphabet is not valid UTF-8"}
	}
	radix := utf8.RuneCountInString(chars)
	if radix < MinRadix || radix > MaxRadix {
		return nil, &fpeError{ErrInvalidAlphabet,
			fmt.Sprintf("fpe: alphabet has %d characters, want %d to %d", radix, MinRadix, MaxRadix)}
	}
	a := &alphabet{chars: chars, radix: radix, ascii: len(chars) == radix, maxCharLen: 1}
	if a.ascii {
		for i := range a.ascii2num {
			a.ascii2num[i] = 0xFF
		}
		for i := 0; i < len(chars); i++ {
			if a.ascii2num[chars[i]] != 0xFF {
				return nil, &fpeError{ErrInvalidAlphabet,
					fmt.Sprintf("fpe: alphabet character %d repeats an earlier one", i+1)}
			}
			a.ascii2num[chars[i]] = uint8(i)
		}
	} else {
		a.rune2num = make(map[rune]uint16, radix)
		a.num2rune = make([]rune, 0, radix)
		for _, r := range chars {
			if _, dup := a.rune2num[r]; dup {
				return nil, &fpeError{ErrInvalidAlphabet,
					fmt.Sprintf("fpe: alphabet character %d repeats an earlier one", len(a.num2rune)+1)}
			}
			a.rune2num[r] = uint16(len(a.num2rune))
			a.num2rune = append(a.num2rune, r)
			a.maxCharLen = max(a.maxCharLen, utf8.RuneLen(r))
		}
	}

	r := uint64(radix)
	switch {
	case radix == 10:
		a.kind = radixDecimal
		a.isDigits = chars == Digits
		if a.ascii {
			for v := range 100 {
				a.pairs[2*v], a.pairs[2*v+1] = chars[v/10], chars[v%10]
			}
		}
	case r&(r-1) == 0:
		a.kind = radixPow2
		a.rlog = uint(bits.TrailingZeros64(r))
	default:
		a.kind = radixGeneric
		a.lemire = ^uint64(0)/r + 1
		p := uint64(1)
		for p*r < 1<<32 {
			p *= r
			a.k32++
		}
		a.c32s = uint(bits.LeadingZeros64(p))
		a.c32n = p << a.c32s
		a.c32v = reciprocal(a.c32n)
		a.isBase36 = chars == Base36
		if a.ascii && radix <= maxPairRadix {
			a.pair16 = make([]uint16, radix*radix)
			for v := range a.pair16 {
				a.pair16[v] = uint16(chars[v/radix]) | uint16(chars[v%radix])<<8
			}
			a.lemR2 = ^uint64(0)/(r*r) + 1
			a.lemR4 = ^uint64(0)/(r*r*r*r) + 1
		}
	}

	// Powers of the radix up to 2^96, by exact integer multiplication.
	limit := u128{1 << 32, 0}
	p := u128{0, 1}
	a.pow = make([]modulus, 0, 96/(bits.Len64(r)-1)+2) // radix ≥ 2^(Len−1)
	a.k64 = -1
	for k := 0; ; k++ {
		a.pow = append(a.pow, newModulus(p))
		if p.hi == 0 {
			a.k64 = k
		}
		hi, lo := bits.Mul64(p.lo, r)
		next := u128{p.hi*r + hi, lo} // p.hi ≤ 2^32, r ≤ 2^16: no overflow
		if limit.less(next) {
			break
		}
		p = next
	}
	// radix ≥ 2 and 2^20 ≥ MinDomainSize, so minLen ≤ 20 ≤ maxHalf.
	for k := 2; ; k++ {
		if pk := a.pow[k].m; pk.hi != 0 || pk.lo >= MinDomainSize {
			a.minLen = k
			break
		}
	}
	return a, nil
}

// maxHalf is the largest k with radix^k ≤ 2^96.
func (a *alphabet) maxHalf() int { return len(a.pow) - 1 }

// parse decodes x into numerals, which must have room for exactly the
// characters of x (the caller has counted them).
func (a *alphabet) parse(x string, nums []uint16) error {
	if a.ascii {
		if len(x) != len(nums) {
			return errNotInAlphabet(x, a)
		}
		for i := 0; i < len(x); i++ {
			d := a.ascii2num[x[i]]
			if d == 0xFF {
				return errNotInAlphabet(x, a)
			}
			nums[i] = uint16(d)
		}
		return nil
	}
	i := 0
	for j, r := range x {
		d, ok := a.rune2num[r]
		if !ok || r == utf8.RuneError && !isRuneErrorChar(x[j:]) || i >= len(nums) {
			return errNotInAlphabet(x, a)
		}
		nums[i] = d
		i++
	}
	if i != len(nums) {
		return errNotInAlphabet(x, a)
	}
	return nil
}

// isRuneErrorChar reports whether s starts with a genuine U+FFFD rather than
// an invalid byte.
func isRuneErrorChar(s string) bool {
	_, size := utf8.DecodeRuneInString(s)
	return size == 3
}

// charCount returns the number of characters of x as the alphabet counts
// them: bytes for an ASCII alphabet (a non-ASCII byte then fails parse).
func (a *alphabet) charCount(x string) int {
	if a.ascii {
		return len(x)
	}
	return utf8.RuneCountInString(x)
}

// errNotInAlphabet reports the position of the first character of x that is
// not in the alphabet, never the character itself.
func errNotInAlphabet(x string, a *alphabet) error {
	pos := 0
	for j, r := range x {
		ok := false
		if a.ascii {
			ok = r < utf8.RuneSelf && a.ascii2num[byte(r)] != 0xFF
		} else {
			_, ok = a.rune2num[r]
			ok = ok && (r != utf8.RuneError || isRuneErrorChar(x[j:]))
		}
		if !ok {
			break
		}
		pos++
	}
	return &fpeError{ErrInvalidCharacter,
		fmt.Sprintf("fpe: input character %d is not in the alphabet of radix %d", pos+1, a.radix)}
}

// num returns NUM_radix of nums (most significant first), which must be
// below 2^128.
func (a *alphabet) num(nums []uint16) u128 {
	r := uint64(a.radix)
	if len(nums) <= a.k64 {
		var x uint64
		for _, d := range nums {
			x = x*r + uint64(d)
		}
		return u128{0, x}
	}
	var x u128
	for _, d := range nums {
		hi, lo := bits.Mul64(x.lo, r)
		lo, c := bits.Add64(lo, uint64(d), 0)
		x = u128{x.hi*r + hi + c, lo}
	}
	return x
}

// numRev returns NUM_radix(REV(nums)): nums[0] is the least significant.
func (a *alphabet) numRev(nums []uint16) u128 {
	r := uint64(a.radix)
	if len(nums) <= a.k64 {
		var x uint64
		for i := len(nums) - 1; i >= 0; i-- {
			x = x*r + uint64(nums[i])
		}
		return u128{0, x}
	}
	var x u128
	for i := len(nums) - 1; i >= 0; i-- {
		hi, lo := bits.Mul64(x.lo, r)
		lo, c := bits.Add64(lo, uint64(nums[i]), 0)
		x = u128{x.hi*r + hi + c, lo}
	}
	return x
}

// digits writes the len(dst) base-radix digits of x < radix^len(dst) into
// dst, least significant first.
func (a *alphabet) digits(x u128, dst []uint16) {
	if len(dst) > a.k64 {
		q, r := a.pow[a.k64].divrem64(x)
		a.digits64(r, dst[:a.k64])
		a.digits64(q, dst[a.k64:])
		return
	}
	a.digits64(x.lo, dst)
}

func (a *alphabet) digits64(x uint64, dst []uint16) {
	switch a.kind {
	case radixDecimal:
		for i := range dst {
			q := x / 10
			dst[i] = uint16(x - q*10)
			x = q
		}
	case radixPow2:
		mask := uint64(a.radix - 1)
		for i := range dst {
			dst[i] = uint16(x & mask)
			x >>= a.rlog
		}
	default:
		r := uint64(a.radix)
		for len(dst) > 0 {
			var chunk uint64
			k := min(len(dst), a.k32)
			x, chunk = a.split32(x, k)
			for i := range dst[:k] {
				q, _ := bits.Mul64(a.lemire, chunk)
				dst[i] = uint16(chunk - q*r)
				chunk = q
			}
			dst = dst[k:]
		}
	}
}

// split32 returns x divided by radix^k32 and the remainder, or (0, x) when
// k < k32 (then x < radix^k, the last chunk).
func (a *alphabet) split32(x uint64, k int) (q, chunk uint64) {
	if k < a.k32 {
		return 0, x
	}
	s := a.c32s & 63 // in [32, 63]: radix^k32 < 2^32
	q, r := divrem2(x>>((64-s)&63), x<<s, a.c32n, a.c32v)
	return q, r >> s
}

// encode writes the characters of nums into dst, which has room for
// len(nums)·maxCharLen bytes, and returns the number of bytes written.
func (a *alphabet) encode(dst []byte, nums []uint16) int {
	if a.ascii {
		chars := a.chars
		for i, d := range nums {
			dst[i] = chars[d]
		}
		return len(nums)
	}
	n := 0
	for _, d := range nums {
		n += utf8.EncodeRune(dst[n:], a.num2rune[d])
	}
	return n
}

// The functions below are the ASCII fast path: numbers straight from and to
// bytes, without a numeral array. A valid numeral of an ASCII alphabet is
// below 128, so the bad marker 0xFF is the only value with the top bit set.

// maxPairRadix is the largest radix whose ASCII alphabet gets a pair table
// and the two-level split of putPairs16: r^12 < 2^64, so that a group of
// eight characters (below r^8) divides exactly by r^4 with one
// multiplication.
const maxPairRadix = 40

// numASCII returns NUM_radix(s) for s of at most 2·k64 ASCII characters, and
// whether every byte was in the alphabet.
func (a *alphabet) numASCII(s string) (u128, bool) {
	tbl := &a.ascii2num
	var bad uint8
	if len(s) <= a.k64 {
		var x uint64
		if a.isDigits {
			// Eight digits at a time, then one at a time.
			for len(s) >= 8 {
				v, ok := parse8(s[:8])
				if !ok {
					return u128{}, false
				}
				x = x*100_000_000 + v
				s = s[8:]
			}
			for i := 0; i < len(s); i++ {
				d := tbl[s[i]]
				bad |= d
				x = x*10 + uint64(d)
			}
		} else if a.kind == radixDecimal {
			for i := 0; i < len(s); i++ {
				d := tbl[s[i]]
				bad |= d
				x = x*10 + uint64(d)
			}
		} else {
			r := uint64(a.radix)
			for i := 0; i < len(s); i++ {
				d := tbl[s[i]]
				bad |= d
				x = x*r + uint64(d)
			}
		}
		return u128{0, x}, bad&0x80 == 0
	}
	// Split into two halves of at most k64 characters (two independent
	// multiplication chains): s = hi ‖ lo.
	k := len(s) / 2
	hi, okHi := a.numASCII(s[:k])
	lo, okLo := a.numASCII(s[k:])
	p := a.pow[len(s)-k].m.lo
	h, l := bits.Mul64(hi.lo, p)
	l, c := bits.Add64(l, lo.lo, 0)
	return u128{h + c, l}, okHi && okLo
}

// numRevASCII returns NUM_radix(REV(s)) (s[0] least significant).
func (a *alphabet) numRevASCII(s string) (u128, bool) {
	tbl := &a.ascii2num
	var bad uint8
	if len(s) <= a.k64 {
		var x uint64
		r := uint64(a.radix)
		for i := len(s) - 1; i >= 0; i-- {
			d := tbl[s[i]]
			bad |= d
			x = x*r + uint64(d)
		}
		return u128{0, x}, bad&0x80 == 0
	}
	k := len(s) / 2
	lo, okLo := a.numRevASCII(s[:k])
	hi, okHi := a.numRevASCII(s[k:])
	p := a.pow[k].m.lo
	h, l := bits.Mul64(hi.lo, p)
	l, c := bits.Add64(l, lo.lo, 0)
	return u128{h + c, l}, okHi && okLo
}

// putASCII writes STR_radix^len(dst)(x) into dst, most significant first.
func (a *alphabet) putASCII(x u128, dst []byte) {
	if a.pair16 != nil && len(dst) > 8 && len(dst) <= 16 {
		a.putPairs16(x, dst)
		return
	}
	if len(dst) > a.k64 {
		q, r := a.pow[a.k64].divrem64(x)
		k := len(dst) - a.k64
		a.put64(r, dst[k:])
		a.put64(q, dst[:k])
		return
	}
	a.put64(x.lo, dst)
}

func (a *alphabet) put64(x uint64, dst []byte) {
	chars := a.chars
	i := len(dst)
	switch a.kind {
	case radixDecimal:
		// Eight digits at a time as a shallow tree of divisions, then
		// pairs.
		for ; i >= 8; i -= 8 {
			q := x / 100_000_000
			a.put8(x-q*100_000_000, dst[i-8:i])
			x = q
		}
		for ; i >= 2; i -= 2 {
			q := x / 100
			r := x - q*100
			dst[i-1], dst[i-2] = a.pairs[2*r+1], a.pairs[2*r]
			x = q
		}
		if i == 1 {
			dst[0] = chars[x%10]
		}
	case radixPow2:
		mask := uint64(a.radix - 1)
		for i--; i >= 0; i-- {
			dst[i] = chars[x&mask]
			x >>= a.rlog
		}
	default:
		r, lemire := uint64(a.radix), a.lemire
		for i > 0 {
			var chunk uint64
			k := min(i, a.k32)
			x, chunk = a.split32(x, k)
			for j := i - 1; j >= i-k; j-- {
				q, _ := bits.Mul64(lemire, chunk)
				dst[j] = chars[chunk-q*r]
				chunk = q
			}
			i -= k
		}
	}
}

// putRevASCII writes REV(STR_radix^len(dst)(x)) into dst: least significant
// first.
func (a *alphabet) putRevASCII(x u128, dst []byte) {
	if a.pair16 != nil && len(dst) > 8 && len(dst) <= 16 {
		a.putRevPairs16(x, dst)
		return
	}
	if len(dst) > a.k64 {
		q, r := a.pow[a.k64].divrem64(x)
		a.putRev64(r, dst[:a.k64])
		a.putRev64(q, dst[a.k64:])
		return
	}
	a.putRev64(x.lo, dst)
}

func (a *alphabet) putRev64(x uint64, dst []byte) {
	chars := a.chars
	switch a.kind {
	case radixDecimal:
		i := 0
		for ; i+8 <= len(dst); i += 8 {
			q := x / 100_000_000
			a.putRev8(x-q*100_000_000, dst[i:i+8])
			x = q
		}
		for ; i+2 <= len(dst); i += 2 {
			q := x / 100
			r := x - q*100
			dst[i], dst[i+1] = a.pairs[2*r+1], a.pairs[2*r]
			x = q
		}
		if i < len(dst) {
			dst[i] = chars[x%10]
		}
	case radixPow2:
		mask := uint64(a.radix - 1)
		for i := range dst {
			dst[i] = chars[x&mask]
			x >>= a.rlog
		}
	default:
		r, lemire := uint64(a.radix), a.lemire
		for len(dst) > 0 {
			var chunk uint64
			k := min(len(dst), a.k32)
			x, chunk = a.split32(x, k)
			for i := range dst[:k] {
				q, _ := bits.Mul64(lemire, chunk)
				dst[i] = chars[chunk-q*r]
				chunk = q
			}
			dst = dst[k:]
		}
	}
}

// parseHalves decodes x of n characters beyond the ASCII fast path and
// returns NUM of its halves of u and n−u characters (NUM of their reversal
// if rev, for FF3-1).
func (a *alphabet) parseHalves(x string, n, u int, rev bool) (numA, numB u128, err error) {
	var nums [maxFastLen]uint16
	if err := a.parse(x, nums[:n]); err != nil {
		return u128{}, u128{}, err
	}
	if rev {
		return a.numRev(nums[:u]), a.numRev(nums[u:n]), nil
	}
	return a.num(nums[:u]), a.num(nums[u:n]), nil
}

// appendHalves appends the characters of the halves numA (u characters) and
// numB (n−u characters) to dst; with rev, each half is written least
// significant first (FF3-1).
func (a *alphabet) appendHalves(dst []byte, numA, numB u128, n, u int, rev bool) []byte {
	var nums [maxFastLen]uint16
	a.digits(numA, nums[:u])
	a.digits(numB, nums[u:n])
	if !rev {
		reverse(nums[:u])
		reverse(nums[u:n])
	}
	dst, out := grow(dst, n*a.maxCharLen)
	k := a.encode(out, nums[:n])
	return dst[:len(dst)-len(out)+k]
}

func reverse(s []uint16) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// parse8 parses eight ASCII decimal digits in one word ("SWAR"), after
// checking that every byte is in '0'..'9'. The combination step follows
// Lemire, "Quickly parsing eight digits" (2022).
func parse8(s string) (uint64, bool) {
	return parse8w(load64(s))
}

// load64 returns the first eight bytes of s as a little-endian word (one
// load once compiled).
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// parse8w is parse8 of the eight bytes of v, little-endian: byte 0 is the
// most significant digit.
func parse8w(v uint64) (uint64, bool) {
	// Every byte b must have high nibble 3, and so must b+6 (b ≤ '9'). A
	// byte of 0xFA or more, whose +6 carries into the next byte, already
	// fails the first test.
	const hi = 0xF0F0F0F0F0F0F0F0
	if v&hi|((v+0x0606060606060606)&hi)>>4 != 0x3333333333333333 {
		return 0, false
	}
	v -= 0x3030303030303030
	v = v*10 + v>>8 // each 16-bit lane: 10·first + second digit
	v = ((v&0x000000FF000000FF)*(100+1000000<<32) + (v>>16&0x000000FF000000FF)*(1+10000<<32)) >> 32
	return v, true
}

// zeros8 is eight ASCII '0' bytes: shifted right by 8k, the padding that
// makes a word of 8−k leading zeros and k digits.
const zeros8 = 0x3030303030303030

// parseHalvesDigits returns NUM of x[:u] and x[u:], for the alphabet
// Digits and 8 ≤ len(x) ≤ 16 with both halves at most 8 digits: each half
// is read with one 8-byte load of x and padded with leading zeros to eight
// digits for parse8w.
func parseHalvesDigits(x string, u int) (uint64, uint64, bool) {
	n := len(x)
	v := n - u
	w0, w1 := load64(x), load64(x[n-8:])
	// x[:u] is the low u bytes of w0; x[u:] the high v bytes of w1.
	a, okA := parse8w(w0<<(8*(8-u)) | zeros8>>(8*u))
	b, okB := parse8w(w1&^(1<<(8*(8-v))-1) | zeros8>>(8*v))
	return a, b, okA && okB
}

// putHalvesDigits writes STR^u(a) ‖ STR^v(b) into dst of n = u+v bytes, for
// the alphabet Digits, 8 ≤ n ≤ 16 and u, v ≤ 8, with two overlapping 8-byte
// stores: dst[n−8:] (the last 8−v digits of a, then b) and dst[:8] (a, then
// the first 8−u digits of b).
func putHalvesDigits(dst []byte, a, b uint64, u int) {
	n := len(dst)
	v := n - u
	wa, wb := digits8(a), digits8(b)
	binary.LittleEndian.PutUint64(dst[n-8:], wa>>(8*v)|wb&^(1<<(8*(8-v))-1))
	binary.LittleEndian.PutUint64(dst[:8], wa>>(8*(8-u))|(wb>>(8*(8-v)))<<(8*u))
}

// put8 writes the eight decimal digits of x < 10^8 into dst[:8], most
// significant first.
func (a *alphabet) put8(x uint64, dst []byte) {
	_ = dst[7]
	if a.isDigits {
		binary.LittleEndian.PutUint64(dst, digits8(x))
		return
	}
	hi := x / 10000
	lo := x - hi*10000
	h1, l1 := hi/100, lo/100
	h0, l0 := hi-h1*100, lo-l1*100
	p := &a.pairs
	dst[0], dst[1] = p[2*h1], p[2*h1+1]
	dst[2], dst[3] = p[2*h0], p[2*h0+1]
	dst[4], dst[5] = p[2*l1], p[2*l1+1]
	dst[6], dst[7] = p[2*l0], p[2*l0+1]
}

// digits8 returns the eight ASCII digits of x < 10^8 as a word whose
// little-endian bytes are the digits, most significant first. The divisions
// run side by side in lanes of one word: by 100 in two 32-bit lanes
// (⌊v·5243/2^19⌋ = ⌊v/100⌋ for v < 43,699), then by 10 in four 16-bit lanes
// (⌊w·103/2^10⌋ = ⌊w/10⌋ for w < 179); no lane overflows into the next.
func digits8(x uint64) uint64 {
	hi := x / 10000
	v := hi | (x-hi*10000)<<32
	q := (v * 5243 >> 19) & 0x0000007F_0000007F
	w := q | (v-q*100)<<16
	t := (w * 103 >> 10) & 0x000F_000F_000F_000F
	return t | (w-t*10)<<8 | 0x30303030_30303030
}

// putRev8 writes the eight decimal digits of x < 10^8 into dst[:8], least
// significant first.
func (a *alphabet) putRev8(x uint64, dst []byte) {
	_ = dst[7]
	if a.isDigits {
		binary.LittleEndian.PutUint64(dst, bits.ReverseBytes64(digits8(x)))
		return
	}
	hi := x / 10000
	lo := x - hi*10000
	h1, l1 := hi/100, lo/100
	h0, l0 := hi-h1*100, lo-l1*100
	p := &a.pairs
	dst[7], dst[6] = p[2*h1], p[2*h1+1]
	dst[5], dst[4] = p[2*h0], p[2*h0+1]
	dst[3], dst[2] = p[2*l1], p[2*l1+1]
	dst[1], dst[0] = p[2*l0], p[2*l0+1]
}

// parseHalvesDigitsRev is parseHalvesDigits for FF3-1: NUM(REV(x[:u])) and
// NUM(REV(x[u:])). Reversing a half's bytes (with its padding shifted out
// of the way first) puts its last character first.
func parseHalvesDigitsRev(x string, u int) (uint64, uint64, bool) {
	n := len(x)
	v := n - u
	w0, w1 := load64(x), load64(x[n-8:])
	ra := bits.ReverseBytes64(w0 << (8 * (8 - u))) // REV(x[:u]) in the low u bytes
	rb := bits.ReverseBytes64(w1)                  // REV(x[u:]) in the low v bytes
	a, okA := parse8w(ra<<(8*(8-u)) | zeros8>>(8*u))
	b, okB := parse8w(rb<<(8*(8-v)) | zeros8>>(8*v))
	return a, b, okA && okB
}

// putHalvesDigitsRev writes REV(STR^u(a)) ‖ REV(STR^v(b)) into dst of
// n = u+v bytes (8 ≤ n ≤ 16, u, v ≤ 8) with two overlapping 8-byte stores,
// as putHalvesDigits does.
func putHalvesDigitsRev(dst []byte, a, b uint64, u int) {
	n := len(dst)
	v := n - u
	// Byte-reversed, digits8 starts with the least significant digit: the
	// low k bytes are REV(STR^k).
	ra, rb := bits.ReverseBytes64(digits8(a)), bits.ReverseBytes64(digits8(b))
	binary.LittleEndian.PutUint64(dst[n-8:], ra>>(8*(n-8))&(1<<(8*(8-v))-1)|rb<<(8*(8-v)))
	binary.LittleEndian.PutUint64(dst[:8], ra&(1<<(8*u)-1)|rb<<(8*u))
}

// putPairs16 is putASCII for 8 < len(dst) ≤ 16 and an alphabet with a pair
// table. The number splits into two groups of eight characters (one
// division by r^8), each group into two chunks of four (one exact
// multiplication by ⌈2^64/r^4⌉), each chunk into two pairs (likewise by r²):
// no dependency chain longer than three divisions, no loop. The two groups
// are then written as two overlapping 8-byte stores.
func (a *alphabet) putPairs16(x u128, dst []byte) {
	hi, lo := a.split8(x)
	wh, wl := a.group8(hi), a.group8(lo)
	n := len(dst)
	binary.LittleEndian.PutUint64(dst[n-8:], wl)
	binary.LittleEndian.PutUint64(dst[:8], wh>>(8*(16-n))|wl<<(8*(n-8)))
}

// putRevPairs16 is putRevASCII for 8 < len(dst) ≤ 16 and an alphabet with a
// pair table: putPairs16's groups, byte-reversed, give REV of the low group
// first, then REV of the high group's last len(dst)−8 characters.
func (a *alphabet) putRevPairs16(x u128, dst []byte) {
	hi, lo := a.split8(x)
	rh, rl := bits.ReverseBytes64(a.group8(hi)), bits.ReverseBytes64(a.group8(lo))
	n := len(dst)
	binary.LittleEndian.PutUint64(dst[:8], rl)
	binary.LittleEndian.PutUint64(dst[n-8:], rl>>(8*(n-8))|rh<<(8*(16-n)))
}

// split8 returns x / r^8 and x mod r^8 for x < r^16.
func (a *alphabet) split8(x u128) (hi, lo uint64) {
	md := &a.pow[8]
	if s := md.s; x.hi>>(64-s) == 0 {
		// x·2^s fits two words (always, for x < r^16 and r ≤ 40): the
		// quotient x / r^8 < r^8 fits one word.
		var r uint64
		hi, r = divrem2(x.hi<<s|x.lo>>(64-s), x.lo<<s, md.dn, md.v)
		return hi, r >> s
	}
	return md.divrem64(x)
}

// group8 returns the eight characters of g < r^8 as a little-endian word,
// most significant first.
func (a *alphabet) group8(g uint64) uint64 {
	r2, r4 := a.pow[2].m.lo, a.pow[4].m.lo
	c1, _ := bits.Mul64(g, a.lemR4)
	c0 := g - c1*r4
	p3, _ := bits.Mul64(c1, a.lemR2)
	p1, _ := bits.Mul64(c0, a.lemR2)
	t := a.pair16
	return uint64(t[p3]) | uint64(t[c1-p3*r2])<<16 | uint64(t[p1])<<32 | uint64(t[c0-p1*r2])<<48
}

// base36Word returns the value of the eight Base36 characters of w
// (little-endian: byte 0 is the most significant), and whether all eight
// are in the alphabet. Each byte is classified with range tests on all
// eight lanes at once (no lane can carry into the next: every byte is
// checked below 0x80 first), mapped to its numeral, and the numerals are
// combined in pairs, quads and the whole word with three multiplications.
func base36Word(w uint64) (uint64, bool) {
	const hi = 0x8080808080808080
	const ones = 0x0101010101010101
	geD := (w + 0x50*ones) & hi // ≥ '0'
	gtD := (w + 0x46*ones) & hi // > '9'
	geL := (w + 0x1F*ones) & hi // ≥ 'a'
	gtL := (w + 0x05*ones) & hi // > 'z'
	letter := geL &^ gtL
	if w&hi != 0 || (geD&^gtD)|letter != hi {
		return 0, false
	}
	v := w - 0x30*ones - (letter>>7)*0x27 // '0'..'9' → 0..9, 'a'..'z' → 10..35
	p := (v&0x00FF00FF00FF00FF)*36 + (v>>8)&0x00FF00FF00FF00FF
	q := (p&0x0000FFFF0000FFFF)*1296 + (p>>16)&0x0000FFFF0000FFFF
	return (q&0xFFFFFFFF)*1679616 + q>>32, true
}

// numBase36 returns NUM_36(s) for 8 < len(s) ≤ 16 Base36 characters: two
// overlapping 8-byte loads, the high group padded with leading '0's.
func numBase36(s string) (u128, bool) {
	n := len(s)
	lo, okLo := base36Word(load64(s[n-8:]))
	hi, okHi := base36Word(load64(s)<<(8*(16-n)) | zeros8>>(8*(n-8)))
	h, l := bits.Mul64(hi, 2821109907456) // 36^8
	l, c := bits.Add64(l, lo, 0)
	return u128{h + c, l}, okLo && okHi
}
