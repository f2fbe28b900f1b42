package mask

import (
	"log/slog"
	"math"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"", "john.doe@example.com", "+1 415-555-0132", "4242 4242 4242 4242", "DE89 3704 0044 0532 0130 00",
	"536-90-4399", "Мария Иванова", "山田 太郎", "192.0.2.77", "2001:db8::1", "[2001:db8::1]:443",
	"https://bob:pw@example.com/a?token=abc#f", "/a?b=c;d", "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
	"😀😀😀", "\xff\xfe", "a\x00b", "https://example.com/\x7fabcdefgh", "https://example.com/abcdefg\x1f", "@", "a@", "@b", "+", "--", "%", "::ffff:1.2.3.4",
}

// FuzzPresets checks that no preset or built-in rule panics, that the output
// is valid UTF-8, that Append agrees with Mask, and that invalid UTF-8 fails
// closed.
func FuzzPresets(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	r := NewRegistry()
	am, err := NewAttrMasker(r, DefaultKeyRules()...)
	if err != nil {
		f.Fatal(err)
	}
	names := r.Names()
	presets := []func(string) string{Email, Phone, PAN, IBAN, NationalID, Name, IP, URL, Credential}
	f.Fuzz(func(t *testing.T, s string) {
		for i, p := range presets {
			got := p(s)
			if !utf8.ValidString(got) {
				t.Fatalf("preset %d: invalid UTF-8 output %q", i, got)
			}
			if s != "" && got == "" {
				t.Fatalf("preset %d: empty output for non-empty input", i)
			}
			if !utf8.ValidString(s) && got != failed {
				t.Fatalf("preset %d: invalid UTF-8 input %q gave %q, want %q", i, s, got, failed)
			}
		}
		// The digit presets keep the layout: same length, each byte either
		// the input's or the mask character.
		for i, p := range []func(string) string{Phone, PAN, IBAN, NationalID} {
			got := p(s)
			if got == failed || s == "" {
				continue
			}
			if len(got) != len(s) {
				t.Fatalf("layout preset %d: %q -> %q changes the length", i, s, got)
			}
			for j := range len(s) {
				if got[j] != s[j] && got[j] != '*' {
					t.Fatalf("layout preset %d: %q -> %q changes byte %d", i, s, got, j)
				}
			}
			if !strings.Contains(got, "*") {
				t.Fatalf("layout preset %d: %q -> %q hides nothing", i, s, got)
			}
		}
		for _, name := range names {
			rule, err := r.Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			got := rule.Mask(s)
			if app := string(rule.Append([]byte("x"), s)); app != "x"+got {
				t.Fatalf("%s: Append %q != Mask %q", name, app, got)
			}
			if !utf8.ValidString(got) {
				t.Fatalf("%s: invalid UTF-8 output %q", name, got)
			}
		}
		a := am.ReplaceAttr([]string{s}, slog.String(s, s))
		if !utf8.ValidString(a.Value.String()) && utf8.ValidString(s) {
			t.Fatalf("ReplaceAttr produced invalid UTF-8")
		}
	})
}

// FuzzPartial checks that Partial keeps the rune count (or produces exactly
// FixedLength characters), always hides at least MinHidden characters, and
// never panics.
func FuzzPartial(f *testing.F) {
	f.Add("1234-5678-9012-3456", 0, 4, 0, 0, "-")
	f.Add("secret-value", math.MaxInt, math.MaxInt, 0, 0, "")  // once overflowed and showed everything
	f.Add("secret-value", math.MaxInt, math.MaxInt, 0, 8, "-") // once looped for ~2^63 steps
	f.Add("secret", math.MinInt, 1, math.MinInt, -7, "")
	f.Add("Привет мир", 2, 2, 1, 0, " ")
	f.Add("東京都庁舎", 1, 1, 0, 8, "")
	f.Add("\xff😀a", 1, 1, 5, 3, "😀")
	f.Fuzz(func(t *testing.T, s string, first, last, minHide, fixed int, ignore string) {
		fixed %= 1000 // bound the output size
		p := Partial{KeepFirst: first, KeepLast: last, MinHidden: minHide, FixedLength: fixed, Ignore: ignore, Char: '█'}
		got := p.Mask(s)
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 output %q", got)
		}
		if s == "" {
			if got != "" {
				t.Fatalf("empty input gave %q", got)
			}
			return
		}
		n := utf8.RuneCountInString(s)
		if fixed > 0 {
			if c := utf8.RuneCountInString(got); c != fixed {
				t.Fatalf("fixed length %d, got %d characters", fixed, c)
			}
			if !strings.ContainsRune(got, '█') {
				t.Fatalf("fixed-length output %q hides nothing", got)
			}
			return
		}
		if c := utf8.RuneCountInString(got); c != n {
			t.Fatalf("rune count %d, want %d (%q -> %q)", c, n, s, got)
		}
		if strings.ContainsRune(s, '█') || strings.ContainsRune(ignore, '█') {
			return
		}
		set := newCharSet(ignore)
		maskable := countMaskable(s, &set)
		if hidden := strings.Count(got, "█"); hidden < min(maskable, minHidden(maskable, minHide)) {
			t.Fatalf("%d of %d characters hidden, want at least %d (%q -> %q)", hidden, maskable, minHidden(maskable, minHide), s, got)
		}
	})
}

type fuzzInner struct {
	Email string `mask:"email"`
	URL   string `mask:"url"`
}

type fuzzStruct struct {
	Name  string            `mask:"name"`
	Cards []string          `mask:"pan"`
	IP    *string           `mask:"ip"`
	Map   map[string]string `mask:"iban"`
	Inner fuzzInner         `mask:"-"`
	Ptr   *fuzzInner        //
	Many  map[string]*fuzzInner
	Any   any `mask:"credential"`
	Free  string
	hide  string
}

// FuzzStruct checks that the struct walk never panics, never changes its
// input, and that Copy, StructWith and InPlace agree.
func FuzzStruct(f *testing.F) {
	f.Add("John Smith", "4242424242424242", "192.0.2.1", "a@b.c")
	f.Add("\xff", "", "::1", "https://u:p@h/?q=1")
	f.Fuzz(func(t *testing.T, a, b, c, d string) {
		ip := c
		in := fuzzStruct{
			Name: a, Cards: []string{b, a}, IP: &ip, Map: map[string]string{a: b},
			Inner: fuzzInner{Email: d}, Ptr: &fuzzInner{Email: d, URL: a},
			Many: map[string]*fuzzInner{d: {Email: c, URL: d}}, Any: []string{b, c}, Free: d, hide: a,
		}
		got, err := Struct(in)
		if err != nil {
			t.Fatal(err)
		}
		if in.Name != a || in.Cards[0] != b || *in.IP != c || in.Map[a] != b || in.Ptr.Email != d || in.Many[d].Email != c || in.Any.([]string)[0] != b {
			t.Fatalf("input modified")
		}
		if got.Inner.Email != d || got.Free != d || got.hide != a {
			t.Fatalf("untagged or excluded field changed")
		}
		other, err := Default().Copy(in)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, other.(fuzzStruct)) {
			t.Fatalf("Copy and Struct disagree")
		}
		inPlace := in
		if err := Default().InPlace(&inPlace); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, inPlace) {
			t.Fatalf("InPlace and Struct disagree")
		}
		flat := flatStruct{Email: a, Home: address{Street: b}, Codes: [3]string{c, d, a}, contactBase: contactBase{Phone: b}, Named: namedString(c)}
		fast, err := Struct(flat)
		if err != nil {
			t.Fatal(err)
		}
		slow, err := Default().Copy(flat)
		if err != nil {
			t.Fatal(err)
		}
		if fast != slow.(flatStruct) {
			t.Fatalf("offset path %+v != reflection path %+v", fast, slow)
		}
		if got.Name != Name(a) || got.Cards[0] != PAN(b) || *got.IP != IP(c) || got.Ptr.Email != Email(d) ||
			got.Many[d].URL != URL(d) || got.Any.([]string)[1] != Credential(c) {
			t.Fatalf("field not masked with its rule: %+v", got)
		}
	})
}
