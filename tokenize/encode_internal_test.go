package tokenize

import (
	"crypto/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

// encodeBase32 (two characters per table lookup) writes what the standard
// encoder writes, for every length up to 40 bytes: whole 5-byte groups and
// every tail.
func TestEncodeBase32MatchesStandard(t *testing.T) {
	for n := 0; n <= 40; n++ {
		for range 200 {
			src := make([]byte, n)
			_, _ = rand.Read(src)
			want := lowerBase32.EncodeToString(src)
			got := make([]byte, lowerBase32.EncodedLen(n))
			encodeBase32(got, src)
			require.Equal(t, want, string(got), "%d bytes", n)
		}
	}
	// Every 10-bit pair, at every position of a group.
	for v := range 1024 {
		for shift := 0; shift <= 30; shift += 10 {
			x := uint64(v) << shift
			src := []byte{byte(x >> 32), byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)}
			got := make([]byte, 8)
			encodeBase32(got, src)
			require.Equal(t, lowerBase32.EncodeToString(src), string(got))
		}
	}
}
