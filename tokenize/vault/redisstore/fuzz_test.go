package redisstore_test

import (
	"testing"

	"github.com/custos-dev/custos/tokenize/vault/redisstore"
)

// FuzzPrefix: New never panics, and accepts only prefixes that cannot break
// out of the hash tag or act as a SCAN pattern.
func FuzzPrefix(f *testing.F) {
	for _, s := range []string{"vault", "", "{x}", "a*b", "app:v1.tokens-2_x", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, prefix string) {
		_, err := redisstore.New(nil, prefix)
		if err != nil {
			return
		}
		if len(prefix) == 0 || len(prefix) > 64 {
			t.Fatalf("accepted prefix of length %d", len(prefix))
		}
		for _, c := range []byte(prefix) {
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '.', c == ':', c == '-':
			default:
				t.Fatalf("accepted %q with byte %q", prefix, c)
			}
		}
	})
}
