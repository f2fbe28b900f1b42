package fpe

import (
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
	// have: radix^length must be at least this (SP 800-38G Rev. 1, 5.2).
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
	// For other alphabets: rune → numeral and numeral → rune.
	rune2num map[rune]uint16
	num2rune []rune
	// maxCharLen is the longest UTF-8 encoding of a character.
	maxCharLen int

	kind radixKind
	// Radix division by reciprocal (radixGeneric): normalised radix,
	// its reciprocal and the shift.
	rn, rv uint64
	rs     uint
	// log2 of the radix (radixPow2).
	rlog uint

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
					fmt.Sprintf("fpe: alphabet character %d repeats an earlier one", i)}
			}
			a.ascii2num[chars[i]] = uint8(i)
		}
	} else {
		a.rune2num = make(map[rune]uint16, radix)
		a.num2rune = make([]rune, 0, radix)
		for _, r := range chars {
			if _, dup := a.rune2num[r]; dup {
				return nil, &fpeError{ErrInvalidAlphabet,
					fmt.Sprintf("fpe: alphabet character %d repeats an earlier one", len(a.num2rune))}
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
	case r&(r-1) == 0:
		a.kind = radixPow2
		a.rlog = uint(bits.TrailingZeros64(r))
	default:
		a.kind = radixGeneric
		a.rs = uint(bits.LeadingZeros64(r))
		a.rn = r << a.rs
		a.rv = reciprocal(a.rn)
	}

	// Powers of the radix up to 2^96, by exact integer multiplication.
	limit := u128{1 << 32, 0}
	p := u128{0, 1}
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
		for i := range dst {
			q, r := divrem2(x>>(64-a.rs), x<<a.rs, a.rn, a.rv)
			dst[i] = uint16(r >> a.rs)
			x = q
		}
	}
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
