package tokenize

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// genericOf returns f with the digits path switched off: transform then
// takes the byte-by-byte scan, fill and Luhn helpers that the examples pin.
func genericOf(f *FormatPreserving) *FormatPreserving {
	g := *f
	l := *f.l
	l.digits = false
	g.l = &l
	return &g
}

// randomDigitsValue returns a value of length n over digits and the given
// extra characters, digits most often.
func randomDigitsValue(rng *rand.Rand, n int, extra string) string {
	b := make([]byte, n)
	for i := range b {
		if extra != "" && rng.IntN(4) == 0 {
			b[i] = extra[rng.IntN(len(extra))]
		} else {
			b[i] = byte('0' + rng.IntN(10))
		}
	}
	return string(b)
}

// badChars are bytes that are neither digits nor separators of any
// template below, among them the neighbours of '0' and '9' and bytes that
// are not ASCII.
const badChars = "/:aZ\x00\x7f\x80\xff_"

var digitsTemplates = func() map[string]Template {
	card := CardTemplate()
	last4 := CardTemplate()
	last4.KeepLast = 4
	luhn := CardTemplate()
	luhn.FailLuhn = true
	luhnKeep := CardTemplate()
	luhnKeep.FailLuhn, luhnKeep.KeepFirst, luhnKeep.KeepLast = true, 6, 4
	luhnLast := CardTemplate()
	luhnLast.FailLuhn, luhnLast.KeepLast = true, 3
	phone := PhoneTemplate()
	phone.KeepFirst = 2
	wide := AlphabetTemplate("0123456789")
	wide.Separators = " -."
	wide.FailLuhn = true
	return map[string]Template{
		"card": card, "last4": last4, "luhn": luhn, "luhn-keep-6-4": luhnKeep, "luhn-last3": luhnLast,
		"ssn": SSNTemplate(), "phone": PhoneTemplate(), "phone-keep2": phone, "wide-luhn": wide,
	}
}()

// TestScanDigitsMatchesScan checks scanDigits against scan (digits, count,
// separator positions, error text) on random values of every length the
// digits path takes, valid and not.
func TestScanDigitsMatchesScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for name, tmpl := range digitsTemplates {
		f, err := NewFormatPreservingRawKey(make([]byte, 32), "d", tmpl)
		require.NoError(t, err)
		l := f.l
		require.True(t, l.digits, name)
		for n := 8; n <= maxDigitsLen; n++ {
			for range 100 {
				extra := tmpl.Separators
				if rng.IntN(3) == 0 {
					extra += badChars
				}
				v := randomDigitsValue(rng, n, extra)
				var c1, c2 [64]byte
				core, k, _, err1 := l.scan(c1[:0], v, "value")
				k2, seps, err2 := l.scanDigits(&c2, v, "value")
				if err1 != nil {
					require.Error(t, err2, "%s %q", name, v)
					require.Equal(t, err1.Error(), err2.Error(), "%s %q", name, v)
					continue
				}
				require.NoError(t, err2, "%s %q", name, v)
				require.Equal(t, k, k2, "%s %q", name, v)
				require.Equal(t, string(core), string(c2[:k2]), "%s %q", name, v)
				for i := range len(v) {
					isSep := v[i] < '0' || v[i] > '9'
					require.Equal(t, isSep, seps>>i&1 == 1, "%s %q byte %d", name, v, i)
				}
				require.Zero(t, seps>>len(v), "%s %q", name, v)

				// fillDigits puts other digits back where fill does.
				for i := range k2 {
					c2[i] = byte('0' + rng.IntN(10))
				}
				out := make([]byte, len(v))
				fillDigits(out, v, &c2, seps)
				require.Equal(t, l.fill(v, c2[:k2]), string(out), "%s %q", name, v)
				for i := range k2 {
					require.Equal(t, digitIndexRef(v, i), digitIndex(seps, i), "%s %q digit %d", name, v, i)
				}
			}
		}
	}
}

// digitIndexRef is the index in v of its digit number k, byte by byte.
func digitIndexRef(v string, k int) int {
	for i := range len(v) {
		if v[i] >= '0' && v[i] <= '9' {
			if k == 0 {
				return i
			}
			k--
		}
	}
	return -1
}

// TestTransformDigitsMatchesGeneric checks the digits path against the
// byte-by-byte path, tokens and errors, both ways, with and without a
// tweak, on random values (Luhn-valid ones made with the reference sum for
// FailLuhn templates), random strings and altered tokens.
func TestTransformDigitsMatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i * 7)
	}
	ctx := context.Background()
	for name, tmpl := range digitsTemplates {
		f, err := NewFormatPreservingRawKey(key, "d", tmpl)
		require.NoError(t, err)
		g := genericOf(f)
		for range 1500 {
			n := 8 + rng.IntN(maxDigitsLen-8+1)
			extra := tmpl.Separators
			if rng.IntN(8) == 0 {
				extra += badChars
			}
			v := []byte(randomDigitsValue(rng, n, extra))
			if tmpl.FailLuhn && rng.IntN(4) != 0 {
				makeLuhnValid(v)
			}
			var tweak []byte
			if rng.IntN(2) == 0 {
				tweak = []byte{byte(rng.IntN(256)), 1, 2}
			}
			tok1, err1 := f.TokenizeWithTweak(string(v), tweak)
			tok2, err2 := g.TokenizeWithTweak(string(v), tweak)
			requireSame(t, tok2, err2, tok1, err1, name, v)
			if err1 != nil {
				continue
			}
			back1, err1 := f.DetokenizeWithTweak(ctx, tok1, tweak)
			back2, err2 := g.DetokenizeWithTweak(ctx, tok1, tweak)
			requireSame(t, back2, err2, back1, err1, name, v)
			require.Equal(t, string(v), back1, "%s", name)

			// An altered token: a wrong Luhn digit or another value.
			alt := []byte(tok1)
			i := digitIndexRef(tok1, rng.IntN(len(tok1)))
			if i >= 0 {
				alt[i] = byte('0' + (int(alt[i]-'0')+1+rng.IntN(9))%10)
			}
			back1, err1 = f.DetokenizeWithTweak(ctx, string(alt), tweak)
			back2, err2 = g.DetokenizeWithTweak(ctx, string(alt), tweak)
			requireSame(t, back2, err2, back1, err1, name, alt)
		}
	}
}

// makeLuhnValid sets the last digit of v so that its digits pass the
// reference Luhn check.
func makeLuhnValid(v []byte) {
	var d []byte
	last := -1
	for i, c := range v {
		if c >= '0' && c <= '9' {
			d = append(d, c)
			last = i
		}
	}
	if last < 0 {
		return
	}
	for c := byte('0'); c <= '9'; c++ {
		d[len(d)-1] = c
		if refLuhnSum(d, -1) == 0 {
			v[last] = c
			return
		}
	}
}

func requireSame(t *testing.T, want string, wantErr error, got string, gotErr error, name string, v []byte) {
	t.Helper()
	if wantErr != nil {
		require.Error(t, gotErr, "%s %q", name, v)
		require.Equal(t, wantErr.Error(), gotErr.Error(), "%s %q", name, v)
		return
	}
	require.NoError(t, gotErr, "%s %q", name, v)
	require.Equal(t, want, got, "%s %q", name, v)
}

// TestLuhnSumsAgainstReference checks luhnSums and luhnFreeDigit against
// digit-by-digit sums for every length 1 to 64 and random ranges.
func TestLuhnSumsAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for n := 1; n <= 64; n++ {
		for range 300 {
			d := []byte(randomDigitsValue(rng, n, ""))
			a := rng.IntN(n + 1)
			b := a + rng.IntN(n-a+1)
			total, ds := luhnSums(d, a, b)
			require.Equal(t, refLuhnSum(d, -1), int(total%10), "%s", d)
			require.Equal(t, refLuhnSum(d, -1), int(luhnTotal(d)%10), "%s", d)
			wantDS := 0
			for _, c := range d[a:b] {
				wantDS += int(c - '0')
			}
			require.Equal(t, wantDS, int(ds), "%s [%d:%d]", d, a, b)
			require.Equal(t, wantDS, int(digitSum(d[a:b])), "%s [%d:%d]", d, a, b)

			free := rng.IntN(n)
			a = rng.IntN(free + 1)
			d[free] = '0'
			d[free] = luhnFreeDigit(d, a, free, false)
			require.Zero(t, refLuhnSum(d, -1), "%s", d)
			d[free] = '0'
			d[free] = luhnFreeDigit(d, a, free, true)
			wantDS = 0
			for _, c := range d[a:free] {
				wantDS += int(c - '0')
			}
			require.Equal(t, 1+wantDS%9, refLuhnSum(d, -1), "%s a %d free %d", d, a, free)
		}
	}
}
