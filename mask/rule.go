package mask

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Redacted is the text that [Redact] with an empty text and [Secret] print in
// place of a value.
const Redacted = "[REDACTED]"

// failed is what a preset returns for non-empty input it cannot parse. It is
// fixed, so it reveals neither the input nor its length.
const failed = "****"

// MaxFixedLength is the largest FixedLength that [Partial.Validate] accepts.
const MaxFixedLength = 4096

// DefaultChar is the mask character used when none is configured.
const DefaultChar = '*'

// stackBuf is the size of the on-stack buffer the Mask methods build their
// result in; longer results cost one more allocation.
const stackBuf = 128

// Errors returned by this package. Match them with [errors.Is].
var (
	// ErrUnknownRule means a rule name is not in the registry.
	ErrUnknownRule = errors.New("mask: unknown rule")
	// ErrInvalidRule means a rule, its configuration or its name is invalid.
	ErrInvalidRule = errors.New("mask: invalid rule")
	// ErrUnsupported means a value or type cannot be masked as asked, for
	// example a rule on an int field or a non-struct value given to a Masker.
	ErrUnsupported = errors.New("mask: unsupported value")
)

// A Rule masks one string. Implementations must be safe for concurrent use,
// must never panic, and must never copy bytes of invalid UTF-8 to their
// output.
type Rule interface {
	// Mask returns the masked form of s.
	Mask(s string) string
	// Append appends the masked form of s to dst and returns the extended
	// buffer. It is the allocation-free form of Mask.
	Append(dst []byte, s string) []byte
}

// Redact is a rule that replaces every value with its own text, so the
// output carries nothing of the input, not even its length. The empty Redact
// writes [Redacted].
type Redact string

func (r Redact) text() string {
	if r == "" {
		return Redacted
	}
	return string(r)
}

// Mask returns the redaction text, whatever s is.
func (r Redact) Mask(string) string { return r.text() }

// Append appends the redaction text to dst.
func (r Redact) Append(dst []byte, _ string) []byte { return append(dst, r.text()...) }

// Label is a rule that replaces every value with a type label in angle
// brackets: Label("EMAIL") writes <EMAIL>. The empty Label writes <REDACTED>.
type Label string

// Mask returns the label, whatever s is.
func (l Label) Mask(s string) string {
	if l == "" {
		return "<REDACTED>"
	}
	var buf [stackBuf]byte
	return string(l.Append(buf[:0], s))
}

// Append appends the label to dst.
func (l Label) Append(dst []byte, _ string) []byte {
	name := string(l)
	if name == "" {
		name = "REDACTED"
	}
	dst = append(dst, '<')
	dst = append(dst, name...)
	return append(dst, '>')
}

// Partial is a rule that masks characters one for one, keeping the first
// KeepFirst and the last KeepLast of them.
//
// Characters listed in Ignore are copied unchanged and do not count as kept
// or masked characters, so Partial{KeepLast: 4, Ignore: "-"} turns
// 1234-5678-9012-3456 into ****-****-****-3456. At least MinHidden
// characters (half of them, rounded up, when MinHidden is zero or negative)
// are always masked: when the value is too short, fewer characters are kept,
// the first ones before the last ones. So Partial never shows a whole value.
//
// When FixedLength is positive the output is always exactly FixedLength
// characters, which hides the original length: the kept characters with mask
// characters between them. Ignore does not apply then.
//
// The zero Partial masks every character with [DefaultChar] and preserves the
// length. A byte of invalid UTF-8 counts as one character and is always
// written as a mask character, even where a character would be kept.
type Partial struct {
	KeepFirst   int    // characters kept at the start
	KeepLast    int    // characters kept at the end
	Char        rune   // mask character; zero or invalid means DefaultChar
	Ignore      string // characters copied as they are, for example " -()+."
	MinHidden   int    // characters always masked; zero means half, rounded up
	FixedLength int    // when positive, the exact output length in characters
}

// Validate reports whether the configuration is meaningful. Mask never fails
// on an invalid configuration: negative counts act as zero, counts above the
// length of the value as its length, a FixedLength above [MaxFixedLength] as
// MaxFixedLength and an invalid mask character as DefaultChar, so an invalid
// Partial hides more, never less.
func (p Partial) Validate() error {
	switch {
	case p.KeepFirst < 0 || p.KeepLast < 0 || p.MinHidden < 0 || p.FixedLength < 0:
		return fmt.Errorf("%w: partial: negative count", ErrInvalidRule)
	case p.FixedLength > MaxFixedLength:
		return fmt.Errorf("%w: partial: fixed length %d above %d", ErrInvalidRule, p.FixedLength, MaxFixedLength)
	case p.Char != 0 && !validMaskChar(p.Char):
		return fmt.Errorf("%w: partial: mask character U+%04X is not a printable character", ErrInvalidRule, p.Char)
	case !utf8.ValidString(p.Ignore):
		return fmt.Errorf("%w: partial: ignore set is not valid UTF-8", ErrInvalidRule)
	case p.Char != 0 && strings.ContainsRune(p.Ignore, p.Char):
		return fmt.Errorf("%w: partial: mask character is in the ignore set", ErrInvalidRule)
	}
	return nil
}

// Mask returns s with its characters masked as configured.
func (p Partial) Mask(s string) string {
	if s == "" {
		return ""
	}
	if c := maskChar(p.Char); p.FixedLength <= 0 && c < utf8.RuneSelf {
		if p.KeepFirst <= 0 && p.KeepLast <= 0 && p.Ignore == "" {
			// Everything masked: one mask character per character.
			b := make([]byte, utf8.RuneCountInString(s))
			for i := range b {
				b[i] = byte(c)
			}
			return bytesToString(b)
		}
		// One output byte per input byte at most.
		return bytesToString(p.Append(make([]byte, 0, len(s)), s))
	}
	var buf [stackBuf]byte
	return string(p.Append(buf[:0], s))
}

// Append appends the masked form of s to dst.
func (p Partial) Append(dst []byte, s string) []byte {
	char := maskChar(p.Char)
	first, last := max(p.KeepFirst, 0), max(p.KeepLast, 0)
	if p.FixedLength > 0 {
		return appendFixed(dst, s, first, last, p.MinHidden, min(p.FixedLength, MaxFixedLength), char)
	}
	var set charSet
	n := 0
	if p.Ignore == "" {
		n = utf8.RuneCountInString(s)
	} else {
		set = newCharSet(p.Ignore)
		n = countMaskable(s, &set)
	}
	first, last = shrinkKept(n, first, last, minHidden(n, p.MinHidden))
	return appendKeep(dst, s, &set, first, last, n, char)
}

// minHidden returns how many of n characters must stay hidden: min when it
// is positive, else half of n rounded up.
func minHidden(n, min int) int {
	if min <= 0 {
		return (n + 1) / 2
	}
	return min
}

// shrinkKept reduces the kept counts, first then last, until at least hidden
// of the n characters are masked. Counts beyond n are cut to n first, so
// that no sum of them overflows.
func shrinkKept(n, first, last, hidden int) (int, int) {
	if hidden > n {
		return 0, 0
	}
	first, last = min(max(first, 0), n), min(max(last, 0), n)
	if excess := first + last + hidden - n; excess > 0 {
		d := min(excess, first)
		first -= d
		last -= excess - d
	}
	return first, last
}

func validMaskChar(r rune) bool {
	return utf8.ValidRune(r) && r != utf8.RuneError && r > ' ' && r != 0x7f
}

func maskChar(r rune) rune {
	if r == 0 || !validMaskChar(r) {
		return DefaultChar
	}
	return r
}

// A charSet is a set of characters to copy unchanged: a bitmap for ASCII
// and the string itself for the others.
type charSet struct {
	ascii [2]uint64
	wide  string // the set's characters, when some are not ASCII
}

func newCharSet(chars string) charSet {
	var cs charSet
	for i := 0; i < len(chars); i++ {
		if c := chars[i]; c < utf8.RuneSelf {
			cs.ascii[c>>6] |= 1 << (c & 63)
		} else {
			cs.wide = chars
		}
	}
	return cs
}

func (cs *charSet) hasByte(c byte) bool { return cs.ascii[c>>6&1]&(1<<(c&63)) != 0 }

// hasRune reports whether the valid non-ASCII rune r is in the set.
func (cs *charSet) hasRune(r rune) bool { return cs.wide != "" && strings.ContainsRune(cs.wide, r) }

// countMaskable counts the characters of s that are not in set. Each byte
// of invalid UTF-8 counts as one maskable character.
func countMaskable(s string, set *charSet) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if !set.hasByte(c) {
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || !set.hasRune(r) {
			n++
		}
		i += size
	}
	return n
}

// appendKeep appends s with its n maskable characters masked except the
// first first and last last of them; characters in set are copied.
func appendKeep(dst []byte, s string, set *charSet, first, last, n int, char rune) []byte {
	if char >= utf8.RuneSelf {
		return appendKeepWide(dst, s, set, first, last, n, char)
	}
	// With an ASCII mask character the output is at most len(s) bytes:
	// write it in place, without an append per character.
	start := len(dst)
	dst = slices.Grow(dst, len(s))
	out := dst[start : start+len(s)]
	mc := byte(char)
	hideTo := n - last
	w, i := 0, 0 // bytes written, index among maskable characters
	for j := 0; j < len(s); {
		c := s[j]
		if c < utf8.RuneSelf {
			switch {
			case set.hasByte(c):
				out[w] = c
			case i >= first && i < hideTo:
				out[w] = mc
				i++
			default:
				out[w] = c
				i++
			}
			w++
			j++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[j:])
		invalid := r == utf8.RuneError && size == 1
		switch {
		case !invalid && set.hasRune(r):
			w += copy(out[w:], s[j:j+size])
		case !invalid && (i < first || i >= hideTo):
			w += copy(out[w:], s[j:j+size])
			i++
		default:
			out[w] = mc
			w++
			i++
		}
		j += size
	}
	return dst[:start+w]
}

func appendKeepWide(dst []byte, s string, set *charSet, first, last, n int, char rune) []byte {
	i := 0 // index among maskable characters
	for j := 0; j < len(s); {
		r, size := utf8.DecodeRuneInString(s[j:])
		invalid := r == utf8.RuneError && size == 1
		ignored := !invalid && (r < utf8.RuneSelf && set.hasByte(byte(r)) || r >= utf8.RuneSelf && set.hasRune(r))
		switch {
		case ignored:
			dst = append(dst, s[j:j+size]...)
		case !invalid && (i < first || i >= n-last):
			dst = append(dst, s[j:j+size]...)
			i++
		default:
			dst = appendChar(dst, char)
			i++
		}
		j += size
	}
	return dst
}

// appendFixed appends exactly length characters: the kept start and end of s
// with mask characters between them.
func appendFixed(dst []byte, s string, first, last, hidden, length int, char rune) []byte {
	if s == "" {
		return dst
	}
	n := utf8.RuneCountInString(s)
	first, last = shrinkKept(n, first, last, minHidden(n, hidden))
	// At least one mask character, so the output never reads as a whole value.
	first, last = shrinkKept(length, first, last, 1)
	i := 0
	for j := 0; j < len(s) && i < first; i++ {
		r, size := utf8.DecodeRuneInString(s[j:])
		dst = appendRuneOrChar(dst, s[j:j+size], r, size, char)
		j += size
	}
	dst = appendChars(dst, char, length-first-last)
	if last > 0 {
		// Find the byte offset of the last 'last' characters.
		j := len(s)
		for k := 0; k < last; k++ {
			_, size := utf8.DecodeLastRuneInString(s[:j])
			j -= size
		}
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			dst = appendRuneOrChar(dst, s[j:j+size], r, size, char)
			j += size
		}
	}
	return dst
}

func appendRuneOrChar(dst []byte, enc string, r rune, size int, char rune) []byte {
	if r == utf8.RuneError && size == 1 {
		return appendChar(dst, char)
	}
	return append(dst, enc...)
}

func appendChar(dst []byte, char rune) []byte {
	if char < utf8.RuneSelf {
		return append(dst, byte(char))
	}
	return utf8.AppendRune(dst, char)
}

func appendChars(dst []byte, char rune, n int) []byte {
	for ; n > 0; n-- {
		dst = appendChar(dst, char)
	}
	return dst
}
