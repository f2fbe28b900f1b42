package tokenize_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/tokenize"
	"github.com/custos-dev/custos/tokenize/vault/memstore"
)

// fmt, slog and json print a fixed summary of each tokenizer, never a key.
func TestTokenizersPrintNoKey(t *testing.T) {
	root := newRoot(t)
	key := []byte("RAWKEY-MARKER-0123456789abcdefgh")
	p, err := tokenize.NewPseudonymizer(root, "d", tokenize.PseudonymConfig{})
	require.NoError(t, err)
	d, err := tokenize.NewDeterministic(root, "d")
	require.NoError(t, err)
	f, err := tokenize.NewFormatPreservingRawKey(key, "d", tokenize.CardTemplate())
	require.NoError(t, err)
	v, err := tokenize.NewVault(root, "d", memstore.New(), tokenize.VaultConfig{})
	require.NoError(t, err)
	for _, x := range []fmt.Stringer{p, d, f, v} {
		t.Run(x.String(), func(t *testing.T) {
			want := x.String()
			var buf bytes.Buffer
			slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "t", x)
			j, err := json.Marshal(struct{ T any }{x})
			require.NoError(t, err)
			outs := []string{fmt.Sprintf("%v", x), fmt.Sprintf("%+v", x), fmt.Sprintf("%#v", x), fmt.Sprintf("%q", x), fmt.Sprintf("%x", x), buf.String(), string(j)}
			for _, o := range outs[:5] {
				assert.Equal(t, want, o)
			}
			assert.Contains(t, buf.String(), want)
			assert.Contains(t, string(j), want)
			for _, o := range outs {
				for _, form := range []string{string(key), hex.EncodeToString(key), base64.StdEncoding.EncodeToString(key), "RAWKEY"} {
					assert.NotContains(t, o, form)
				}
			}
		})
	}
}
