package pgstore_test

import (
	"strings"
	"testing"

	"github.com/custos-dev/custos/tokenize/vault/pgstore"
)

// FuzzTableName: New never panics, and accepts only names made of plain
// identifiers, which need no quoting beyond the one the store adds.
func FuzzTableName(f *testing.F) {
	for _, s := range []string{"tokens", "app.tokens", "", "a.b.c", `x"; DROP TABLE t; --`, "tökens", "_1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		_, err := pgstore.New(nil, name)
		if err != nil {
			return
		}
		parts := strings.Split(name, ".")
		if len(parts) > 2 {
			t.Fatalf("accepted %q with %d parts", name, len(parts))
		}
		for _, p := range parts {
			if p == "" || len(p) > 63 || (p[0] >= '0' && p[0] <= '9') {
				t.Fatalf("accepted %q", name)
			}
			for _, c := range []byte(p) {
				if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
					t.Fatalf("accepted %q with byte %q", name, c)
				}
			}
		}
	})
}
