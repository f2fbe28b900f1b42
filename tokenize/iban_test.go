package tokenize_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/tokenize"
)

// refIBANNumber returns the IBAN (without spaces) rearranged for the check
// of ISO 13616 — first four characters moved to the end, letters replaced
// by 10 to 35 — as a big integer, computed from the definition and
// independently of the package's arithmetic.
func refIBANNumber(iban string) *big.Int {
	r := iban[4:] + iban[:4]
	var b strings.Builder
	for _, c := range r {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c >= 'A' && c <= 'Z':
			fmt.Fprintf(&b, "%d", c-'A'+10)
		default:
			panic("refIBANNumber: character outside the IBAN alphabet")
		}
	}
	n, ok := new(big.Int).SetString(b.String(), 10)
	if !ok {
		panic("refIBANNumber: not a number")
	}
	return n
}

// refIBANValid reports whether iban (spaces allowed) passes the mod-97
// check.
func refIBANValid(iban string) bool {
	iban = strings.ReplaceAll(iban, " ", "")
	return new(big.Int).Mod(refIBANNumber(iban), big.NewInt(97)).Int64() == 1
}

// refIBANCheckDigits returns the check digits of country and bban: 98 minus
// the rearranged IBAN with check digits "00", mod 97 (ISO 7064 MOD 97-10).
func refIBANCheckDigits(country, bban string) string {
	n := refIBANNumber(country + "00" + bban)
	r := new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return fmt.Sprintf("%02d", 98-r)
}

// ibanFormats are BBAN layouts of a few countries (n: digit, a: capital
// letter, c: digit or capital letter), from the SWIFT IBAN registry.
var ibanFormats = []struct{ country, bban string }{
	{"GB", "aaaannnnnnnnnnnnnn"},           // 22
	{"DE", "nnnnnnnnnnnnnnnnnn"},           // 22
	{"FR", "nnnnnnnnnnccccccccccnn"},       // 27
	{"NL", "aaaannnnnnnnnn"},               // 18
	{"NO", "nnnnnnnnnnn"},                  // 15, the shortest
	{"MT", "aaaannnnncccccccccccccccccc"},  // 31
	{"LC", "aaaacccccccccccccccccccccccc"}, // 32
	{"SA", "nnnnnnnnnnnnnnnnnnnn"},         // 24
}

// randomIBAN returns a valid IBAN of the layout bban in country, with its
// check digits computed by refIBANCheckDigits.
func randomIBAN(t testing.TB, country, layout string) string {
	const digits, letters = "0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := make([]byte, len(layout))
	r := make([]byte, len(layout))
	_, err := rand.Read(r)
	require.NoError(t, err)
	for i, k := range []byte(layout) {
		switch k {
		case 'n':
			b[i] = digits[int(r[i])%10]
		case 'a':
			b[i] = letters[int(r[i])%26]
		default:
			b[i] = (digits + letters)[int(r[i])%36]
		}
	}
	return country + refIBANCheckDigits(country, string(b)) + string(b)
}

// printed returns iban in groups of four separated by spaces.
func printed(iban string) string {
	var b strings.Builder
	for i := 0; i < len(iban); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(iban[i:min(i+4, len(iban))])
	}
	return b.String()
}

// The generator's check digits match published IBANs, and the reference
// check accepts them and refuses a changed digit.
func TestRefIBANPublishedExamples(t *testing.T) {
	for _, iban := range []string{
		"GB82WEST12345698765432", // ISO 13616, the SWIFT registry
		"DE89370400440532013000",
		"FR1420041010050500013M02606",
		"NO9386011117947",
		"MT84MALT011000012345MTLCAST001S",
		"NL91ABNA0417164300",
	} {
		assert.Equal(t, iban[2:4], refIBANCheckDigits(iban[:2], iban[4:]), iban)
		assert.True(t, refIBANValid(iban), iban)
		assert.False(t, refIBANValid(iban[:len(iban)-1]+string('0'+(iban[len(iban)-1]-'0'+1)%10)), iban)
	}
}

// Over many random valid IBANs of several countries, in electronic and
// printed form and with several kept parts: every token fails the mod-97
// check, keeps the country code, the kept characters and the layout, and
// detokenizes to the IBAN; and every valid IBAN given as a token is refused.
func TestFormatPreservingIBANTokensFailMod97(t *testing.T) {
	root := newRoot(t)
	per := 250
	if testing.Short() {
		per = 40
	}
	ctx := context.Background()
	for _, keep := range []struct{ first, last int }{{2, 0}, {8, 0}, {2, 4}} {
		tmpl := tokenize.IBANTemplate()
		tmpl.KeepFirst, tmpl.KeepLast = keep.first, keep.last
		f, err := tokenize.NewFormatPreserving(root, "payments.iban", root.PrimaryID(), tmpl)
		require.NoError(t, err)
		for _, c := range ibanFormats {
			t.Run(fmt.Sprintf("keep%d+%d/%s", keep.first, keep.last, c.country), func(t *testing.T) {
				seen := map[string]string{}
				checks := map[string]bool{}
				for i := range per {
					iban := randomIBAN(t, c.country, c.bban)
					require.True(t, refIBANValid(iban))
					in := iban
					if i%2 == 1 {
						in = printed(iban)
					}
					tok, err := f.Tokenize(in)
					require.NoError(t, err)
					require.Len(t, tok, len(in))
					require.False(t, refIBANValid(tok), "token passes the mod-97 check")
					flat := strings.ReplaceAll(tok, " ", "")
					assert.Equal(t, iban[:2], flat[:2], "country code")
					assert.Regexp(t, `^[0-9]{2}$`, flat[2:4], "check digits")
					assert.Equal(t, iban[4:keep.first+max(0, 4-keep.first)], flat[4:keep.first+max(0, 4-keep.first)], "kept after the check digits")
					assert.Equal(t, iban[len(iban)-keep.last:], flat[len(flat)-keep.last:], "kept at the end")
					for j := range in {
						assert.Equal(t, in[j] == ' ', tok[j] == ' ', "layout")
					}
					if prev, ok := seen[tok]; ok && prev != in {
						t.Fatal("two IBANs share a token")
					}
					seen[tok] = in
					checks[flat[2:4]] = true
					back, err := f.Detokenize(ctx, tok)
					require.NoError(t, err)
					require.Equal(t, in, back)

					_, err = f.Detokenize(ctx, in)
					require.ErrorIs(t, err, tokenize.ErrInvalidToken, "a valid IBAN is not a token")
				}
				// The check digits vary with the token.
				assert.Greater(t, len(checks), 10)
			})
		}
	}
}

func TestFormatPreservingIBANRejects(t *testing.T) {
	root := newRoot(t)
	f, err := tokenize.NewFormatPreserving(root, "payments.iban", root.PrimaryID(), tokenize.IBANTemplate())
	require.NoError(t, err)
	ctx := context.Background()
	valid := "GB82WEST12345698765432"
	for _, in := range []string{
		"GB83WEST12345698765432", // a wrong check digit
		"GB82WEST12345698765433", // a changed account number
		"1282WEST12345698765432", // a country code of digits
		"GBX2WEST12345698765432", // a letter for a check digit
	} {
		assert.False(t, refIBANValid(in) && in[0] >= 'A' && in[2] <= '9', in)
		_, err := f.Tokenize(in)
		assert.ErrorIs(t, err, tokenize.ErrInvalidValue, in)
	}
	// Check digits 99, 00 and 01 can pass the mod-97 arithmetic but are
	// not ISO 7064 check digits: refused, or a value would not round-trip.
	for _, bban := range []string{"WEST12345698765432", "WEST12345698765433", "WEST12345698765434", "WEST12345698765435"} {
		cd := refIBANCheckDigits("GB", bban)
		var alt string
		switch cd {
		case "02":
			alt = "99"
		case "97":
			alt = "00"
		case "98":
			alt = "01"
		default:
			continue
		}
		in := "GB" + alt + bban
		require.True(t, refIBANValid(in))
		_, err := f.Tokenize(in)
		assert.ErrorIs(t, err, tokenize.ErrInvalidValue, in)
	}
	// A token with other check digits is not one of ours.
	tok, err := f.Tokenize(valid)
	require.NoError(t, err)
	for d := range 100 {
		b := []byte(tok)
		b[2], b[3] = '0'+byte(d/10), '0'+byte(d%10)
		if string(b) == tok {
			continue
		}
		_, err = f.Detokenize(ctx, string(b))
		require.ErrorIs(t, err, tokenize.ErrInvalidToken, "check digits %02d", d)
	}
	// Without FailMod97, any value of the alphabet is accepted.
	plain := tokenize.IBANTemplate()
	plain.FailMod97 = false
	g, err := tokenize.NewFormatPreserving(root, "payments.iban", root.PrimaryID(), plain)
	require.NoError(t, err)
	tok, err = g.Tokenize("GB83WEST12345698765432")
	require.NoError(t, err)
	back, err := g.Detokenize(ctx, tok)
	require.NoError(t, err)
	assert.Equal(t, "GB83WEST12345698765432", back)
}

func TestFormatPreservingIBANConfig(t *testing.T) {
	root := newRoot(t)
	lower := tokenize.IBANTemplate()
	lower.Alphabet = strings.ToLower(lower.Alphabet)
	noCountry := tokenize.IBANTemplate()
	noCountry.KeepFirst = 1
	luhn := tokenize.IBANTemplate()
	luhn.FailLuhn = true
	for name, tmpl := range map[string]tokenize.Template{"alphabet": lower, "keep first 1": noCountry, "with FailLuhn": luhn} {
		_, err := tokenize.NewFormatPreserving(root, "d", root.PrimaryID(), tmpl)
		assert.ErrorIs(t, err, tokenize.ErrInvalidConfig, name)
		_, err = tokenize.NewVault(root, "d", memStore(t), tokenize.VaultConfig{Format: tmpl})
		assert.ErrorIs(t, err, tokenize.ErrInvalidConfig, name)
	}
}

// Format-preserving vault tokens under IBANTemplate fail the check too, and
// a valid IBAN is refused as a token before any store lookup.
func TestVaultIBANFormatFailsMod97(t *testing.T) {
	root := newRoot(t)
	ctx := context.Background()
	v, err := tokenize.NewVault(root, "payments.iban", memStore(t), tokenize.VaultConfig{Format: tokenize.IBANTemplate()})
	require.NoError(t, err)
	for i := range 500 {
		c := ibanFormats[i%len(ibanFormats)]
		iban := printed(randomIBAN(t, c.country, c.bban))
		tok, err := v.Tokenize(ctx, iban)
		require.NoError(t, err)
		require.False(t, refIBANValid(tok), "vault token passes the mod-97 check")
		require.Equal(t, iban[:2], tok[:2])
		back, err := v.Detokenize(ctx, tok)
		require.NoError(t, err)
		require.Equal(t, iban, back)
		_, err = v.Detokenize(ctx, iban)
		require.ErrorIs(t, err, tokenize.ErrInvalidToken)
	}
}
