package tokenize_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/internal/testvec"
	"github.com/custos-dev/custos/keys"
	"github.com/custos-dev/custos/tokenize"
	"github.com/custos-dev/custos/tokenize/fpe"
)

type ff1Vector struct {
	Key        string `json:"key"`
	Radix      int    `json:"radix"`
	Alphabet   string `json:"alphabet"`
	Tweak      string `json:"tweak"`
	Plaintext  string `json:"plaintext"`
	Ciphertext string `json:"ciphertext"`
	Source     string `json:"source"`
}

// insertEvery puts sep after every k characters of s.
func insertEvery(s string, k int, sep string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%k == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// NIST's FF1 samples through the raw-key constructor, with separators added:
// the tokenized characters are FF1's ciphertext, the separators stay.
func TestFormatPreservingNISTVectors(t *testing.T) {
	var vs []ff1Vector
	testvec.Load(t, "testdata/ff1.json", &vs)
	require.Len(t, vs, 9)
	for i, v := range vs {
		t.Run(fmt.Sprint("sample", i+1), func(t *testing.T) {
			key, err := hex.DecodeString(v.Key)
			require.NoError(t, err)
			tweak, err := hex.DecodeString(v.Tweak)
			require.NoError(t, err)
			tmpl := tokenize.AlphabetTemplate(v.Alphabet)
			tmpl.Separators = "-"
			f, err := tokenize.NewFormatPreservingRawKey(key, "nist", tmpl)
			require.NoError(t, err)
			in, want := insertEvery(v.Plaintext, 3, "-"), insertEvery(v.Ciphertext, 3, "-")
			var got string
			if len(tweak) == 0 {
				got, err = f.Tokenize(in)
			} else {
				got, err = f.TokenizeWithTweak(in, tweak)
			}
			require.NoError(t, err)
			assert.Equal(t, want, got)
			back, err := f.DetokenizeWithTweak(context.Background(), got, tweak)
			require.NoError(t, err)
			assert.Equal(t, in, back)
			// Without separators the fast path gives the same.
			if len(tweak) == 0 {
				got, err = f.Tokenize(v.Plaintext)
				require.NoError(t, err)
				assert.Equal(t, v.Ciphertext, got)
			}
		})
	}
}

// The managed key is FF1 under HMAC(derived key of the chosen root key,
// label), checked against package fpe directly.
func TestFormatPreservingManagedKey(t *testing.T) {
	root := newRoot(t)
	id := root.PrimaryID()
	f, err := tokenize.NewFormatPreserving(root, "cards", id, tokenize.CardTemplate())
	require.NoError(t, err)
	assert.Equal(t, id, f.KeyID())
	prf, err := root.DerivePRF(tokenize.PurposeFPE, "cards")
	require.NoError(t, err)
	key := prf.Sum(nil, []byte("custos/tokenize/fpe/ff1-key/v1"))
	ref, err := fpe.NewFF1(key, nil, fpe.Digits)
	require.NoError(t, err)
	want, err := ref.Encrypt("4111111111111111")
	require.NoError(t, err)
	got, err := f.Tokenize("4111 1111 1111 1111")
	require.NoError(t, err)
	assert.Equal(t, insertEvery(want, 4, " "), got)
}

func TestFormatPreservingCardLayout(t *testing.T) {
	root := newRoot(t)
	tests := []struct {
		name        string
		first, last int
		in          string
	}{
		{"plain", 0, 0, "4111111111111111"},
		{"hyphens", 0, 0, "4111-1111-1111-1111"},
		{"spaces amex", 0, 0, "3782 822463 10005"},
		{"keep last four", 0, 4, "4111-1111-1111-1111"},
		{"keep BIN", 6, 0, "5555 5555 5555 4444"},
		{"keep BIN and last four", 6, 4, "6011 1111 1111 1117"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := tokenize.CardTemplate()
			tmpl.KeepFirst, tmpl.KeepLast = tt.first, tt.last
			f, err := tokenize.NewFormatPreserving(root, "cards", root.PrimaryID(), tmpl)
			require.NoError(t, err)
			tok, err := f.Tokenize(tt.in)
			require.NoError(t, err)
			require.Len(t, tok, len(tt.in))
			d, td := digits(tt.in), digits(tok)
			for i := range tt.in {
				if tt.in[i] < '0' || tt.in[i] > '9' {
					assert.Equal(t, tt.in[i], tok[i], "separator at %d kept", i)
				} else {
					assert.True(t, tok[i] >= '0' && tok[i] <= '9')
				}
			}
			assert.Equal(t, d[:tt.first], td[:tt.first])
			assert.Equal(t, d[len(d)-tt.last:], td[len(td)-tt.last:])
			assert.NotEqual(t, d[tt.first:len(d)-tt.last], td[tt.first:len(td)-tt.last])
			back, err := f.Detokenize(context.Background(), tok)
			require.NoError(t, err)
			assert.Equal(t, tt.in, back)
		})
	}
}

// For every PAN length, tokens of Luhn-valid card numbers fail the Luhn
// check, and detokenize to the original: with the check digit tokenized, with
// the last four kept, and with the BIN kept where the length allows.
func TestFormatPreservingFailLuhnEveryLength(t *testing.T) {
	root := newRoot(t)
	per := 300
	if testing.Short() {
		per = 50
	}
	for _, keep := range []struct{ first, last int }{{0, 0}, {0, 4}, {6, 0}, {6, 4}} {
		tmpl := tokenize.CardTemplate()
		tmpl.KeepFirst, tmpl.KeepLast, tmpl.FailLuhn = keep.first, keep.last, true
		f, err := tokenize.NewFormatPreserving(root, "cards", root.PrimaryID(), tmpl)
		require.NoError(t, err)
		for n := 12; n <= 19; n++ {
			t.Run(fmt.Sprintf("keep%d+%d/len%d", keep.first, keep.last, n), func(t *testing.T) {
				if n-keep.first-keep.last < 7 {
					_, err := f.Tokenize(randomPAN(t, n))
					assert.ErrorIs(t, err, tokenize.ErrInvalidValue, "too few digits left")
					return
				}
				seen := map[string]string{}
				for range per {
					pan := randomPAN(t, n)
					tok, err := f.Tokenize(pan)
					require.NoError(t, err)
					require.Len(t, tok, n)
					assert.False(t, refLuhnValid(tok), "token passes Luhn")
					assert.Equal(t, pan[:keep.first], tok[:keep.first])
					assert.Equal(t, pan[n-keep.last:], tok[n-keep.last:])
					if prev, ok := seen[tok]; ok && prev != pan {
						t.Fatalf("two card numbers share a token")
					}
					seen[tok] = pan
					back, err := f.Detokenize(context.Background(), tok)
					require.NoError(t, err)
					require.Equal(t, pan, back)
				}
			})
		}
	}
}

func TestFormatPreservingFailLuhnRejects(t *testing.T) {
	root := newRoot(t)
	tmpl := tokenize.CardTemplate()
	tmpl.FailLuhn = true
	f, err := tokenize.NewFormatPreserving(root, "cards", root.PrimaryID(), tmpl)
	require.NoError(t, err)
	_, err = f.Tokenize("4111111111111112")
	assert.ErrorIs(t, err, tokenize.ErrInvalidValue, "a Luhn-failing value has no Luhn-failing token")
	tok, err := f.Tokenize("4111111111111111")
	require.NoError(t, err)
	// A token with a different free digit is not one of ours.
	b := []byte(tok)
	b[len(b)-1] = '0' + (b[len(b)-1]-'0'+1)%10
	_, err = f.Detokenize(context.Background(), string(b))
	assert.ErrorIs(t, err, tokenize.ErrInvalidToken)
}

// Separators outside ASCII stay in place, byte for byte, when the
// alphabet is ASCII and the token is filled in digit by digit (FailLuhn,
// FailMod97).
func TestFormatPreservingNonASCIISeparators(t *testing.T) {
	root := newRoot(t)
	luhn := tokenize.CardTemplate()
	luhn.Separators, luhn.FailLuhn = "·", true
	iban := tokenize.IBANTemplate()
	iban.Separators = "· "
	for _, tc := range []struct {
		tmpl tokenize.Template
		in   string
	}{{luhn, "4111·1111·1111·1111"}, {iban, "DE89·3704·0044 0532·0130·00"}} {
		f, err := tokenize.NewFormatPreserving(root, "d", root.PrimaryID(), tc.tmpl)
		require.NoError(t, err)
		tok, err := f.Tokenize(tc.in)
		require.NoError(t, err)
		require.True(t, utf8.ValidString(tok))
		ri, rt := []rune(tc.in), []rune(tok)
		require.Len(t, rt, len(ri))
		for i := range ri {
			assert.Equal(t, ri[i] == '·', rt[i] == '·', "separator at %d", i)
		}
		back, err := f.Detokenize(context.Background(), tok)
		require.NoError(t, err)
		assert.Equal(t, tc.in, back)
	}
}

func TestFormatPreservingTemplates(t *testing.T) {
	root := newRoot(t)
	greek := tokenize.AlphabetTemplate("αβγδεζηθικλμνξοπρστυφχψω")
	greek.Separators = " "
	tests := []struct {
		name string
		tmpl tokenize.Template
		in   string
	}{
		{"ssn", tokenize.SSNTemplate(), "078-05-1120"},
		{"phone", tokenize.PhoneTemplate(), "+44 (20) 7946-0958"},
		{"iban", tokenize.IBANTemplate(), "GB82 WEST 1234 5698 7654 32"},
		{"iban compact", tokenize.IBANTemplate(), "DE89370400440532013000"},
		{"base62", tokenize.AlphabetTemplate(fpe.Base62), "Zx81aQ7b"},
		{"greek", greek, "αβγ δεζ ηθι"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := tokenize.NewFormatPreserving(root, "d", root.PrimaryID(), tt.tmpl)
			require.NoError(t, err)
			tok, err := f.Tokenize(tt.in)
			require.NoError(t, err)
			assert.NotEqual(t, tt.in, tok)
			ri, rt := []rune(tt.in), []rune(tok)
			require.Len(t, rt, len(ri))
			alpha := tt.tmpl.Alphabet
			kept := 0
			for i := range ri {
				if strings.ContainsRune(alpha, ri[i]) {
					assert.True(t, strings.ContainsRune(alpha, rt[i]), "alphabet kept at %d", i)
					if kept < tt.tmpl.KeepFirst {
						assert.Equal(t, ri[i], rt[i])
					}
					kept++
				} else {
					assert.Equal(t, ri[i], rt[i], "layout kept at %d", i)
				}
			}
			back, err := f.Detokenize(context.Background(), tok)
			require.NoError(t, err)
			assert.Equal(t, tt.in, back)
		})
	}
}

func TestFormatPreservingTweak(t *testing.T) {
	root := newRoot(t)
	f, err := tokenize.NewFormatPreserving(root, "cards", root.PrimaryID(), tokenize.CardTemplate())
	require.NoError(t, err)
	a, err := f.TokenizeWithTweak("4111111111111111", []byte("merchant-1"))
	require.NoError(t, err)
	b, err := f.TokenizeWithTweak("4111111111111111", []byte("merchant-2"))
	require.NoError(t, err)
	c, err := f.Tokenize("4111111111111111")
	require.NoError(t, err)
	assert.NotEqual(t, a, b)
	assert.NotEqual(t, a, c)
	v, err := f.DetokenizeWithTweak(context.Background(), a, []byte("merchant-1"))
	require.NoError(t, err)
	assert.Equal(t, "4111111111111111", v)
	v, err = f.DetokenizeWithTweak(context.Background(), a, []byte("merchant-2"))
	require.NoError(t, err)
	assert.NotEqual(t, "4111111111111111", v, "wrong tweak, wrong value")
	_, err = f.TokenizeWithTweak("4111111111111111", make([]byte, fpe.MaxFF1TweakSize+1))
	assert.ErrorIs(t, err, tokenize.ErrInvalidValue)
}

// Key versions: a token made under one root key detokenizes under that
// version after the root rotates; another version gives another token.
func TestFormatPreservingVersions(t *testing.T) {
	root := newRoot(t)
	v1 := root.PrimaryID()
	f1, err := tokenize.NewFormatPreserving(root, "cards", v1, tokenize.CardTemplate())
	require.NoError(t, err)
	tok1, err := f1.Tokenize("4111111111111111")
	require.NoError(t, err)

	root2, v2 := rotate(t, root)
	f1b, err := tokenize.NewFormatPreserving(root2, "cards", v1, tokenize.CardTemplate())
	require.NoError(t, err)
	f2, err := tokenize.NewFormatPreserving(root2, "cards", v2, tokenize.CardTemplate())
	require.NoError(t, err)
	again, err := f1b.Tokenize("4111111111111111")
	require.NoError(t, err)
	assert.Equal(t, tok1, again, "version 1 is stable across rotation")
	tok2, err := f2.Tokenize("4111111111111111")
	require.NoError(t, err)
	assert.NotEqual(t, tok1, tok2)
	// Re-tokenize: old version out, new version in.
	v, err := f1b.Detokenize(context.Background(), tok1)
	require.NoError(t, err)
	re, err := f2.Tokenize(v)
	require.NoError(t, err)
	assert.Equal(t, tok2, re)

	other, err := tokenize.NewFormatPreserving(root2, "other", v1, tokenize.CardTemplate())
	require.NoError(t, err)
	otherTok, err := other.Tokenize("4111111111111111")
	require.NoError(t, err)
	assert.NotEqual(t, tok1, otherTok, "domains have different keys")

	root3, err := root2.Disable(v1)
	require.NoError(t, err)
	_, err = tokenize.NewFormatPreserving(root3, "cards", v1, tokenize.CardTemplate())
	assert.ErrorIs(t, err, tokenize.ErrKeyUnavailable)
	_, err = tokenize.NewFormatPreserving(root3, "cards", 12345, tokenize.CardTemplate())
	assert.ErrorIs(t, err, tokenize.ErrKeyUnavailable)
}

func TestFormatPreservingInvalidValues(t *testing.T) {
	root := newRoot(t)
	keep := tokenize.CardTemplate()
	keep.KeepFirst, keep.KeepLast = 6, 4
	f, err := tokenize.NewFormatPreserving(root, "cards", root.PrimaryID(), tokenize.CardTemplate())
	require.NoError(t, err)
	fk, err := tokenize.NewFormatPreserving(root, "cards", root.PrimaryID(), keep)
	require.NoError(t, err)
	tests := []struct {
		name string
		f    *tokenize.FormatPreserving
		in   string
	}{
		{"empty", f, ""},
		{"letter", f, "4111-1111-1111-111a"},
		{"other separator", f, "4111/1111/1111/1111"},
		{"too short", f, "41111111111"},
		{"too long", f, "41111111111111111111"},
		{"invalid utf8", f, "4111111111111111\xff"},
		{"unicode digit", f, "411111111111111١"},
		{"too little left", fk, "411111111111"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := tt.f.Tokenize(tt.in)
			assert.ErrorIs(t, err, tokenize.ErrInvalidValue)
			assert.Empty(t, tok)
			v, err := tt.f.Detokenize(context.Background(), tt.in)
			assert.ErrorIs(t, err, tokenize.ErrInvalidValue)
			assert.Empty(t, v)
		})
	}
}

func TestFormatPreservingConfigErrors(t *testing.T) {
	root := newRoot(t)
	id := root.PrimaryID()
	tmpl := func(f func(*tokenize.Template)) tokenize.Template {
		t := tokenize.CardTemplate()
		f(&t)
		return t
	}
	tests := []struct {
		name string
		tmpl tokenize.Template
	}{
		{"zero template", tokenize.Template{}},
		{"one character", tokenize.AlphabetTemplate("a")},
		{"repeated character", tokenize.AlphabetTemplate("abca")},
		{"invalid utf8", tokenize.AlphabetTemplate("ab\xff")},
		{"separator in alphabet", tmpl(func(t *tokenize.Template) { t.Separators = "1" })},
		{"luhn on letters", tokenize.Template{Alphabet: fpe.LowerAlpha, FailLuhn: true}},
		{"negative keep", tmpl(func(t *tokenize.Template) { t.KeepLast = -1 })},
		{"min above max", tmpl(func(t *tokenize.Template) { t.MinLength = 20 })},
		{"nothing left", tmpl(func(t *tokenize.Template) { t.KeepFirst, t.KeepLast = 8, 8 })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tokenize.NewFormatPreserving(root, "d", id, tt.tmpl)
			assert.ErrorIs(t, err, tokenize.ErrInvalidConfig)
		})
	}
	_, err := tokenize.NewFormatPreservingRawKey(make([]byte, 15), "d", tokenize.CardTemplate())
	assert.ErrorIs(t, err, tokenize.ErrInvalidConfig)
	_, err = tokenize.NewFormatPreservingRawKey(make([]byte, 16), "", tokenize.CardTemplate())
	assert.ErrorIs(t, err, tokenize.ErrInvalidConfig)
	aead, err := keys.New(keys.AES256GCM)
	require.NoError(t, err)
	_, err = tokenize.NewFormatPreserving(aead, "d", aead.PrimaryID(), tokenize.CardTemplate())
	assert.ErrorIs(t, err, tokenize.ErrInvalidConfig)
}

func TestFormatPreservingConcurrent(t *testing.T) {
	root := newRoot(t)
	tmpl := tokenize.CardTemplate()
	tmpl.FailLuhn, tmpl.KeepLast = true, 4
	f, err := tokenize.NewFormatPreserving(root, "cards", root.PrimaryID(), tmpl)
	require.NoError(t, err)
	const n = 100
	pans, want := make([]string, n), make([]string, n)
	for i := range pans {
		pans[i] = randomPAN(t, 16)
		want[i], err = f.Tokenize(pans[i])
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	var bad sync.Map
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				j := (i + 11*g) % n
				if tok, err := f.Tokenize(pans[j]); err != nil || tok != want[j] {
					bad.Store(j, "tokenize")
				}
				if v, err := f.Detokenize(context.Background(), want[j]); err != nil || v != pans[j] {
					bad.Store(j, "detokenize")
				}
			}
		}()
	}
	wg.Wait()
	bad.Range(func(k, v any) bool { t.Errorf("%v at %v", v, k); return true })
}

// Any value either fits the template (and round-trips) or is refused with
// ErrInvalidValue; never a panic or an unchanged pass-through.
func FuzzFormatPreservingRoundTrip(f *testing.F) {
	root, err := keys.New(keys.DerivationHKDFSHA256)
	require.NoError(f, err)
	luhn := tokenize.CardTemplate()
	luhn.FailLuhn, luhn.KeepLast = true, 4
	greek := tokenize.AlphabetTemplate("αβγδεζηθικλμνξοπρστυφχψω")
	greek.Separators, greek.KeepFirst = " -", 1
	var fs []*tokenize.FormatPreserving
	for _, tmpl := range []tokenize.Template{tokenize.CardTemplate(), luhn, tokenize.SSNTemplate(), tokenize.PhoneTemplate(), tokenize.IBANTemplate(), greek} {
		x, err := tokenize.NewFormatPreserving(root, "fuzz", root.PrimaryID(), tmpl)
		require.NoError(f, err)
		fs = append(fs, x)
	}
	f.Add(uint8(0), "4111-1111-1111-1111", []byte(nil))
	f.Add(uint8(1), "4111 1111 1111 1111", []byte("t"))
	f.Add(uint8(2), "078-05-1120", []byte(nil))
	f.Add(uint8(3), "+1 (555) 010-9999", []byte(nil))
	f.Add(uint8(4), "GB82 WEST 1234 5698 7654 32", []byte("x"))
	f.Add(uint8(5), "αβγ-δεζ ηθι", []byte(nil))
	f.Fuzz(func(t *testing.T, which uint8, value string, tweak []byte) {
		x := fs[int(which)%len(fs)]
		tok, err := x.TokenizeWithTweak(value, tweak)
		if err != nil {
			require.True(t, errors.Is(err, tokenize.ErrInvalidValue), "%v", err)
			require.Empty(t, tok)
			return
		}
		require.Equal(t, len([]rune(value)), len([]rune(tok)))
		back, err := x.DetokenizeWithTweak(context.Background(), tok, tweak)
		require.NoError(t, err)
		require.Equal(t, value, back)
	})
}

// Any template either is refused with ErrInvalidConfig or tokenizes values
// that fit it reversibly.
func FuzzTemplate(f *testing.F) {
	key := make([]byte, 32)
	f.Add(fpe.Digits, " -", 0, 0, 0, 0, false, false, "4111-1111-1111-1111")
	f.Add(fpe.Digits, "-", 9, 9, 0, 0, false, false, "078-05-1120")
	f.Add("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", " ", 15, 34, 2, 0, false, false, "GB82 WEST 1234 5698 7654 32")
	f.Add("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", " ", 15, 34, 2, 0, false, true, "GB82 WEST 1234 5698 7654 32")
	f.Add("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "·-", 0, 0, 6, 3, false, true, "DE89·3704·0044·0532-0130-00")
	f.Add("ab", "", 0, 0, 0, 0, false, false, "abababababababababababab")
	f.Add(fpe.Digits, " ", 12, 19, 6, 4, true, false, "4111 1111 1111 1111")
	f.Add(fpe.Digits, "·", 12, 19, 0, 0, true, false, "4111·1111·1111·1111")
	f.Add("αβγδεζηθικ", "·", 0, 0, 1, 1, false, false, "αβγ·δεζ·ηθι")
	f.Fuzz(func(t *testing.T, alpha, seps string, minL, maxL, first, last int, luhn, mod97 bool, value string) {
		tmpl := tokenize.Template{Name: "fuzz", Alphabet: alpha, Separators: seps, MinLength: minL, MaxLength: maxL, KeepFirst: first % 64, KeepLast: last % 64, FailLuhn: luhn, FailMod97: mod97}
		x, err := tokenize.NewFormatPreservingRawKey(key, "fuzz", tmpl)
		if err != nil {
			require.True(t, errors.Is(err, tokenize.ErrInvalidConfig), "%v", err)
			return
		}
		if len(value) > 200 {
			value = value[:200]
		}
		tok, err := x.Tokenize(value)
		if err != nil {
			require.True(t, errors.Is(err, tokenize.ErrInvalidValue), "%v", err)
			return
		}
		back, err := x.Detokenize(context.Background(), tok)
		require.NoError(t, err)
		require.Equal(t, value, back)
	})
}

// TestFormatPreservingAllocs pins card tokens, with layout, kept digits or
// FailLuhn, at one allocation (the token) each way.
func TestFormatPreservingAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under -race")
	}
	luhn := tokenize.CardTemplate()
	luhn.FailLuhn = true
	last4 := tokenize.CardTemplate()
	last4.KeepLast = 4
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		tmpl tokenize.Template
	}{{"layout", tokenize.CardTemplate()}, {"keep last 4", last4}, {"fail Luhn", luhn}} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := tokenize.NewFormatPreservingRawKey(make([]byte, 32), "cards", tc.tmpl)
			require.NoError(t, err)
			tok, err := f.Tokenize("4111-1111-1111-1111")
			require.NoError(t, err)
			assert.LessOrEqual(t, testing.AllocsPerRun(200, func() { _, _ = f.Tokenize("4111-1111-1111-1111") }), 1.0)
			assert.LessOrEqual(t, testing.AllocsPerRun(200, func() { _, _ = f.TokenizeWithTweak("4111-1111-1111-1111", []byte("m")) }), 1.0)
			assert.LessOrEqual(t, testing.AllocsPerRun(200, func() { _, _ = f.Detokenize(ctx, tok) }), 1.0)
		})
	}
}
