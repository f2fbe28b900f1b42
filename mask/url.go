package mask

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// URLRule masks URLs: the password in the userinfo, every query value and
// the fragment become "****"; the scheme, user name, host, port, path and
// query keys are kept. A userinfo without a password is masked whole, since
// tokens are often passed as a user name. A query part without '=' is masked
// whole. The input must be an absolute URL with an authority
// (scheme://...), a scheme-relative one (//host/...) or an absolute path
// (/path?query); anything else, invalid UTF-8, or any space or control
// character fails closed.
type URLRule struct{}

// Mask returns the masked URL.
func (URLRule) Mask(s string) string {
	if len(s) <= urlStackMax {
		var buf [urlStackBuf]byte
		b, ok := appendURL(buf[:0], s)
		if !ok {
			return failOrEmpty(s)
		}
		return string(b)
	}
	// Each hidden part becomes "****": at most four bytes more for the
	// userinfo, three for the fragment and for each query part.
	size := len(s) + 10 + 3*(strings.Count(s, "&")+strings.Count(s, ";"))
	b, ok := appendURL(make([]byte, 0, size), s)
	if !ok {
		return failed
	}
	return bytesToString(b)
}

// Append appends the masked URL to dst.
func (URLRule) Append(dst []byte, s string) []byte {
	out, ok := appendURL(dst, s)
	if !ok {
		// Leave no part of s in dst's spare capacity.
		clear(dst[len(dst):min(len(out), cap(dst))])
		return append(dst, failOrEmpty(s)...)
	}
	return out
}

// A URL of up to urlStackMax bytes is masked in a buffer of urlStackBuf
// bytes on the stack, then copied to a string of its exact size. Every
// hidden part after the first takes at least two bytes of the input (the
// part and the '&', ';' or '#' before it) and adds at most three, so the
// masked URL is at most 2.5 times as long as the input plus four.
const (
	urlStackMax = 128
	urlStackBuf = urlStackMax*5/2 + 4
)

// URL bytes by what the parser must do with them. A byte of class 0 is
// copied as it is wherever it appears.
const (
	uInvalid = 1 << iota // ASCII space and control characters, DEL
	uHigh                // not ASCII: checked as UTF-8 text at the end
	uAuth                // ends or splits the authority: / ? # @ :
	uPath                // ends the path: ? #
	uQuery               // splits the query: # & ; =
	uScheme              // may follow the first letter of a scheme
)

// urlClass maps every byte to its uXxx bits. Read only.
var urlClass = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case c <= ' ' || c == 0x7f:
			t[c] = uInvalid
		case c >= utf8.RuneSelf:
			t[c] = uHigh
		case isASCIILetter(byte(c)) || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.':
			t[c] = uScheme
		}
	}
	for _, c := range "/?#@:" {
		t[c] |= uAuth
	}
	for _, c := range "?#" {
		t[c] |= uPath
	}
	for _, c := range "#&;=" {
		t[c] |= uQuery
	}
	return t
}()

// appendURL validates s and appends it masked to dst, in one pass. It
// reports false, having appended something unspecified, for the empty
// string and for anything the rule does not accept.
func appendURL(dst []byte, s string) ([]byte, bool) {
	if s == "" {
		return dst, false
	}
	high := false // whether s is not ASCII
	prev := 0     // s[prev:i] is to be copied as it is
	i := 0
	authority := true
	switch {
	case len(s) >= 8 && s[:8] == "https://":
		i = 8
	case len(s) >= 7 && s[:7] == "http://":
		i = 7
	case s[0] == '/':
		// "//" and an authority, or an absolute path.
		if authority = len(s) > 1 && s[1] == '/'; authority {
			i = 2
		}
	default:
		if !isASCIILetter(s[0]) {
			return dst, false
		}
		for i < len(s) && urlClass[s[i]]&uScheme != 0 {
			i++
		}
		if len(s)-i < 3 || s[i] != ':' || s[i+1] != '/' || s[i+2] != '/' {
			return dst, false
		}
		i += 3
	}
	if authority {
		user, colon, at := i, -1, -1
	auth:
		for ; i < len(s); i++ {
			for uint(i) < uint(len(s)) && urlClass[s[i]]&(uInvalid|uHigh|uAuth) == 0 {
				i++
			}
			if i == len(s) {
				break
			}
			switch c := s[i]; c {
			case '@':
				at = i
			case ':':
				if colon < 0 {
					colon = i
				}
			case '/', '?', '#':
				break auth
			default:
				if urlClass[c]&uInvalid != 0 {
					return dst, false
				}
				high = true
			}
		}
		if at >= 0 {
			// The userinfo is s[user:at]. The password after its first ':'
			// is hidden, or all of it when it has none.
			if colon >= 0 && colon < at {
				user = colon + 1
			}
			dst = append(dst, s[:user]...)
			dst = append(dst, failed...)
			prev = at
		}
	}
	// Path.
	for ; i < len(s); i++ {
		for uint(i) < uint(len(s)) && urlClass[s[i]]&(uInvalid|uHigh|uPath) == 0 {
			i++
		}
		if i == len(s) || s[i] == '?' || s[i] == '#' {
			break
		}
		if urlClass[s[i]]&uInvalid != 0 {
			return dst, false
		}
		high = true
	}
	// Query: parts split by '&' or ';', each either key=value, of which the
	// value is hidden, or hidden whole.
	if i < len(s) && s[i] == '?' {
		i++
		from, eq := i, false // start of the part to hide, whether '=' was seen
		for ; ; i++ {
			for uint(i) < uint(len(s)) && urlClass[s[i]]&(uInvalid|uHigh|uQuery) == 0 {
				i++
			}
			if i == len(s) {
				break
			}
			c := s[i]
			if c == '=' {
				if !eq {
					eq, from = true, i+1
				}
				continue
			}
			if c == '&' || c == ';' {
				if from < i {
					dst = append(dst, s[prev:from]...)
					dst = append(dst, failed...)
					prev = i
				}
				from, eq = i+1, false
				continue
			}
			if c == '#' {
				break
			}
			if urlClass[c]&uInvalid != 0 {
				return dst, false
			}
			high = true
		}
		if from < i {
			dst = append(dst, s[prev:from]...)
			dst = append(dst, failed...)
			prev = i
		}
	}
	// Fragment, hidden whole.
	if i < len(s) {
		if i+1 < len(s) {
			dst = append(dst, s[prev:i+1]...)
			dst = append(dst, failed...)
			prev = len(s)
		}
		for i++; i < len(s); i++ {
			for uint(i) < uint(len(s)) && urlClass[s[i]]&(uInvalid|uHigh) == 0 {
				i++
			}
			if i == len(s) {
				break
			}
			if urlClass[s[i]]&uInvalid != 0 {
				return dst, false
			}
			high = true
		}
	}
	dst = append(dst, s[prev:]...)
	return dst, !high || validURLText(s)
}

// validURLText reports whether s, which has no ASCII space or control
// character, is valid UTF-8 without other space or control characters.
func validURLText(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unicode.IsSpace(r) || unicode.IsControl(r) {
			return false
		}
		i += size
	}
	return true
}
