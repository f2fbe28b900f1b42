package fpe

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRedaction proves that fmt, slog and json print neither the key, the
// tweak nor key-derived state of either type.
func TestRedaction(t *testing.T) {
	key := []byte("0123456789abcdef")
	tweak := []byte("SECRETtweak")
	ff1, err := NewFF1(key, tweak, Digits)
	require.NoError(t, err)
	ff31, err := NewFF31(key, tweak[:7], Digits)
	require.NoError(t, err)
	tests := []struct {
		name     string
		v        any
		redacted string
	}{
		{"FF1", ff1, redactedFF1},
		{"FF31", ff31, redactedFF31},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var outputs []string
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q", "%d"} {
				outputs = append(outputs, fmt.Sprintf(verb, tt.v))
			}
			outputs = append(outputs, fmt.Sprint(struct{ C any }{tt.v}), fmt.Sprintf("%+v", struct{ C any }{tt.v}))
			var buf bytes.Buffer
			slog.New(slog.NewJSONHandler(&buf, nil)).Info("msg", "cipher", tt.v)
			slog.New(slog.NewTextHandler(&buf, nil)).Info("msg", "cipher", tt.v)
			outputs = append(outputs, buf.String())
			js, err := json.Marshal(map[string]any{"cipher": tt.v})
			require.NoError(t, err)
			outputs = append(outputs, string(js))
			for _, out := range outputs {
				assert.Contains(t, out, tt.redacted)
				for _, secret := range []string{string(key), hex.EncodeToString(key), string(tweak[:7]), hex.EncodeToString(tweak[:7])} {
					assert.NotContains(t, strings.ToLower(out), strings.ToLower(secret))
				}
			}
		})
	}
}
