package mask

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type ruleCase struct {
	name string
	in   string
	want string
}

// runRule checks Mask and Append (onto a non-empty prefix) against want.
func runRule(t *testing.T, rule Rule, tests []ruleCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rule.Mask(tt.in)
			assert.Equal(t, tt.want, got)
			assert.True(t, utf8.ValidString(got), "output must be valid UTF-8")
			app := rule.Append([]byte("prefix:"), tt.in)
			assert.Equal(t, "prefix:"+tt.want, string(app))
		})
	}
}

func TestRedact(t *testing.T) {
	runRule(t, Redact(""), []ruleCase{
		{"ascii", "secret", "[REDACTED]"},
		{"empty", "", "[REDACTED]"},
		{"invalid utf8", "\xff\xfe", "[REDACTED]"},
	})
	runRule(t, Redact("xxx"), []ruleCase{
		{"custom text", "Привет", "xxx"},
		{"long", strings.Repeat("a", 1<<16), "xxx"},
	})
}

func TestLabel(t *testing.T) {
	runRule(t, Label("EMAIL"), []ruleCase{
		{"ascii", "john@example.com", "<EMAIL>"},
		{"empty", "", "<EMAIL>"},
		{"cjk", "山田太郎", "<EMAIL>"},
	})
	runRule(t, Label(""), []ruleCase{{"empty label", "x", "<REDACTED>"}})
}

func TestPartial(t *testing.T) {
	long := strings.Repeat("a", 100000)
	tests := []struct {
		name string
		p    Partial
		in   string
		want string
	}{
		{"zero masks all", Partial{}, "hello", "*****"},
		{"zero cyrillic", Partial{}, "Привет", "******"},
		{"zero cjk", Partial{}, "日本語", "***"},
		{"zero emoji", Partial{}, "😀😀", "**"},
		{"zero empty", Partial{}, "", ""},
		{"zero invalid utf8", Partial{}, "\xff\xfeab", "****"},
		{"keep last with ignore", Partial{KeepLast: 4, Ignore: "-"}, "1234-5678-9012-3456", "****-****-****-3456"},
		{"keep first within half", Partial{KeepFirst: 2}, "12345", "12***"},
		{"keep last shrinks to half", Partial{KeepLast: 4}, "12345", "***45"},
		{"keep last cyrillic shrinks", Partial{KeepLast: 4}, "Иванов", "***нов"},
		{"keep both cjk", Partial{KeepFirst: 1, KeepLast: 1}, "東京都庁舎", "東***舎"},
		{"first shrinks before last", Partial{KeepFirst: 3, KeepLast: 3, MinHidden: 2}, "abcdef", "a**def"},
		{"min hidden above length", Partial{KeepLast: 2, MinHidden: 9}, "abc", "***"},
		{"custom char", Partial{Char: '#'}, "abc", "###"},
		{"multibyte char", Partial{Char: '█'}, "abc", "███"},
		{"invalid char falls back", Partial{Char: 0xD800}, "abc", "***"},
		{"control char falls back", Partial{Char: '\n'}, "abc", "***"},
		{"negative counts act as zero", Partial{KeepFirst: -3, KeepLast: -1}, "abcd", "****"},
		{"invalid byte in kept position is masked", Partial{KeepLast: 2, MinHidden: 1}, "ab\xff", "*b*"},
		{"non-ascii ignore", Partial{KeepLast: 1, Ignore: "·"}, "ab·cd", "**·*d"},
		{"emoji kept", Partial{KeepFirst: 1}, "😀abc", "😀***"},
		{"single char always hidden", Partial{KeepFirst: 1, KeepLast: 1}, "x", "*"},
		{"fixed length hides length", Partial{KeepLast: 4, FixedLength: 8}, "4242424242424242", "****4242"},
		{"fixed length short input", Partial{KeepLast: 4, FixedLength: 8}, "12345", "******45"},
		{"fixed length shrinks kept", Partial{KeepFirst: 2, KeepLast: 2, FixedLength: 3}, "abcdefgh", "*gh"},
		{"fixed length ignores ignore", Partial{Ignore: "-", FixedLength: 4}, "1-2-3-4-5", "****"},
		{"fixed length cjk", Partial{KeepFirst: 1, FixedLength: 5}, "東京都庁舎ビル", "東****"},
		{"fixed length empty", Partial{FixedLength: 5}, "", ""},
		{"fixed length invalid kept", Partial{KeepFirst: 1, MinHidden: 1, FixedLength: 3}, "\xffbc", "***"},
		{"long", Partial{KeepLast: 4}, long, strings.Repeat("*", len(long)-4) + "aaaa"},
		// Counts near the int range must not overflow into showing everything.
		{"max counts", Partial{KeepFirst: math.MaxInt, KeepLast: math.MaxInt}, "secret-value", "******-value"},
		{"max first", Partial{KeepFirst: math.MaxInt, KeepLast: 1}, "secret-value", "secre******e"},
		{"max counts min hidden", Partial{KeepFirst: math.MaxInt, KeepLast: math.MaxInt, MinHidden: math.MaxInt}, "secret-value", "************"},
		{"min int min hidden", Partial{KeepFirst: 3, KeepLast: 3, MinHidden: math.MinInt}, "secret-value", "sec******lue"},
		{"max counts ignore", Partial{KeepFirst: math.MaxInt/2 + 1, KeepLast: math.MaxInt/2 + 1, Ignore: "-"}, "secret-value", "******-value"},
		{"max counts fixed length", Partial{KeepFirst: math.MaxInt, KeepLast: math.MaxInt, FixedLength: 8}, "secret-value", "**-value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.Mask(tt.in)
			assert.Equal(t, tt.want, got)
			assert.True(t, utf8.ValidString(got))
			assert.Equal(t, "x"+tt.want, string(tt.p.Append([]byte("x"), tt.in)))
			if tt.p.FixedLength == 0 {
				assert.Equal(t, utf8.RuneCountInString(tt.in), utf8.RuneCountInString(got), "rune count kept")
			}
		})
	}
}

func TestPartialValidate(t *testing.T) {
	tests := []struct {
		name string
		p    Partial
		ok   bool
	}{
		{"zero", Partial{}, true},
		{"full config", Partial{KeepFirst: 1, KeepLast: 2, Char: '#', Ignore: " -", MinHidden: 3, FixedLength: 8}, true},
		{"negative first", Partial{KeepFirst: -1}, false},
		{"negative fixed", Partial{FixedLength: -1}, false},
		{"huge fixed", Partial{FixedLength: MaxFixedLength + 1}, false},
		{"max fixed", Partial{FixedLength: MaxFixedLength}, true},
		{"surrogate char", Partial{Char: 0xD800}, false},
		{"space char", Partial{Char: ' '}, false},
		{"invalid ignore", Partial{Ignore: "\xff"}, false},
		{"char in ignore", Partial{Char: '-', Ignore: "-"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if tt.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, ErrInvalidRule)
			}
		})
	}
}

func TestEmail(t *testing.T) {
	runRule(t, EmailRule{}, []ruleCase{
		{"ascii", "john.doe@example.com", "j***@example.com"},
		{"short local hidden", "jo@example.com", "***@example.com"},
		{"one char local", "a@x.com", "***@x.com"},
		{"cyrillic", "иван@пример.рф", "и***@пример.рф"},
		{"cjk local", "山田太郎@example.jp", "山***@example.jp"},
		{"emoji local", "😀😀😀@example.com", "😀***@example.com"},
		{"last at splits", `"a@b"@example.com`, `"***@example.com`},
		{"empty", "", ""},
		{"no at", "john.example.com", "****"},
		{"no local", "@example.com", "****"},
		{"no domain", "john@", "****"},
		{"domain literal", "test@[192.0.2.1]", "****"},
		{"space in domain", "john@exa mple.com", "****"},
		{"control in local", "jo\x00hn@example.com", "****"},
		{"invalid utf8", "jo\xffhn@example.com", "****"},
		{"long", strings.Repeat("a", 5000) + "@example.com", "a***@example.com"},
	})
	runRule(t, EmailRule{HideDomain: true}, []ruleCase{
		{"hide domain", "john.doe@mail.example.com", "j***@***.com"},
		{"hide domain no dot", "john@localhost", "j***@***"},
		{"hide domain cyrillic", "иван@пример.рф", "и***@***.рф"},
	})
}

func TestPhone(t *testing.T) {
	runRule(t, PhoneRule{}, []ruleCase{
		{"us international", "+1 415-555-0132", "+* ***-***-0132"},
		{"us national", "(415) 555-0132", "(***) ***-0132"},
		{"e164 short", "+24762889", "+****2889"},
		{"five digits shows two", "12345", "***45"},
		{"dots", "030.1234.5678", "***.****.5678"},
		{"empty", "", ""},
		{"too few digits", "12", "****"},
		{"letters", "+1 800 FLOWERS", "****"},
		{"extension", "+44 20 7946 0958 ext 1", "****"},
		{"plus in middle", "1+2345678", "****"},
		{"fullwidth digits", "１２３４５６", "****"},
		{"invalid utf8", "+1 415\xff5550132", "****"},
		{"long", strings.Repeat("1", 1000), strings.Repeat("*", 996) + "1111"},
	})
	runRule(t, PhoneRule{KeepLast: 2}, []ruleCase{{"keep two", "+1 415-555-0132", "+* ***-***-**32"}})
}

func TestPAN(t *testing.T) {
	runRule(t, PANRule{}, []ruleCase{
		{"visa spaced", "4242 4242 4242 4242", "**** **** **** 4242"},
		{"visa plain", "4242424242424242", "************4242"},
		{"amex", "378282246310005", "***********0005"},
		{"dashes", "4012-8888-8888-1881", "****-****-****-1881"},
		{"eight digits", "12345678", "****5678"},
		{"six digits", "123456", "****56"},
		{"four digits", "1234", "****"},
		{"empty", "", ""},
		{"letter", "4242-4242-4242-424x", "****"},
		{"fullwidth", "４２４２４２４２４２４２４２４２", "****"},
		{"invalid utf8", "4242\xff4242", "****"},
		{"separators only", " - ", "****"},
	})
	runRule(t, PANRule{BIN: 6}, []ruleCase{
		{"bin6 spaced", "4242 4242 4242 4242", "4242 42** **** 4242"},
		{"bin6 amex", "378282246310005", "378282*****0005"},
		{"bin6 twelve", "123456789012", "1234****9012"},
		{"bin6 ten", "1234567890", "12****7890"},
	})
	runRule(t, PANRule{BIN: 8}, []ruleCase{
		{"bin8 plain", "4242424242424242", "42424242****4242"},
		{"bin8 nineteen", "6200000000000000005", "62000000*******0005"},
		{"bin8 twelve", "123456789012", "1234****9012"},
	})
	runRule(t, PANRule{BIN: 7}, []ruleCase{{"invalid bin shows none", "4242424242424242", "************4242"}})
}

func TestPANRuleValidate(t *testing.T) {
	for _, bin := range []int{0, 6, 8} {
		assert.NoError(t, PANRule{BIN: bin}.Validate(), "BIN %d", bin)
	}
	for _, bin := range []int{-1, 4, 7, 9, 16} {
		assert.ErrorIs(t, PANRule{BIN: bin}.Validate(), ErrInvalidRule, "BIN %d", bin)
	}
}

func TestIBAN(t *testing.T) {
	runRule(t, IBANRule{}, []ruleCase{
		{"de spaced", "DE89 3704 0044 0532 0130 00", "DE** **** **** **** **30 00"},
		{"gb plain", "GB82WEST12345698765432", "GB****************5432"},
		{"lower case", "gb82west12345698765432", "gb****************5432"},
		{"dashes", "AL47-2121-1009-0000-0002-3569-8741", "AL**-****-****-****-****-****-8741"},
		{"dots", "NO93 8601.11.17947", "NO** ****.**.*7947"},
		{"empty", "", ""},
		{"too short", "DE89 3704", "****"},
		{"too long", "DE89" + strings.Repeat("1", 31), "****"},
		{"digit in country", "D189 3704 0044 0532 0130 00", "****"},
		{"letter in check digits", "DEX9 3704 0044 0532 0130 00", "****"},
		{"slash", "DE89/3704/0044/0532/0130/00", "****"},
		{"cyrillic", "ДЕ89 3704 0044 0532 0130 00", "****"},
	})
}

func TestNationalID(t *testing.T) {
	runRule(t, NationalIDRule{}, []ruleCase{
		{"ssn", "536-90-4399", "***-**-4399"},
		{"ssn plain", "536904399", "*****4399"},
		{"uk nino", "AB 12 34 56 C", "** ** *4 56 C"},
		{"short shows half", "1234", "**34"},
		{"one char", "7", "*"},
		{"empty", "", ""},
		{"separators only", "--", "****"},
		{"cyrillic", "АБ123456", "****"},
		{"underscore", "536_90_4399", "****"},
	})
}

func TestName(t *testing.T) {
	runRule(t, NameRule{}, []ruleCase{
		{"three words", "John Ronald Tolkien", "J. R. T."},
		{"cyrillic", "Мария Иванова", "М. И."},
		{"cjk", "山田 太郎", "山. 太."},
		{"one word", "Madonna", "M."},
		{"extra spaces and hyphen", " Jean-Luc  Picard ", "J. P."},
		{"apostrophe", "O'Brien", "O."},
		{"first letter after punctuation", "(Bob) Smith", "B. S."},
		{"eight words", "a b c d e f g h", "a. b. c. d. e. f. g. h."},
		{"nine words", "a b c d e f g h i", "****"},
		{"digits", "123", "****"},
		{"emoji word", "😀 Bob", "****"},
		{"spaces only", "   ", "****"},
		{"empty", "", ""},
		{"invalid utf8", "J\xffohn", "****"},
	})
}

func TestIP(t *testing.T) {
	runRule(t, IPRule{}, []ruleCase{
		{"v4", "192.0.2.77", "192.0.2.0"},
		{"v6", "2001:db8:85a3::8a2e:370:7334", "2001:db8:85a3::"},
		{"v4 in v6", "::ffff:192.0.2.128", "::ffff:192.0.2.0"},
		{"zone dropped", "fe80::1%eth0", "fe80::"},
		{"v4 port", "192.0.2.1:443", "192.0.2.0:443"},
		{"v6 port", "[2001:db8::1]:443", "[2001:db8::]:443"},
		{"empty", "", ""},
		{"host name", "example.com", "****"},
		{"cidr", "192.0.2.0/24", "****"},
		{"leading zeros", "192.000.002.077", "****"},
		{"cyrillic", "адрес", "****"},
	})
	runRule(t, IPRule{V4Bits: 16, V6Bits: 32}, []ruleCase{
		{"v4 /16", "192.0.2.77", "192.0.0.0"},
		{"v6 /32", "2001:db8:85a3::8a2e:370:7334", "2001:db8::"},
	})
	runRule(t, IPRule{V4Bits: 32, V6Bits: 128}, []ruleCase{
		{"out of range uses default v4", "192.0.2.77", "192.0.2.0"},
		{"out of range uses default v6", "2001:db8:85a3::1", "2001:db8:85a3::"},
	})
	assert.NoError(t, IPRule{V4Bits: 8, V6Bits: 64}.Validate())
	assert.ErrorIs(t, IPRule{V4Bits: 32}.Validate(), ErrInvalidRule)
	assert.ErrorIs(t, IPRule{V6Bits: 65}.Validate(), ErrInvalidRule)
	assert.ErrorIs(t, IPRule{V4Bits: -1}.Validate(), ErrInvalidRule)
}

func TestURL(t *testing.T) {
	runRule(t, URLRule{}, []ruleCase{
		{"password query fragment", "https://bob:pw@example.com/a?token=abc&x=&y#frag", "https://bob:****@example.com/a?token=****&x=&****#****"},
		{"user only is masked", "https://ghp_token@github.com/org/repo.git", "https://****@github.com/org/repo.git"},
		{"no secrets", "https://example.com/path", "https://example.com/path"},
		{"port and path", "postgres://app:s3cret@db.internal:5432/prod?sslmode=disable", "postgres://app:****@db.internal:5432/prod?sslmode=****"},
		{"path only", "/api/v1?key=1;b=2", "/api/v1?key=****;b=****"},
		{"scheme relative", "//cdn.example/x?q=1", "//cdn.example/x?q=****"},
		{"empty query and fragment", "https://example.com/?#", "https://example.com/?#"},
		{"fragment only", "https://example.com/#access_token=abc", "https://example.com/#****"},
		{"non-ascii path kept, value hidden", "https://пример.рф/путь?имя=значение", "https://пример.рф/путь?имя=****"},
		{"empty", "", ""},
		{"no scheme", "example.com/a?b=c", "****"},
		{"mailto", "mailto:x@example.com", "****"},
		{"space", "http://a b", "****"},
		{"control", "http://a\x01b", "****"},
		{"invalid utf8", "http://a/\xff", "****"},
		{"bad scheme", "1http://a/", "****"},
	})
}

func TestCredential(t *testing.T) {
	runRule(t, CredentialRule{}, []ruleCase{
		{"stripe key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_l****"},
		{"jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "eyJh****"},
		{"short", "short", "s****"},
		{"very short", "abc", "****"},
		{"cyrillic", "секретныйключ", "сек****"},
		{"emoji", "😀😀😀😀😀😀😀😀", "😀😀****"},
		{"empty", "", ""},
		{"invalid utf8", "sk_live_\xff\xff\xff\xff\xff\xff\xff\xff", "****"},
		{"control stops prefix", "a\x00bcdefghijklmnop", "a****"},
		{"long", strings.Repeat("k", 1<<16), "kkkk****"},
	})
	runRule(t, CredentialRule{Prefix: 8}, []ruleCase{
		{"prefix 8", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_****"},
		{"prefix capped by quarter", "sk_live_4eC3", "sk_****"},
	})
}

// TestPresetsFailClosed checks that no preset returns non-empty input that
// it cannot parse, and that invalid UTF-8 never reaches the output.
func TestPresetsFailClosed(t *testing.T) {
	presets := map[string]func(string) string{
		"Email": Email, "Phone": Phone, "PAN": PAN, "IBAN": IBAN, "NationalID": NationalID,
		"Name": Name, "IP": IP, "URL": URL, "Credential": Credential,
	}
	inputs := []string{"\xff", "\xc3\x28", "a\xffb", "\xed\xa0\x80", "garbage ☃ text", "\x00\x01\x02"}
	for name, fn := range presets {
		for _, in := range inputs {
			got := fn(in)
			assert.NotEqual(t, in, got, "%s(%q)", name, in)
			assert.True(t, utf8.ValidString(got), "%s(%q) = %q", name, in, got)
		}
		assert.Empty(t, fn(""), name)
	}
}

func TestPANProperty(t *testing.T) {
	digits := "31415926535897932384626433832795028841971693993751"
	for n := 1; n <= 25; n++ {
		for _, bin := range []int{0, 6, 8} {
			for _, sep := range []string{"", " ", "-"} {
				// Build an n-digit PAN, with a separator every four digits.
				var b strings.Builder
				var ds []byte
				for i := range n {
					if i > 0 && i%4 == 0 {
						b.WriteString(sep)
					}
					c := digits[(i*7+n)%len(digits)]
					b.WriteByte(c)
					ds = append(ds, c)
				}
				in := b.String()
				got := PANRule{BIN: bin}.Mask(in)
				require.Equal(t, len(in), len(got), "length kept for %q", in)
				shown, hidden := 0, 0
				j := 0 // digit index
				for i := 0; i < len(got); i++ {
					switch c := got[i]; {
					case c == '*':
						hidden++
						j++
					case c >= '0' && c <= '9':
						assert.Equal(t, ds[j], c, "a shown digit is the input digit at that place")
						shown++
						j++
					default:
						assert.Equal(t, in[i], c, "separator kept")
					}
				}
				require.Equal(t, n, shown+hidden)
				assert.LessOrEqual(t, shown, bin+4, "n=%d bin=%d: at most BIN+4 shown (%q)", n, bin, got)
				assert.GreaterOrEqual(t, hidden, min(4, n), "n=%d bin=%d: at least 4 hidden (%q)", n, bin, got)
				if n >= 12 && n <= 19 {
					// The range: the last four are always shown and at least four hidden.
					assert.GreaterOrEqual(t, hidden, 4)
					assert.Equal(t, string(ds[n-4:]), strings.ReplaceAll(strings.ReplaceAll(got, " ", ""), "-", "")[n-4:])
				}
				if n >= bin+8 {
					// Long enough for the full BIN.
					assert.Equal(t, bin+4, shown, "n=%d bin=%d", n, bin)
				}
			}
		}
	}
}

// TestPresetAllocs pins the allocation budget of every preset and rule: at
// most one allocation (the result string) for inputs of ordinary size, and
// none for Append into a buffer with room.
func TestPresetAllocs(t *testing.T) {
	tests := []struct {
		name string
		rule Rule
		in   string
	}{
		{"email", EmailRule{}, "john.doe@example.com"},
		{"phone", PhoneRule{}, "+1 415-555-0132"},
		{"pan", PANRule{}, "4242 4242 4242 4242"},
		{"pan bin8", PANRule{BIN: 8}, "4242424242424242"},
		{"iban", IBANRule{}, "DE89 3704 0044 0532 0130 00"},
		{"national id", NationalIDRule{}, "536-90-4399"},
		{"name", NameRule{}, "Мария Иванова"},
		{"ipv4", IPRule{}, "192.0.2.77"},
		{"ipv6", IPRule{}, "2001:db8:85a3::8a2e:370:7334"},
		{"url", URLRule{}, "https://bob:pw@example.com/a?token=abc&page=2#x"},
		{"credential", CredentialRule{}, "sk_live_4eC39HqLyjWDarjtT1zdp7dc"},
		{"partial", Partial{KeepLast: 4, Ignore: "-"}, "1234-5678-9012-3456"},
		{"fixed", Partial{KeepLast: 4, FixedLength: 8}, "1234567890123456"},
		{"label", Label("EMAIL"), "x"},
		{"redact", Redact(""), "x"},
		{"fail closed", EmailRule{}, "not an email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.LessOrEqual(t, testing.AllocsPerRun(200, func() { _ = tt.rule.Mask(tt.in) }), 1.0, "Mask")
			buf := make([]byte, 0, 256)
			assert.Zero(t, testing.AllocsPerRun(200, func() { buf = tt.rule.Append(buf[:0], tt.in) }), "Append")
		})
	}
}
