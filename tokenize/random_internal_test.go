package tokenize

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// 10^6 opaque tokens from the raw generator, none repeated, all canonical.
func TestRandomTokensNoCollision(t *testing.T) {
	const n = 1_000_000
	seen := make(map[[RandomTokenLen]byte]struct{}, n)
	for i := range n {
		tok := randomToken()
		if len(tok) != RandomTokenLen {
			t.Fatalf("token of %d bytes", len(tok))
		}
		var k [RandomTokenLen]byte
		copy(k[:], tok)
		if _, dup := seen[k]; dup {
			t.Fatalf("collision after %d tokens", i)
		}
		seen[k] = struct{}{}
	}
	v := &Vault{domain: "d"}
	require.NoError(t, v.checkToken(randomToken()))
}

// randomChars draws every character of the alphabet about equally often.
func TestRandomCharsUniform(t *testing.T) {
	tests := []struct {
		name  string
		alpha string
	}{
		{"digits", "0123456789"},
		{"base36", "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
		{"greek", "αβγδεζη"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alpha := []rune(tt.alpha)
			const n = 70_000
			counts := map[rune]int{}
			for _, r := range string(randomChars(nil, alpha, n)) {
				counts[r]++
			}
			require.Len(t, counts, len(alpha))
			exp := float64(n) / float64(len(alpha))
			chi := 0.0
			for _, r := range alpha {
				d := float64(counts[r]) - exp
				chi += d * d / exp
			}
			// 99.9th percentile of chi-square with 35 degrees of freedom is
			// about 66; fewer degrees of freedom have lower bounds.
			assert.Less(t, chi, 70.0)
		})
	}
}

func TestLuhnHelpers(t *testing.T) {
	// Published test card numbers pass; changing the check digit fails.
	for _, pan := range []string{"4111111111111111", "5555555555554444", "378282246310005", "6011111111111117", "3566002020360505", "4012888888881881"} {
		assert.True(t, luhnValid([]byte(pan)), pan)
		b := []byte(pan)
		b[len(b)-1] = '0' + (b[len(b)-1]-'0'+1)%10
		assert.False(t, luhnValid(b), pan)
		for target := range 10 {
			for i := range b {
				c := append([]byte(nil), b...)
				luhnSet(c, i, target)
				assert.Equal(t, target, luhnSum(c, -1), "%s idx %d target %d", pan, i, target)
			}
		}
	}
}
