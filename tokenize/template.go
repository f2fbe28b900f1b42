package tokenize

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/custos-dev/custos/tokenize/fpe"
)

// A Template describes the values a format-preserving tokenizer accepts and
// which of their characters it replaces. Characters of Alphabet are
// tokenized, characters of Separators are layout and stay where they are,
// and any other character makes the value invalid. The zero Template is not
// usable: start from one of CardTemplate, SSNTemplate, PhoneTemplate,
// IBANTemplate or AlphabetTemplate and adjust the copy.
type Template struct {
	// Name names the template in error messages, e.g. "card".
	Name string
	// Alphabet is the ordered set of characters that are tokenized (see the
	// alphabets of package fpe, such as fpe.Digits).
	Alphabet string
	// Separators are characters kept in place, e.g. " -" for card numbers.
	// They must not occur in Alphabet.
	Separators string
	// MinLength and MaxLength bound the number of Alphabet characters of a
	// value, counted in characters (not bytes); zero means no bound beyond
	// the tokenizer's own minimum.
	MinLength, MaxLength int
	// KeepFirst and KeepLast are how many Alphabet characters at the start
	// and the end stay in clear: KeepLast 4 keeps a card's last four digits,
	// KeepFirst 6 its BIN. What is kept is not protected, and what remains
	// must still be long enough for FF1 (a million possible values: 6 digits).
	KeepFirst, KeepLast int
	// FailLuhn makes every token fail the Luhn check, so that a token can
	// never be taken for a real card number. It needs Alphabet fpe.Digits,
	// and then every value must pass the Luhn check (real card numbers do).
	// One digit of the tokenized part then carries no information: it is
	// computed from the others, on the way in to make the value pass and on
	// the way out to make the token fail.
	FailLuhn bool
	// FailMod97 makes every token fail the check of International Bank
	// Account Numbers (ISO 13616: ISO 7064 MOD 97-10 over the IBAN with its
	// first four characters moved to the end and letters counted as 10 to
	// 35), so that a token can never be taken for a real account number.
	// IBANTemplate sets it. It needs the alphabet of IBANTemplate and a
	// KeepFirst of at least 2 (the country code stays in clear), and then
	// every value must be a valid IBAN: two letters, two check digits that
	// pass the check (02 to 98, as ISO 7064 computes them), the account
	// number (BBAN). The check digits carry no information and are never
	// kept in clear, whatever KeepFirst says: on the way in they are
	// checked, FF1 tokenizes the BBAN (less what KeepFirst and KeepLast
	// keep), and the token's check digits are computed from the token's
	// other characters so that the check fails; on the way out, a token
	// whose check digits are not those is refused (so is every valid IBAN),
	// and the value's check digits are computed again.
	FailMod97 bool
}

// ibanAlphabet is the alphabet of IBANTemplate: a character's index is its
// value in the mod-97 check.
const ibanAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// CardTemplate returns the template of payment card numbers (PANs): 12 to 19
// digits, with spaces or hyphens kept in place. Set KeepLast, KeepFirst or
// FailLuhn on the copy as needed.
func CardTemplate() Template {
	return Template{Name: "card", Alphabet: fpe.Digits, Separators: " -", MinLength: 12, MaxLength: 19}
}

// SSNTemplate returns the template of US social security numbers: 9 digits,
// with hyphens or spaces kept in place.
func SSNTemplate() Template {
	return Template{Name: "ssn", Alphabet: fpe.Digits, Separators: "- ", MinLength: 9, MaxLength: 9}
}

// PhoneTemplate returns the template of phone numbers: 7 to 15 digits (E.164
// allows 15), with "+", spaces, hyphens, dots and parentheses kept in place.
// Set KeepFirst to keep a country code in clear.
func PhoneTemplate() Template {
	return Template{Name: "phone", Alphabet: fpe.Digits, Separators: "+ -.()", MinLength: 7, MaxLength: 15}
}

// IBANTemplate returns the template of International Bank Account Numbers in
// their electronic or printed form: 15 to 34 digits and capital letters, with
// spaces kept in place. The two-letter country code stays in clear
// (KeepFirst 2), the account number is tokenized over digits and capital
// letters, and FailMod97 is set: a token has the IBAN's country code, length
// and layout and digits for check digits, but never passes the IBAN check,
// and only valid IBANs are accepted. Clear FailMod97 on the copy to tokenize
// values that are not valid IBANs (the check digits are then tokenized with
// the rest, and a token passes the check with probability about 1/97).
func IBANTemplate() Template {
	return Template{Name: "iban", Alphabet: ibanAlphabet, Separators: " ", MinLength: 15, MaxLength: 34, KeepFirst: 2, FailMod97: true}
}

// AlphabetTemplate returns a template over any alphabet (see package fpe for
// the rules), without separators or length bounds.
func AlphabetTemplate(alphabet string) Template {
	return Template{Name: "alphabet", Alphabet: alphabet}
}

const (
	classInvalid   = -1
	classSeparator = -2
)

// layout is a compiled Template.
type layout struct {
	t       Template
	radix   int
	alpha   []rune
	ascii   bool         // alphabet and separators are ASCII
	digits  bool         // ascii, and the alphabet is fpe.Digits: see scanDigits
	class   [128]int16   // for ASCII: numeral, classSeparator or classInvalid
	numeral map[rune]int // for non-ASCII alphabets
	seps    map[rune]struct{}
	lead    int // index of the first alphabet character replaced: KeepFirst, or at least 4 with FailMod97
	minEnc  int // shortest tokenized part accepted by FF1 (set by the caller)
}

func compileTemplate(t Template) (*layout, error) {
	name := t.Name
	if name == "" {
		name = "template"
	}
	t.Name = name
	if !utf8.ValidString(t.Alphabet) || !utf8.ValidString(t.Separators) {
		return nil, fmt.Errorf("%w: %s: alphabet or separators not valid UTF-8", ErrInvalidConfig, name)
	}
	l := &layout{t: t, alpha: []rune(t.Alphabet), ascii: true}
	l.radix = len(l.alpha)
	if l.radix < fpe.MinRadix || l.radix > fpe.MaxRadix {
		return nil, fmt.Errorf("%w: %s: alphabet of %d characters, want %d to %d", ErrInvalidConfig, name, l.radix, fpe.MinRadix, fpe.MaxRadix)
	}
	for i := range l.class {
		l.class[i] = classInvalid
	}
	l.numeral = make(map[rune]int, l.radix)
	l.seps = make(map[rune]struct{})
	for i, r := range l.alpha {
		if _, dup := l.numeral[r]; dup {
			return nil, fmt.Errorf("%w: %s: alphabet repeats a character", ErrInvalidConfig, name)
		}
		l.numeral[r] = i
		if r < utf8.RuneSelf {
			l.class[r] = int16(i)
		} else {
			l.ascii = false
		}
	}
	for _, r := range t.Separators {
		if _, in := l.numeral[r]; in {
			return nil, fmt.Errorf("%w: %s: a separator is also in the alphabet", ErrInvalidConfig, name)
		}
		l.seps[r] = struct{}{}
		if r < utf8.RuneSelf {
			l.class[r] = classSeparator
		} else {
			l.ascii = false
		}
	}
	if t.KeepFirst < 0 || t.KeepLast < 0 || t.MinLength < 0 || t.MaxLength < 0 {
		return nil, fmt.Errorf("%w: %s: negative length or count", ErrInvalidConfig, name)
	}
	if t.MaxLength > 0 && t.MinLength > t.MaxLength {
		return nil, fmt.Errorf("%w: %s: MinLength %d above MaxLength %d", ErrInvalidConfig, name, t.MinLength, t.MaxLength)
	}
	if t.FailLuhn && t.Alphabet != fpe.Digits {
		return nil, fmt.Errorf("%w: %s: FailLuhn needs the alphabet fpe.Digits", ErrInvalidConfig, name)
	}
	l.lead = t.KeepFirst
	if t.FailMod97 {
		if t.Alphabet != ibanAlphabet {
			return nil, fmt.Errorf("%w: %s: FailMod97 needs the alphabet of IBANTemplate", ErrInvalidConfig, name)
		}
		if t.KeepFirst < 2 {
			return nil, fmt.Errorf("%w: %s: FailMod97 needs KeepFirst of at least 2 (the country code)", ErrInvalidConfig, name)
		}
		l.lead = max(t.KeepFirst, 4)
	}
	l.digits = l.ascii && t.Alphabet == fpe.Digits
	return l, nil
}

// changed returns the number of characters a value of n alphabet characters
// has that the tokenizer replaces (a Luhn digit included, IBAN check digits
// not).
func (l *layout) changed(n int) int { return n - l.lead - l.t.KeepLast }

// checkMax reports a configuration error when no value within MaxLength
// leaves enough characters to tokenize.
func (l *layout) checkMax(minChanged int) error {
	if l.t.MaxLength > 0 && l.changed(l.t.MaxLength) < minChanged {
		return fmt.Errorf("%w: %s: at most %d characters left to tokenize, need %d", ErrInvalidConfig, l.t.Name, max(l.changed(l.t.MaxLength), 0), minChanged)
	}
	return nil
}

// scan checks value against the template and appends its alphabet
// characters to core (as UTF-8). It returns the extended core, the number of
// alphabet characters, and whether value holds nothing else.
func (l *layout) scan(core []byte, value, what string) ([]byte, int, bool, error) {
	n := 0
	if l.ascii {
		// Every byte is written; only alphabet characters advance.
		k := len(core)
		core = slices.Grow(core, len(value))[:k+len(value)]
		for i := 0; i < len(value); i++ {
			c := value[i]
			cl := l.class[c&(utf8.RuneSelf-1)]
			if c >= utf8.RuneSelf || cl == classInvalid {
				return core[:k-n], 0, false, fmt.Errorf("%w: %s: %s has a character outside the template at byte %d", ErrInvalidValue, l.t.Name, what, i)
			}
			core[k] = c
			k += int(^uint16(cl) >> 15) // 1 for a numeral, 0 for a separator
			n += int(^uint16(cl) >> 15)
		}
		core = core[:k]
	} else {
		for i, r := range value {
			if _, ok := l.numeral[r]; ok && (r != utf8.RuneError || strings.ContainsRune(l.t.Alphabet, utf8.RuneError)) {
				core = utf8.AppendRune(core, r)
				n++
				continue
			}
			if _, ok := l.seps[r]; ok {
				continue
			}
			return core, 0, false, fmt.Errorf("%w: %s: %s has a character outside the template at byte %d", ErrInvalidValue, l.t.Name, what, i)
		}
		if !utf8.ValidString(value) {
			return core, 0, false, fmt.Errorf("%w: %s: %s is not valid UTF-8", ErrInvalidValue, l.t.Name, what)
		}
	}
	if err := l.checkCount(n, what); err != nil {
		return core, 0, false, err
	}
	return core, n, len(core) == len(value), nil
}

// checkCount reports an error when a value (what) of n alphabet characters
// is too short or too long for the template, or leaves too few characters
// to tokenize.
func (l *layout) checkCount(n int, what string) error {
	if n < l.t.MinLength || l.t.MaxLength > 0 && n > l.t.MaxLength {
		return fmt.Errorf("%w: %s: %s has %d characters, want %d to %d", ErrInvalidValue, l.t.Name, what, n, l.t.MinLength, l.t.MaxLength)
	}
	if l.changed(n) < l.minEnc {
		return fmt.Errorf("%w: %s: %s has %d characters to tokenize, need %d", ErrInvalidValue, l.t.Name, what, max(l.changed(n), 0), l.minEnc)
	}
	return nil
}

// bounds returns the byte range in core of the characters that are replaced.
func (l *layout) bounds(core []byte, n int) (int, int) {
	if l.ascii || l.t.FailMod97 { // FailMod97: an ASCII alphabet
		return l.lead, n - l.t.KeepLast
	}
	a, b := 0, len(core)
	for i := 0; i < l.lead; i++ {
		_, s := utf8.DecodeRune(core[a:])
		a += s
	}
	for i := 0; i < l.t.KeepLast; i++ {
		_, s := utf8.DecodeLastRune(core[:b])
		b -= s
	}
	return a, b
}

// fill returns value with its alphabet characters replaced, in order, by
// the bytes of core (ASCII alphabets only; separators may be any
// characters).
func (l *layout) fill(value string, core []byte) string {
	out := make([]byte, len(value))
	k := 0
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c < utf8.RuneSelf && l.class[c] >= 0 { // scanned: a numeral
			c = core[k]
			k++
		}
		out[i] = c
	}
	return unsafe.String(unsafe.SliceData(out), len(out))
}

// rebuild returns value with its alphabet characters number KeepFirst to
// n-KeepLast-1 replaced, in order, by the characters of mid; core holds the
// value's alphabet characters and may be overwritten.
func rebuild[S ~string | ~[]byte](l *layout, value string, core []byte, n int, mid S) string {
	if l.ascii {
		copy(core[l.lead:], mid)
		return l.fill(value, core)
	}
	lo, hi := l.lead, n-l.t.KeepLast
	k := 0
	var b strings.Builder
	b.Grow(len(value) + len(mid))
	rest := string(mid)
	for _, r := range value {
		if _, ok := l.numeral[r]; ok {
			if k >= lo && k < hi {
				m, s := utf8.DecodeRuneInString(rest)
				r, rest = m, rest[s:]
			}
			k++
		}
		b.WriteRune(r)
	}
	return b.String()
}

// entropyOK reports whether k random characters give at least
// fpe.MinDomainSize possible values.
func (l *layout) entropyOK(k int) bool {
	return float64(k)*math.Log10(float64(l.radix)) >= 6-1e-9
}

// Luhn arithmetic on ASCII digits.

// luhnDoubled[v] is digit v doubled with its digits summed, indexed by the
// digit's low four bits (no bounds check: the digits of a FailLuhn template
// are '0' to '9'); luhnHalve is its inverse.
var luhnDoubled = [16]byte{0, 2, 4, 6, 8, 1, 3, 5, 7, 9}
var luhnHalve = [10]byte{0, 5, 1, 6, 2, 7, 3, 8, 4, 9}

// luhnTotal returns the Luhn sum (not reduced) of the digits of d: from the
// right, every second digit doubled. Eight digits per step (luhnWord), from
// the right; the leftmost len(d) mod 8 digits in one more word, padded on
// the left with '0' (which adds nothing).
func luhnTotal(d []byte) uint {
	i := len(d)
	if i < 8 {
		return luhnTotalShort(d)
	}
	s := uint(0)
	for ; i >= 8; i -= 8 {
		s += luhnWord(binary.LittleEndian.Uint64(d[i-8 : i]))
	}
	if i > 0 {
		s += luhnWord(binary.LittleEndian.Uint64(d[:8])<<(8*(8-i)) | zeros8>>(8*i))
	}
	return s
}

// luhnWord returns the Luhn sum of the eight ASCII digits of w (byte 0
// first) when its last byte is a digit not doubled: the digits of bytes 0,
// 2, 4 and 6 are doubled. A doubled digit v adds 2v − 9·[v ≥ 5]; each byte
// stays within 0 to 18, so no byte carries into the next.
func luhnWord(w uint64) uint {
	v := w - zeros8             // digit values, 0 to 9
	d := v & 0x00FF00FF00FF00FF // the doubled digits
	ge5 := (d + 0x007B007B007B007B) >> 7 & 0x0001000100010001
	v = v + d - 9*ge5
	return uint(v * 0x0101010101010101 >> 56) // sum of the bytes (at most 72)
}

// luhnTotalShort is luhnTotal two digits per step, for any length.
func luhnTotalShort(d []byte) uint {
	s := uint(0)
	i := len(d) - 1
	for ; i >= 1; i -= 2 {
		s += uint(d[i]-'0') + uint(luhnDoubled[(d[i-1]-'0')&15])
	}
	if i == 0 {
		s += uint(d[0] - '0')
	}
	return s
}

// digitSum returns the sum of the ASCII digits of d, eight per step as
// luhnTotal reads them.
func digitSum(d []byte) uint {
	i := len(d)
	s := uint(0)
	if i < 8 {
		for _, c := range d {
			s += uint(c - '0')
		}
		return s
	}
	for ; i >= 8; i -= 8 {
		s += uint((binary.LittleEndian.Uint64(d[i-8:i]) - zeros8) * 0x0101010101010101 >> 56)
	}
	if i > 0 {
		w := binary.LittleEndian.Uint64(d[:8])<<(8*(8-i)) | zeros8>>(8*i)
		s += uint((w - zeros8) * 0x0101010101010101 >> 56)
	}
	return s
}

// luhnTerm returns the term of digit d[i] in the Luhn sum of d.
func luhnTerm(d []byte, i int) uint {
	v := (d[i] - '0') & 15
	if (len(d)-1-i)&1 == 1 {
		return uint(luhnDoubled[v])
	}
	return uint(v)
}

// luhnSum returns the Luhn sum mod 10 of the digits of d, where d[i] sits
// at position n-1-i from the right, skipping index skip (none if -1).
func luhnSum(d []byte, skip int) int {
	s := luhnTotal(d)
	if skip >= 0 {
		s -= luhnTerm(d, skip)
	}
	return int(s % 10)
}

// luhnValid reports whether the digits d pass the Luhn check.
func luhnValid(d []byte) bool { return luhnSum(d, -1) == 0 }

// luhnSet sets d[i] so that the Luhn sum of d is target mod 10.
func luhnSet(d []byte, i, target int) {
	rest := luhnSum(d, i)
	v := byte((target - rest + 10) % 10)
	if (len(d)-1-i)&1 == 1 {
		v = luhnHalve[v]
	}
	d[i] = '0' + v
}

// luhnSetToken sets the free digit d[free] of a token so that its Luhn
// remainder is 1 + (sum of the tokenized digits d[a:free]) mod 9: never 0,
// so the token fails the check, and varying with the tokenized digits, so
// that tokens do not all share one remainder. Detokenizing recomputes it.
func luhnSetToken(d []byte, a, free int) {
	d[free] = '0'
	d[free] = luhnFreeDigit(d, a, free, true)
}

// luhnFreeDigit returns the digit for d[free], which must hold '0': with
// token, the digit that luhnSetToken sets; otherwise the digit that makes d
// pass the Luhn check.
func luhnFreeDigit(d []byte, a, free int, token bool) byte {
	total, ds := luhnSums(d, a, free)
	target := uint(0)
	if token {
		target = 1 + ds%9
	}
	v := target + 10 - total%10 // 1 to 19
	if v >= 10 {
		v -= 10
	}
	if (len(d)-1-free)&1 == 1 {
		v = uint(luhnHalve[v])
	}
	return '0' + byte(v)
}

// luhnSums returns luhnTotal(d) and digitSum(d[a:b]) in one pass over the
// words of d, each word's digits added in the lanes of two accumulators
// (16-bit lanes, so that no lane overflows at any length).
func luhnSums(d []byte, a, b int) (total, digits uint) {
	n := len(d)
	if n < 8 {
		return luhnTotalShort(d), digitSum(d[a:b])
	}
	const even = 0x00FF00FF00FF00FF
	var accL, accD uint64
	for i := n; i > 0; i -= 8 {
		o := i - 8 // d[o+t] is byte t of the word; o < 0: padding with '0'
		var w uint64
		if o >= 0 {
			w = binary.LittleEndian.Uint64(d[o:i])
		} else {
			w = binary.LittleEndian.Uint64(d[:8])<<(8*-o) | zeros8>>(8*i)
		}
		v := w - zeros8
		dbl := v & even
		ge5 := (dbl + 0x007B007B007B007B) >> 7 & 0x0001000100010001
		l := v + dbl - 9*ge5
		// The bytes t with a ≤ o+t < b.
		m := ^uint64(0) >> (8 * (8 - min(max(b-o, 0), 8))) &^ (^uint64(0) >> (8 * (8 - min(max(a-o, 0), 8))))
		v &= m
		accL += l&even + l>>8&even
		accD += v&even + v>>8&even
	}
	return uint(accL * 0x0001000100010001 >> 48), uint(accD * 0x0001000100010001 >> 48)
}

// IBAN check arithmetic (ISO 13616, ISO 7064 MOD 97-10) on the characters
// of ibanAlphabet: the IBAN with its first four characters moved to the end,
// letters replaced by 10 to 35, read as a decimal number, is 1 mod 97.

// mod97 returns the remainder mod 97 of r followed by the decimal digits of
// the characters of s.
func mod97(r int, s []byte) int {
	for _, c := range s {
		if c <= '9' {
			r = (r*10 + int(c-'0')) % 97
		} else {
			r = (r*100 + int(c-'A') + 10) % 97
		}
	}
	return r
}

// ibanCheckDigits returns the check digits (2 to 98) that make the IBAN d
// pass the check, whatever d[2:4] holds.
func ibanCheckDigits(d []byte) int {
	base := mod97(mod97(0, d[4:]), d[:2])
	return 98 - base*100%97
}

// ibanValid reports whether the IBAN d has letters for a country code and
// the check digits that ISO 7064 computes: two digits from 02 to 98 with
// which d passes the check.
func ibanValid(d []byte) bool {
	return isUpper(d[0]) && isUpper(d[1]) && isDigit(d[2]) && isDigit(d[3]) &&
		int(d[2]-'0')*10+int(d[3]-'0') == ibanCheckDigits(d)
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// ibanSetToken sets the check digits d[2:4] of a token so that the check
// fails: the passing residue p is 1 - 100·(rest) mod 97, and the digits are
// p + 1 + (sum of the tokenized characters' values d[a:b]) mod 96, mod 97 —
// never p, and varying with the tokenized characters so that tokens do not
// all share one pair. Detokenizing recomputes them.
func ibanSetToken(d []byte, a, b int) {
	p := ibanCheckDigits(d) % 97
	s := 0
	for _, c := range d[a:b] {
		if c <= '9' {
			s += int(c - '0')
		} else {
			s += int(c-'A') + 10
		}
	}
	v := (p + 1 + s%96) % 97
	d[2], d[3] = '0'+byte(v/10), '0'+byte(v%10)
}

// ibanSetValid sets the check digits d[2:4] that make d pass the check.
func ibanSetValid(d []byte) {
	v := ibanCheckDigits(d)
	d[2], d[3] = '0'+byte(v/10), '0'+byte(v%10)
}
