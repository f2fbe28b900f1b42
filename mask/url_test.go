package mask

import (
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refURL is the URL rule written for clarity, not speed: the specification
// that URLRule's one-pass parser is checked against.
func refURL(s string) string {
	if s == "" {
		return ""
	}
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool {
		return r <= ' ' || r == 0x7f || unicode.IsSpace(r) || unicode.IsControl(r)
	}) {
		return "****"
	}
	var out strings.Builder
	rest := s
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") {
		if after, ok := strings.CutPrefix(s, "//"); ok {
			out.WriteString("//")
			rest = after
		} else {
			scheme, after, ok := strings.Cut(s, "://")
			if !ok || scheme == "" || !isASCIILetter(scheme[0]) || strings.ContainsFunc(scheme, func(r rune) bool {
				return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')
			}) {
				return "****"
			}
			out.WriteString(scheme + "://")
			rest = after
		}
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		auth := rest[:end]
		rest = rest[end:]
		if at := strings.LastIndex(auth, "@"); at >= 0 {
			if user, _, hasPassword := strings.Cut(auth[:at], ":"); hasPassword {
				out.WriteString(user + ":")
			}
			out.WriteString("****@")
			auth = auth[at+1:]
		}
		out.WriteString(auth)
	}
	rest, frag, hasFrag := strings.Cut(rest, "#")
	path, query, hasQuery := strings.Cut(rest, "?")
	out.WriteString(path)
	if hasQuery {
		out.WriteString("?")
		for {
			sep := strings.IndexAny(query, "&;")
			part := query
			if sep >= 0 {
				part = query[:sep]
			}
			if key, value, ok := strings.Cut(part, "="); ok {
				out.WriteString(key + "=")
				if value != "" {
					out.WriteString("****")
				}
			} else if part != "" {
				out.WriteString("****")
			}
			if sep < 0 {
				break
			}
			out.WriteByte(query[sep])
			query = query[sep+1:]
		}
	}
	if hasFrag {
		out.WriteString("#")
		if frag != "" {
			out.WriteString("****")
		}
	}
	return out.String()
}

var urlSeeds = []string{
	"https://bob:pw@example.com/a?token=abc&page=2",
	"https://bob:pw@example.com/a?token=abc&x=&y#frag",
	"postgres://app:s3cret@db.internal:5432/prod?sslmode=disable",
	"https://ghp_token@github.com/org/repo.git",
	"https://a:b:c@d@host:1/p?q=1=2&&;k#f#g?h",
	"https://@host/?#", "https://:@host", "//u:p@cdn.example/x?q=1", "/api/v1?key=1;b=2", "/", "//", "///x",
	"https://пример.рф/путь?имя=значение#якорь", "http://a\u00a0b/", "http://a/\u0085", "http://a/\u2028?x=1",
	"http://a/?x=\xff", "1http://a/", "a:/b", "a://", "mailto:x@example.com", "http://a b", "https://x/?%zz=%41",
	"https://h?a=1#", "https://h#a?b=1", "https://u:p%40w@h/", "ftp://[::1]:21/?k", "s+v-1.x://h",
}

func TestURLReference(t *testing.T) {
	for _, s := range urlSeeds {
		got := URL(s)
		assert.Equal(t, refURL(s), got, "input %q", s)
		assert.Equal(t, "x"+got, string(URLRule{}.Append([]byte("x"), s)), "input %q", s)
	}
	// Hand-checked cases for the reference itself, so that it cannot drift
	// along with the rule.
	handChecked := map[string]string{
		"https://a:b:c@d@host:1/p?q=1=2&&;k#f#g?h": "https://a:****@host:1/p?q=****&&;****#****",
		"http://a\u00a0b/":                         "****",
		"http://a/\u0085":                          "****",
		"https://h#a?b=1":                          "https://h#****",
		"https://:@host":                           "https://:****@host",
		"///x":                                     "///x",
		"a:/b":                                     "****",
	}
	for in, want := range handChecked {
		assert.Equal(t, want, refURL(in), "refURL(%q)", in)
		assert.Equal(t, want, URL(in), "URL(%q)", in)
	}
}

func TestURLLong(t *testing.T) {
	var b strings.Builder
	b.WriteString("https://user:" + strings.Repeat("p", 1000) + "@example.com/" + strings.Repeat("seg/", 500) + "?")
	for i := range 2000 {
		if i > 0 {
			b.WriteString("&;"[i%2 : i%2+1])
		}
		b.WriteString("k=v")
	}
	b.WriteString("#" + strings.Repeat("f", 1000))
	s := b.String()
	got := URL(s)
	assert.Equal(t, refURL(s), got)
	assert.NotContains(t, got, "ppp")
	assert.NotContains(t, got, "=v")
	assert.NotContains(t, got, "ff")
	assert.Equal(t, 1.0, testing.AllocsPerRun(20, func() { _ = URL(s) }))
}

// TestURLWorstCase checks the buffer bound of URLRule.Mask: input that
// grows the most (every hidden part one byte long) stays within one
// allocation on both sides of the on-stack limit.
func TestURLWorstCase(t *testing.T) {
	for _, n := range []int{urlStackMax - 1, urlStackMax, urlStackMax + 1, 4 * urlStackMax} {
		in := "//@h?" + strings.Repeat("a&", n)[:n-5]
		require.Len(t, in, n)
		got := URL(in)
		assert.Equal(t, refURL(in), got)
		assert.Equal(t, 1.0, testing.AllocsPerRun(20, func() { _ = URL(in) }), "length %d", n)
		frag := "//@h#" + strings.Repeat("x", n-5)
		assert.Equal(t, "//****@h#****", URL(frag))
	}
}

// TestURLAppendFailure checks that Append of a URL that fails late leaves
// nothing of it in the spare capacity of dst.
func TestURLAppendFailure(t *testing.T) {
	for _, in := range []string{
		"https://user@host/private/path?k=v#frag\x01",
		"https://user@host/private/path?k=v\xff",
		"https://host/private/path/\u2028",
	} {
		buf := make([]byte, 3, 256)
		copy(buf, "abc")
		got := URLRule{}.Append(buf, in)
		assert.Equal(t, "abc****", string(got))
		assert.Equal(t, make([]byte, 256-len(got)), buf[len(got):256], "spare capacity after %q", in)
		small := make([]byte, 0, 8) // grows while it is written
		got = URLRule{}.Append(small, in)
		assert.Equal(t, "****", string(got))
		assert.Equal(t, make([]byte, 8-len(got)), small[len(got):8])
	}
}

// checkURLHidden parses s and URL(s) with net/url and checks that the
// masked URL has the scheme, host and path of s, and none of its password,
// bare user name, query values or fragment. Inputs that net/url rejects, or
// that the rule fails closed, are skipped: it reports whether s was checked.
func checkURLHidden(t *testing.T, s string) bool {
	in, err := url.Parse(s)
	if err != nil {
		return false
	}
	got := URL(s)
	if got == failed {
		return false
	}
	out, err := url.Parse(got)
	require.NoError(t, err, "masked %q -> %q does not parse", s, got)
	assert.Equal(t, in.Scheme, out.Scheme)
	assert.Equal(t, in.Host, out.Host)
	assert.Equal(t, in.EscapedPath(), out.EscapedPath())
	if in.User != nil {
		require.NotNil(t, out.User, "%q -> %q", s, got)
		if _, ok := in.User.Password(); ok {
			assert.Equal(t, in.User.Username(), out.User.Username(), "%q -> %q", s, got)
			pw, _ := out.User.Password()
			assert.Equal(t, "****", pw, "%q -> %q", s, got)
		} else {
			assert.Equal(t, "****", out.User.Username(), "%q -> %q", s, got)
			_, ok := out.User.Password()
			assert.False(t, ok, "%q -> %q", s, got)
		}
	}
	// url.ParseQuery skips parts with ';' and reports an error, but parses
	// the rest; split on both separators to see every part.
	inParts := strings.FieldsFunc(in.RawQuery, func(r rune) bool { return r == '&' || r == ';' })
	outParts := strings.FieldsFunc(out.RawQuery, func(r rune) bool { return r == '&' || r == ';' })
	require.Len(t, outParts, len(inParts), "%q -> %q", s, got)
	for i, p := range inParts {
		key, value, hasValue := strings.Cut(p, "=")
		okey, ovalue, ohasValue := strings.Cut(outParts[i], "=")
		if !hasValue {
			assert.Equal(t, "****", outParts[i], "%q -> %q: part %d", s, got, i)
			continue
		}
		assert.True(t, ohasValue)
		assert.Equal(t, key, okey, "%q -> %q: key %d", s, got, i)
		if value == "" {
			assert.Empty(t, ovalue)
		} else {
			assert.Equal(t, "****", ovalue, "%q -> %q: value %d", s, got, i)
		}
	}
	if in.Fragment != "" || in.RawFragment != "" {
		assert.Equal(t, "****", out.Fragment, "%q -> %q", s, got)
	} else {
		assert.Empty(t, out.Fragment)
	}
	return true
}

func TestURLHidden(t *testing.T) {
	checked := 0
	for _, s := range urlSeeds {
		if checkURLHidden(t, s) {
			checked++
		}
	}
	assert.GreaterOrEqual(t, checked, 15, "too few seeds parsed by both net/url and the rule")
}

// FuzzURL checks URLRule against refURL and net/url: the same output as the
// reference, Append agreeing with Mask, and no password, query value or
// fragment of a URL that net/url parses surviving the mask.
func FuzzURL(f *testing.F) {
	for _, s := range urlSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := URL(s)
		if want := refURL(s); got != want {
			t.Fatalf("URL(%q) = %q, want %q", s, got, want)
		}
		if app := (URLRule{}).Append([]byte("x"), s); string(app) != "x"+got {
			t.Fatalf("Append(%q) = %q, Mask %q", s, app, got)
		}
		checkURLHidden(t, s)
	})
}
