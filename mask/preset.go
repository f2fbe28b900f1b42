package mask

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Email masks an e-mail address with the defaults of [EmailRule]:
// john.doe@example.com becomes j***@example.com.
func Email(s string) string { return EmailRule{}.Mask(s) }

// Phone masks a phone number with the defaults of [PhoneRule]:
// +1 415-555-0132 becomes +* ***-***-0132.
func Phone(s string) string { return PhoneRule{}.Mask(s) }

// PAN masks a payment card number with the defaults of [PANRule]:
// 4242 4242 4242 4242 becomes **** **** **** 4242.
func PAN(s string) string { return PANRule{}.Mask(s) }

// IBAN masks an international bank account number with [IBANRule]:
// DE89 3704 0044 0532 0130 00 becomes DE** **** **** **** **30 00.
func IBAN(s string) string { return IBANRule{}.Mask(s) }

// NationalID masks a national identifier such as a US social security number
// with [NationalIDRule]: 536-90-4399 becomes ***-**-4399.
func NationalID(s string) string { return NationalIDRule{}.Mask(s) }

// Name masks a person's name to its initials with [NameRule]:
// John Ronald Tolkien becomes J. R. T.
func Name(s string) string { return NameRule{}.Mask(s) }

// IP masks an IPv4 or IPv6 address by zeroing its host part with the defaults
// of [IPRule]: 192.0.2.77 becomes 192.0.2.0 and 2001:db8:85a3::8a2e:370:7334
// becomes 2001:db8:85a3::.
func IP(s string) string { return IPRule{}.Mask(s) }

// URL hides the password, the query values and the fragment of a URL with
// [URLRule]: https://bob:pw@example.com/a?token=abc becomes
// https://bob:****@example.com/a?token=****.
func URL(s string) string { return URLRule{}.Mask(s) }

// Credential masks a secret such as an API key or a JWT to a short prefix
// with the defaults of [CredentialRule]: sk_live_4eC39HqLyjWDarjtT1zdp7dc
// becomes sk_l****.
func Credential(s string) string { return CredentialRule{}.Mask(s) }

// EmailRule masks e-mail addresses. The local part keeps its first character
// when it has at least three, followed by a fixed "***" that hides its
// length; the domain is kept unless HideDomain is set, in which case only its
// top-level label is kept: j***@***.com.
//
// The address is split at its last '@'. The domain must be a host name
// (letters, digits, '-' and '.', including non-ASCII letters); anything else,
// such as an address literal, fails closed.
type EmailRule struct {
	HideDomain bool // hide the domain except its top-level label
}

// Mask returns the masked address.
func (r EmailRule) Mask(s string) string {
	at, shown, ok := emailLayout(s)
	if !ok {
		return failOrEmpty(s)
	}
	if r.HideDomain {
		var buf [stackBuf]byte
		return string(r.Append(buf[:0], s))
	}
	b := make([]byte, 0, shown+4+len(s)-at-1)
	b = append(b, s[:shown]...)
	b = append(b, "***@"...)
	return bytesToString(append(b, s[at+1:]...))
}

// Append appends the masked address to dst.
func (r EmailRule) Append(dst []byte, s string) []byte {
	at, shown, ok := emailLayout(s)
	if !ok {
		return append(dst, failOrEmpty(s)...)
	}
	domain := s[at+1:]
	dst = append(dst, s[:shown]...)
	dst = append(dst, "***@"...)
	if !r.HideDomain {
		return append(dst, domain...)
	}
	dst = append(dst, "***"...)
	if dot := strings.LastIndexByte(domain, '.'); dot >= 0 && dot < len(domain)-1 {
		dst = append(dst, domain[dot:]...)
	}
	return dst
}

// emailLayout validates s and returns the index of its last '@' and the
// number of bytes of the local part to show.
func emailLayout(s string) (at, shown int, ok bool) {
	at = strings.LastIndexByte(s, '@')
	// validLocal and validDomain reject invalid UTF-8.
	if at <= 0 || at == len(s)-1 || !validLocal(s[:at]) || !validDomain(s[at+1:]) {
		return 0, 0, false
	}
	local := s[:at]
	if _, size := utf8.DecodeRuneInString(local); size < len(local) {
		if _, size2 := utf8.DecodeRuneInString(local[size:]); size+size2 < len(local) {
			shown = size // three characters or more
		}
	}
	return at, shown, true
}

// validLocal accepts a local part without control characters, and with
// spaces only inside a quoted local part ("john doe").
func validLocal(local string) bool {
	quoted := len(local) >= 2 && local[0] == '"' && local[len(local)-1] == '"'
	for i := 0; i < len(local); i++ {
		c := local[i]
		if c < ' ' || c == 0x7f || c == ' ' && !quoted {
			return false
		}
		if c >= utf8.RuneSelf {
			// Not ASCII: the whole address is valid UTF-8 already.
			r, size := utf8.DecodeRuneInString(local[i:])
			if r == utf8.RuneError && size == 1 || unicode.IsSpace(r) || unicode.IsControl(r) {
				return false
			}
			i += size - 1
		}
	}
	return true
}

func validDomain(d string) bool {
	if d == "" || d[0] == '.' || d[0] == '-' {
		return false
	}
	for _, r := range d {
		switch {
		case r == '.' || r == '-':
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'):
		case r >= utf8.RuneSelf && r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)):
		default:
			return false
		}
	}
	return true
}

// PhoneRule masks phone numbers: every digit is masked except the last
// KeepLast (4 when zero or negative), and never more than half of the digits
// are shown. A leading '+' and the separators space, '-', '.', '/', '(' and
// ')' are kept. Input with any other character, or with fewer than three
// digits, fails closed.
type PhoneRule struct {
	KeepLast int // digits kept at the end; zero means 4
}

// Mask returns the masked phone number.
func (r PhoneRule) Mask(s string) string {
	keep, n, ok := r.layout(s)
	if !ok {
		return failOrEmpty(s)
	}
	return bytesToString(appendKeepASCII(make([]byte, 0, len(s)), s, &phoneOut, 0, keep, n))
}

// Append appends the masked phone number to dst.
func (r PhoneRule) Append(dst []byte, s string) []byte {
	keep, n, ok := r.layout(s)
	if !ok {
		return append(dst, failOrEmpty(s)...)
	}
	return appendKeepASCII(dst, s, &phoneOut, 0, keep, n)
}

// layout validates s and returns how many of its n digits to keep.
func (r PhoneRule) layout(s string) (keep, n int, ok bool) {
	body := s
	if body != "" && body[0] == '+' {
		body = body[1:]
	}
	n = countDigits(body, &phoneSeps)
	if n < 3 {
		return 0, 0, false
	}
	keep = r.KeepLast
	if keep <= 0 {
		keep = 4
	}
	return min(keep, n/2), n, true
}

// countDigits returns the number of ASCII digits in s, or -1 when s holds a
// character that is neither a digit nor in seps.
func countDigits(s string, seps *charSet) int {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			n++
		case c < utf8.RuneSelf && seps.hasByte(c):
		default:
			return -1
		}
	}
	return n
}

// PANRule masks payment card numbers (primary account numbers) following
// PCI DSS requirement 3.4.1: no more than the BIN (the first 6 or 8 digits,
// shown only when BIN is 6 or 8) and the last four digits are shown, and at
// least four digits are always hidden whatever the length: for a short
// number the BIN is shortened first, then the last digits. Spaces and '-'
// are kept. Input with any other character fails closed. The Luhn check digit
// is not verified: masking is not validation.
//
// Showing an 8-digit BIN is allowed by PCI DSS only where the card brand
// permits it; the default shows no BIN.
type PANRule struct {
	BIN int // leading digits shown: 0 (none, the default), 6 or 8
}

// Validate reports whether BIN is 0, 6 or 8.
func (r PANRule) Validate() error {
	if r.BIN != 0 && r.BIN != 6 && r.BIN != 8 {
		return fmt.Errorf("%w: pan: BIN length %d is not 0, 6 or 8", ErrInvalidRule, r.BIN)
	}
	return nil
}

// Mask returns the masked card number.
func (r PANRule) Mask(s string) string {
	first, last, n, ok := r.layout(s)
	if !ok {
		return failOrEmpty(s)
	}
	return bytesToString(appendKeepASCII(make([]byte, 0, len(s)), s, &panSeps, first, last, n))
}

// PANMinHidden is the number of digits [PANRule] always hides.
const PANMinHidden = 4

// Append appends the masked card number to dst. An invalid BIN setting shows
// no BIN.
func (r PANRule) Append(dst []byte, s string) []byte {
	first, last, n, ok := r.layout(s)
	if !ok {
		return append(dst, failOrEmpty(s)...)
	}
	return appendKeepASCII(dst, s, &panSeps, first, last, n)
}

func (r PANRule) layout(s string) (first, last, n int, ok bool) {
	n = countDigits(s, &panSeps)
	if n < 1 {
		return 0, 0, 0, false
	}
	bin := r.BIN
	if bin != 6 && bin != 8 {
		bin = 0
	}
	first, last = shrinkKept(n, bin, 4, PANMinHidden)
	return first, last, n, true
}

// IBANRule masks international bank account numbers (ISO 13616): the
// country code and the last four characters are kept, the check digits and
// everything else are masked, and the separators space, '-' and '.' are kept. The input must
// have the shape of an IBAN (two letters, two digits, 15 to 34 letters and
// digits in all) or it fails closed. The mod-97 checksum is not verified.
type IBANRule struct{}

// Mask returns the masked IBAN.
func (r IBANRule) Mask(s string) string {
	if s == "" {
		return ""
	}
	b, ok := appendIBAN(make([]byte, 0, len(s)), s)
	if !ok {
		return failed
	}
	return bytesToString(b)
}

// Append appends the masked IBAN to dst.
func (IBANRule) Append(dst []byte, s string) []byte {
	if s == "" {
		return dst
	}
	out, ok := appendIBAN(dst, s)
	if !ok {
		return append(dst, failed...)
	}
	return out
}

// appendIBAN checks the shape of an IBAN while it writes it masked, in one
// pass, then puts back its last four characters. On failure the returned
// slice holds garbage after len(dst).
func appendIBAN(dst []byte, s string) ([]byte, bool) {
	start := len(dst)
	dst = slices.Grow(dst, len(s))[:start+len(s)]
	out := dst[start:]
	n := 0
	for i := 0; i < len(s) && i < len(out); i++ {
		c := s[i]
		switch {
		case isASCIILetter(c):
			if n == 2 || n == 3 {
				return dst, false
			}
			if n < 2 {
				out[i] = c
			} else {
				out[i] = DefaultChar
			}
			n++
		case c >= '0' && c <= '9':
			if n < 2 {
				return dst, false
			}
			out[i] = DefaultChar
			n++
		case c == ' ' || c == '-' || c == '.':
			out[i] = c
		default:
			return dst, false
		}
	}
	if n < 15 || n > 34 {
		return dst, false
	}
	for i, k := len(s)-1, 0; k < 4 && i >= 0; i-- {
		if out[i] == DefaultChar {
			out[i] = s[i]
			k++
		}
	}
	return dst, true
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// NationalIDRule masks national identifiers such as US social security
// numbers: letters and digits are masked except the last four, never showing
// more than half of them, and the separators space, '-', '.' and '/' are
// kept. Input with any other character fails closed.
type NationalIDRule struct{}

// Mask returns the masked identifier.
func (r NationalIDRule) Mask(s string) string {
	n := idLayout(s)
	if n < 1 {
		return failOrEmpty(s)
	}
	return bytesToString(appendKeepASCII(make([]byte, 0, len(s)), s, &idSeps, 0, min(4, n/2), n))
}

// Append appends the masked identifier to dst.
func (NationalIDRule) Append(dst []byte, s string) []byte {
	n := idLayout(s)
	if n < 1 {
		return append(dst, failOrEmpty(s)...)
	}
	return appendKeepASCII(dst, s, &idSeps, 0, min(4, n/2), n)
}

// idLayout counts the letters and digits of s, or returns -1 when s holds
// anything but them and the separators.
func idLayout(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isASCIILetter(c) || c >= '0' && c <= '9':
			n++
		case c == ' ' || c == '-' || c == '.' || c == '/':
		default:
			return -1
		}
	}
	return n
}

// NameRule masks a person's name to the initials of its words, each followed
// by a '.': Мария Иванова becomes М. И. and 山田 太郎 becomes 山. 太. A word's
// initial is its first letter; a word with no letter, or a name of more than
// eight words (more likely free text than a name), fails closed.
type NameRule struct{}

// maxNameWords bounds how many initials NameRule shows.
const maxNameWords = 8

// Mask returns the initials.
func (r NameRule) Mask(s string) string {
	var ini initials
	if !ini.scan(s) {
		return failOrEmpty(s)
	}
	return bytesToString(ini.append(make([]byte, 0, ini.size), s))
}

// Append appends the initials to dst.
func (NameRule) Append(dst []byte, s string) []byte {
	var ini initials
	if !ini.scan(s) {
		return append(dst, failOrEmpty(s)...)
	}
	return ini.append(dst, s)
}

// initials records where the initials of a name are.
type initials struct {
	n    int
	at   [maxNameWords]int32 // byte offset of each initial
	len  [maxNameWords]int8  // its length in bytes
	size int                 // output length in bytes
}

// scan finds the initial of each word of s, and reports false when s is
// empty or not valid UTF-8, has more than maxNameWords words, or a word
// without a letter.
func (ini *initials) scan(s string) bool {
	inWord, found := false, false
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return false
			}
		}
		if isSpace(r) {
			if inWord && !found {
				return false
			}
			inWord = false
		} else {
			if !inWord {
				if ini.n == maxNameWords {
					return false
				}
				inWord, found = true, false
			}
			if !found && isLetter(r) {
				found = true
				ini.at[ini.n], ini.len[ini.n] = int32(i), int8(size)
				ini.n++
				ini.size += size + 2 // "X. "
			}
		}
		i += size
	}
	if ini.n == 0 || inWord && !found {
		return false
	}
	ini.size-- // no space after the last one
	return true
}

func (ini *initials) append(dst []byte, s string) []byte {
	for k := range ini.n {
		if k > 0 {
			dst = append(dst, ' ')
		}
		at := int(ini.at[k])
		dst = append(dst, s[at:at+int(ini.len[k])]...)
		dst = append(dst, '.')
	}
	return dst
}

func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || r >= '\t' && r <= '\r'
	}
	return unicode.IsSpace(r)
}

func isLetter(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	return unicode.IsLetter(r)
}

// IPRule masks IP addresses by zeroing their host part: an IPv4 address
// keeps its first V4Bits bits (24 when zero) and an IPv6 address its first
// V6Bits bits (48 when zero). An IPv4-mapped IPv6 address is masked as IPv4.
// A zone is dropped; a port (192.0.2.1:443, [2001:db8::1]:443) is kept.
// Anything else fails closed.
type IPRule struct {
	V4Bits int // IPv4 prefix kept, 1 to 24; zero means 24
	V6Bits int // IPv6 prefix kept, 1 to 64; zero means 48
}

// Validate reports whether the prefix lengths hide at least 8 bits of an
// IPv4 and 64 bits of an IPv6 address.
func (r IPRule) Validate() error {
	if r.V4Bits < 0 || r.V4Bits > 24 {
		return fmt.Errorf("%w: ip: IPv4 prefix length %d outside 1..24", ErrInvalidRule, r.V4Bits)
	}
	if r.V6Bits < 0 || r.V6Bits > 64 {
		return fmt.Errorf("%w: ip: IPv6 prefix length %d outside 1..64", ErrInvalidRule, r.V6Bits)
	}
	return nil
}

func (r IPRule) bits() (int, int) {
	v4, v6 := r.V4Bits, r.V6Bits
	if v4 <= 0 || v4 > 24 {
		v4 = 24
	}
	if v6 <= 0 || v6 > 64 {
		v6 = 48
	}
	return v4, v6
}

// Mask returns the masked address.
func (r IPRule) Mask(s string) string {
	if s == "" {
		return ""
	}
	if (r.V4Bits <= 0 || r.V4Bits == 24) && len(s) <= 15 {
		if addr, err := netip.ParseAddr(s); err == nil && addr.Is4() {
			return s[:strings.LastIndexByte(s, '.')+1] + "0"
		}
	}
	var buf [stackBuf]byte
	return string(r.Append(buf[:0], s))
}

// Append appends the masked address to dst.
func (r IPRule) Append(dst []byte, s string) []byte {
	if s == "" {
		return dst
	}
	addr, err := netip.ParseAddr(s)
	if err == nil {
		if addr.Is4() && r.V4Bits <= 0 || r.V4Bits == 24 && addr.Is4() {
			// netip accepts only canonical dotted decimal, so the masked
			// address is the input with its last octet replaced.
			dst = append(dst, s[:strings.LastIndexByte(s, '.')+1]...)
			return append(dst, '0')
		}
		return r.appendAddr(dst, addr)
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return append(dst, failed...)
	}
	addr = r.maskAddr(ap.Addr())
	return netip.AddrPortFrom(addr, ap.Port()).AppendTo(dst)
}

func (r IPRule) appendAddr(dst []byte, addr netip.Addr) []byte {
	return r.maskAddr(addr).AppendTo(dst)
}

func (r IPRule) maskAddr(addr netip.Addr) netip.Addr {
	v4, v6 := r.bits()
	addr = addr.WithZone("")
	bits := v6
	switch {
	case addr.Is4():
		bits = v4
	case addr.Is4In6():
		bits = 96 + v4
	}
	p, err := addr.Prefix(bits)
	if err != nil {
		// Unreachable for a parsed address without zone; fail closed anyway.
		return netip.IPv6Unspecified()
	}
	return p.Addr()
}

// CredentialRule masks secrets such as API keys, passwords and JWTs to a
// short prefix followed by a fixed "****" that hides their length. The prefix
// is Prefix characters (4 when zero or negative) but never more than a
// quarter of the secret, so a short secret shows nothing.
type CredentialRule struct {
	Prefix int // characters shown at the start; zero means 4
}

// Mask returns the masked secret.
func (r CredentialRule) Mask(s string) string {
	i, ok := r.prefix(s)
	if !ok {
		return failOrEmpty(s)
	}
	if i == 0 {
		return failed
	}
	return s[:i] + failed
}

// Append appends the masked secret to dst.
func (r CredentialRule) Append(dst []byte, s string) []byte {
	i, ok := r.prefix(s)
	if !ok {
		return append(dst, failOrEmpty(s)...)
	}
	dst = append(dst, s[:i]...)
	return append(dst, failed...)
}

// prefix returns the length in bytes of the prefix of s to show.
func (r CredentialRule) prefix(s string) (int, bool) {
	if s == "" || !utf8.ValidString(s) {
		return 0, false
	}
	p := r.Prefix
	if p <= 0 {
		p = 4
	}
	p = min(p, utf8.RuneCountInString(s)/4)
	i := 0
	for ; p > 0; p-- {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r < ' ' || r == 0x7f {
			break
		}
		i += size
	}
	return i, true
}

// Separators the presets copy unchanged. Read only.
var (
	phoneSeps = newCharSet(" -./()")
	phoneOut  = newCharSet(" -./()+") // a '+' is only accepted first
	panSeps   = newCharSet(" -")
	idSeps    = newCharSet(" -./")
)

// failOrEmpty is the output for input that did not parse: nothing for the
// empty string, the fixed fail-closed text otherwise.
func failOrEmpty(s string) string {
	if s == "" {
		return ""
	}
	return failed
}

// bytesToString returns b as a string without copying. b must not be used
// again; the Mask methods call it on a buffer they allocated themselves.
func bytesToString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// appendKeepASCII appends s, which holds only maskable ASCII characters and
// characters of seps, with its n maskable characters masked except the first
// first and last last of them. The output has the length of s.
func appendKeepASCII(dst []byte, s string, seps *charSet, first, last, n int) []byte {
	start := len(dst)
	dst = slices.Grow(dst, len(s))[:start+len(s)]
	out := dst[start:]
	hideTo := n - last
	i := 0
	for j := 0; j < len(s) && j < len(out); j++ {
		c := s[j]
		switch {
		case seps.hasByte(c):
			out[j] = c
			continue
		case i >= first && i < hideTo:
			out[j] = DefaultChar
		default:
			out[j] = c
		}
		i++
	}
	return dst
}
