package tokenize

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// refLuhnSum is the Luhn sum mod 10 digit by digit, skipping index skip.
func refLuhnSum(d []byte, skip int) int {
	s := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		if i != skip {
			v := int(d[i] - '0')
			if double {
				v *= 2
				if v > 9 {
					v -= 9
				}
			}
			s += v
		}
		double = !double
	}
	return s % 10
}

// TestLuhnAgainstReference checks the two-digits-a-step Luhn helpers against the
// textbook digit-by-digit sum, for every length and position, and the token
// digit's rule: Luhn remainder 1 + (sum of the tokenized digits) mod 9.
func TestLuhnAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 1; n <= 40; n++ {
		for range 200 {
			d := make([]byte, n)
			for i := range d {
				d[i] = byte('0' + rng.IntN(10))
			}
			require.Equal(t, refLuhnSum(d, -1), luhnSum(d, -1), "%s", d)
			require.Equal(t, refLuhnSum(d, -1) == 0, luhnValid(d))
			skip := rng.IntN(n)
			require.Equal(t, refLuhnSum(d, skip), luhnSum(d, skip), "%s skip %d", d, skip)

			e := append([]byte(nil), d...)
			luhnSet(e, skip, 0)
			require.Zero(t, refLuhnSum(e, -1), "%s", e)
			require.Equal(t, string(d[:skip])+string(d[skip+1:]), string(e[:skip])+string(e[skip+1:]))

			a := rng.IntN(skip + 1)
			luhnSetToken(e, a, skip)
			ds := 0
			for _, c := range e[a:skip] {
				ds += int(c - '0')
			}
			require.Equal(t, 1+ds%9, refLuhnSum(e, -1), "%s a %d free %d", e, a, skip)
		}
	}
}

// TestEncodeBase32 checks the word-at-a-time base32 encoder against
// encoding/base32 for every length up to 45 bytes.
func TestEncodeBase32(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for n := 0; n <= 45; n++ {
		for range 100 {
			src := make([]byte, n)
			for i := range src {
				src[i] = byte(rng.Uint32())
			}
			if n > 0 && rng.IntN(4) == 0 {
				src[rng.IntN(n)] = 0xFF
			}
			want := lowerBase32.EncodeToString(src)
			got := make([]byte, lowerBase32.EncodedLen(n))
			encodeBase32(got, src)
			require.Equal(t, want, string(got), "%x", src)
		}
	}
}
