package keys

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/custos-dev/custos/internal/testvec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/daead"
	"github.com/tink-crypto/tink-go/v2/keyset"
)

type wycheproofFile struct {
	Algorithm     string          `json:"algorithm"`
	Schema        string          `json:"schema"`
	NumberOfTests int             `json:"numberOfTests"`
	Header        []string        `json:"header"`
	Notes         json.RawMessage `json:"notes"`
	TestGroups    []struct {
		IVSize  int    `json:"ivSize"`
		KeySize int    `json:"keySize"`
		TagSize int    `json:"tagSize"`
		Type    string `json:"type"`
		Source  struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"source"`
		Tests []struct {
			TcID    int      `json:"tcId"`
			Comment string   `json:"comment"`
			Flags   []string `json:"flags"`
			Key     string   `json:"key"`
			IV      string   `json:"iv"`
			AAD     string   `json:"aad"`
			Msg     string   `json:"msg"`
			CT      string   `json:"ct"`
			Tag     string   `json:"tag"`
			Result  string   `json:"result"`
		} `json:"tests"`
	} `json:"testGroups"`
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

const wycheproofKeyID = 0x01020304

var wycheproofPrefix = []byte{1, 1, 2, 3, 4}

// handleFromRaw builds a one-key keyset through the same path Derive uses.
func handleFromRaw(t *testing.T, tm Template, raw []byte) *keyset.Handle {
	t.Helper()
	k, err := newTinkKey(tm, wycheproofKeyID, raw)
	require.NoError(t, err)
	m := keyset.NewManager()
	id, err := m.AddKey(k)
	require.NoError(t, err)
	require.NoError(t, m.SetPrimary(id))
	h, err := m.Handle()
	require.NoError(t, err)
	return h
}

func TestWycheproofAEAD(t *testing.T) {
	tests := []struct {
		name       string
		file       string
		tm         Template
		ivBits     int
		minValid   int
		minInvalid int
	}{
		{"AES-256-GCM", "testdata/wycheproof/aes_gcm_test.json", AES256GCM, 96, 20, 10},
		{"XChaCha20-Poly1305", "testdata/wycheproof/xchacha20_poly1305_test.json", XChaCha20Poly1305, 192, 100, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f wycheproofFile
			testvec.Load(t, tt.file, &f)
			valid, invalid := 0, 0
			for _, g := range f.TestGroups {
				if g.KeySize != 256 || g.IVSize != tt.ivBits || g.TagSize != 128 {
					continue // parameters the template does not expose
				}
				for _, tc := range g.Tests {
					a, err := aead.New(handleFromRaw(t, tt.tm, unhex(t, tc.Key)))
					require.NoError(t, err)
					ct := append(append(append(append([]byte{}, wycheproofPrefix...), unhex(t, tc.IV)...), unhex(t, tc.CT)...), unhex(t, tc.Tag)...)
					pt, err := a.Decrypt(ct, unhex(t, tc.AAD))
					switch tc.Result {
					case "valid":
						valid++
						if assert.NoError(t, err, "tcId %d", tc.TcID) {
							assert.True(t, bytes.Equal(unhex(t, tc.Msg), pt), "tcId %d", tc.TcID)
						}
					case "invalid":
						invalid++
						assert.Error(t, err, "tcId %d", tc.TcID)
						assert.Nil(t, pt, "tcId %d", tc.TcID)
					default:
						t.Fatalf("tcId %d: result %q", tc.TcID, tc.Result)
					}
				}
			}
			assert.GreaterOrEqual(t, valid, tt.minValid)
			assert.GreaterOrEqual(t, invalid, tt.minInvalid)
			t.Logf("%d valid, %d invalid", valid, invalid)
		})
	}
}

func TestWycheproofDeterministicAEAD(t *testing.T) {
	var f wycheproofFile
	testvec.Load(t, "testdata/wycheproof/aes_siv_cmac_test.json", &f)
	valid, invalid := 0, 0
	for _, g := range f.TestGroups {
		if g.KeySize != 512 {
			continue // AES256SIV uses 64-byte keys
		}
		for _, tc := range g.Tests {
			d, err := daead.New(handleFromRaw(t, AES256SIV, unhex(t, tc.Key)))
			require.NoError(t, err)
			ct := append(append([]byte{}, wycheproofPrefix...), unhex(t, tc.CT)...)
			pt, err := d.DecryptDeterministically(ct, unhex(t, tc.AAD))
			switch tc.Result {
			case "valid":
				valid++
				if assert.NoError(t, err, "tcId %d", tc.TcID) {
					assert.True(t, bytes.Equal(unhex(t, tc.Msg), pt), "tcId %d", tc.TcID)
				}
				enc, err := d.EncryptDeterministically(unhex(t, tc.Msg), unhex(t, tc.AAD))
				require.NoError(t, err)
				assert.Equal(t, ct, enc, "tcId %d", tc.TcID)
			case "invalid":
				invalid++
				assert.Error(t, err, "tcId %d", tc.TcID)
				assert.Nil(t, pt, "tcId %d", tc.TcID)
			default:
				t.Fatalf("tcId %d: result %q", tc.TcID, tc.Result)
			}
		}
	}
	assert.GreaterOrEqual(t, valid, 30)
	assert.GreaterOrEqual(t, invalid, 50)
	t.Logf("%d valid, %d invalid", valid, invalid)
}
