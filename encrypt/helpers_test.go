package encrypt

import (
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/tink"
	"testing"

	"github.com/custos-dev/custos/keys"
	"github.com/stretchr/testify/require"
	"github.com/tink-crypto/tink-go/v2/insecuresecretdataaccess"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/prf/hmacprf"
	"github.com/tink-crypto/tink-go/v2/secretdata"
)

// testPRF returns a keys.PRF over a known HMAC-SHA256 key.
func testPRF(t *testing.T, key []byte) *keys.PRF {
	t.Helper()
	params, err := hmacprf.NewParameters(32, hmacprf.SHA256)
	require.NoError(t, err)
	k, err := hmacprf.NewKey(secretdata.NewBytesFromData(key, insecuresecretdataaccess.Token{}), params)
	require.NoError(t, err)
	m := keyset.NewManager()
	id, err := m.AddKey(k)
	require.NoError(t, err)
	require.NoError(t, m.SetPrimary(id))
	h, err := m.Handle()
	require.NoError(t, err)
	ks, err := keys.FromHandle(keys.HMACSHA256PRF, h)
	require.NoError(t, err)
	p, err := ks.PRF()
	require.NoError(t, err)
	return p
}

// tinkAEAD returns Tink's own keyset AEAD (aead.New) over the keyset the
// encryptor derives for a field: the floor of the field benchmarks.
func tinkAEAD(tb testing.TB, root *keys.Keyset, dom string) tink.AEAD {
	tb.Helper()
	d, err := root.Derive(keys.AES256GCM, PurposeField, dom)
	require.NoError(tb, err)
	a, err := aead.New(d.Handle())
	require.NoError(tb, err)
	return a
}
