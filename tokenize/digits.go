package tokenize

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"unicode/utf8"
	"unsafe"
)

// The digits path: transform for templates over fpe.Digits with ASCII
// separators (card, SSN, phone), eight bytes at a time. A value is read in
// runs of digits, each with one 8-byte load and one 8-byte store; the
// positions of its separators are kept as a bit mask, from which the result
// is written back run by run.

// maxDigitsLen is the longest value (in bytes) the digits path takes: its
// digits, plus the 8 bytes that a whole-word store may write past them, fit
// the 64-byte stack buffers, and its separators a uint64 mask.
const maxDigitsLen = 56

// zeros8 is eight ASCII '0' bytes.
const zeros8 = 0x3030303030303030

// load64 returns the first eight bytes of s as a little-endian word.
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// nonDigits returns the word with bit 7 of each byte set where w's byte is
// not an ASCII digit, and no other bit. Each byte is computed on its own:
// t = b XOR '0' is below 10 for a digit; (t&0x7F)+0x76 (at most 0xF5, no
// carry into the next byte) has bit 7 set when t&0x7F is 10 or more, and t
// itself when b ≥ 0x80.
func nonDigits(w uint64) uint64 {
	t := w ^ zeros8
	return ((t & 0x7F7F7F7F7F7F7F7F) + 0x7676767676767676 | t) & 0x8080808080808080
}

// scanDigits is scan for a digits layout (l.digits) and a value of 8 to
// maxDigitsLen bytes: it checks value against the template and writes its
// digits to core[:n]; bytes of core past n are overwritten freely. seps has
// bit i set when value[i] is a separator: every other byte is a digit.
// Errors are scan's.
//
// Each step reads the run of digits at i with one 8-byte load, stores it
// whole after the digits before it, and moves past the run and the
// separator that ends it.
func (l *layout) scanDigits(core *[64]byte, value, what string) (n int, seps uint64, err error) {
	k := 0
	for i := 0; i < len(value); {
		var w uint64
		if rest := len(value) - i; rest >= 8 {
			w = load64(value[i:])
		} else {
			// The last rest bytes, then zero bytes (not digits).
			w = load64(value[len(value)-8:]) >> (8 * (8 - rest))
		}
		binary.LittleEndian.PutUint64(core[k:], w) // k ≤ i < maxDigitsLen
		m := nonDigits(w)
		if m == 0 {
			i += 8
			k += 8
			continue
		}
		r := bits.TrailingZeros64(m) >> 3 // digits before the first other byte
		i += r
		k += r
		if i >= len(value) {
			break // the zero padding of the last word
		}
		if c := value[i]; c >= utf8.RuneSelf || l.class[c] != classSeparator {
			return 0, 0, l.scanError(value, what)
		}
		seps |= 1 << i
		i++
	}
	if err := l.checkCount(k, what); err != nil {
		return 0, 0, err
	}
	return k, seps, nil
}

// scanError returns scan's error for a value that has a character outside
// the template.
func (l *layout) scanError(value, what string) error {
	var buf [64]byte
	_, _, _, err := l.scan(buf[:0], value, what)
	return err
}

// fillDigits writes value into out (len(value) bytes) with its digits
// replaced, in order, by those of core, for a value and separator mask as
// scanDigits returned them.
func fillDigits(out []byte, value string, core *[64]byte, seps uint64) {
	out = out[:len(value)]
	i, k := 0, 0
	for {
		j := len(value) // the end of the run of digits starting at i
		if seps != 0 {
			j = bits.TrailingZeros64(seps)
		}
		// Whole words while they fit in out: one may write past j, into
		// bytes written next. Then the last few bytes of out one by one.
		p := i
		for ; p < j && p+8 <= len(out); p += 8 {
			binary.LittleEndian.PutUint64(out[p:], binary.LittleEndian.Uint64(core[k+p-i:]))
		}
		for ; p < j; p++ {
			out[p] = core[k+p-i]
		}
		k += j - i
		if seps == 0 {
			return
		}
		out[j] = value[j]
		i = j + 1
		seps &= seps - 1
	}
}

// digitIndex returns the index in a value with separator mask seps of its
// digit number k.
func digitIndex(seps uint64, k int) int {
	for ; seps != 0 && bits.TrailingZeros64(seps) <= k; seps &= seps - 1 {
		k++
	}
	return k
}

// newResult returns a slice of n bytes for a result, and the result as a
// string that shares its memory: the only allocation of a transform. It is
// made right after the scan, so that the scan's stores are in the cache by
// the time FF1 and the Luhn sums load them again.
func newResult(n int) ([]byte, string) {
	out := make([]byte, n)
	return out, unsafe.String(unsafe.SliceData(out), n)
}

// transformDigits is transform for a digits layout and a value of 8 to
// maxDigitsLen bytes, with the same results and errors.
//
// FF1 reads its input as a string over core (no copy: core does not change
// until FF1 returns) and appends its result to the kept first digits in tok,
// which already holds the kept last digits: tok is then the result's
// digits, and nothing is copied back. A FailLuhn check digit is computed
// with '0' in its place and written straight into the result.
func (f *FormatPreserving) transformDigits(s string, tweak []byte, withTweak, enc bool, what string) (string, error) {
	var core, tok [64]byte
	l := f.l
	n, seps, err := l.scanDigits(&core, s, what)
	if err != nil {
		return "", err
	}
	t := &l.t
	a, b := l.lead, n-t.KeepLast // l.lead is KeepFirst: FailMod97 needs another alphabet
	if !t.FailLuhn {
		if seps == 0 && a == 0 && t.KeepLast == 0 {
			return f.ff1Do(s, tweak, withTweak, enc)
		}
		out, res := newResult(len(s))
		copy(tok[:a], core[:a])
		copy(tok[b:n], core[b:n])
		if _, err := f.ff1Append(tok[:a], unsafe.String(&core[a], b-a), tweak, withTweak, enc); err != nil {
			return "", err
		}
		fillDigits(out, s, &tok, seps)
		return res, nil
	}
	free := b - 1
	out, res := newResult(len(s))
	if enc {
		if luhnTotal(core[:n])%10 != 0 {
			return "", fmt.Errorf("%w: %s: value of %d digits fails the Luhn check", ErrInvalidValue, t.Name, n)
		}
	} else {
		want := core[free]
		core[free] = '0'
		if luhnFreeDigit(core[:n], a, free, true) != want {
			return "", fmt.Errorf("%w: %s: token of %d digits has a wrong Luhn digit", ErrInvalidToken, t.Name, n)
		}
	}
	copy(tok[:a], core[:a])
	copy(tok[b:n], core[b:n])
	tok[free] = '0'
	if _, err := f.ff1Append(tok[:a], unsafe.String(&core[a], free-a), tweak, withTweak, enc); err != nil {
		return "", err
	}
	c := luhnFreeDigit(tok[:n], a, free, enc)
	fillDigits(out, s, &tok, seps)
	out[digitIndex(seps, free)] = c
	return res, nil
}
