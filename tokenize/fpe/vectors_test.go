package fpe

import (
	"encoding/hex"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/internal/testvec"
)

// vector is one FPE test vector (see testdata/SOURCES.md).
type vector struct {
	Key        string `json:"key"`
	Radix      int    `json:"radix"`
	Alphabet   string `json:"alphabet"`
	Tweak      string `json:"tweak"`
	Plaintext  string `json:"plaintext"`
	Ciphertext string `json:"ciphertext"`
	Source     string `json:"source"`
	Direction  string `json:"direction,omitempty"`
}

func loadVectors(t *testing.T, name string) []vector {
	t.Helper()
	var vs []vector
	testvec.Load(t, filepath.Join("testdata", name), &vs)
	require.NotEmpty(t, vs, name)
	return vs
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// cipherFuncs is the common shape of FF1 and FF31 for table tests.
type cipherFuncs struct {
	encrypt, decrypt func(x string, tweak []byte) (string, error)
}

func ff1Funcs(t *testing.T, v vector, bigPath bool) cipherFuncs {
	t.Helper()
	f, err := NewFF1(mustHex(t, v.Key), nil, v.Alphabet)
	require.NoError(t, err)
	require.Equal(t, v.Radix, f.Radix())
	if bigPath {
		run := func(decrypt bool) func(string, []byte) (string, error) {
			return func(x string, tweak []byte) (string, error) {
				return f.cryptBig(x, f.alpha.charCount(x), tweak, decrypt)
			}
		}
		return cipherFuncs{run(false), run(true)}
	}
	return cipherFuncs{f.EncryptWithTweak, f.DecryptWithTweak}
}

func checkVectors(t *testing.T, vs []vector, mk func(t *testing.T, v vector) cipherFuncs) {
	t.Helper()
	for i, v := range vs {
		c := mk(t, v)
		tweak := mustHex(t, v.Tweak)
		ct, err := c.encrypt(v.Plaintext, tweak)
		require.NoError(t, err, "vector %d (%s)", i, v.Source)
		assert.Equal(t, v.Ciphertext, ct, "encrypt, vector %d (%s)", i, v.Source)
		pt, err := c.decrypt(v.Ciphertext, tweak)
		require.NoError(t, err, "vector %d (%s)", i, v.Source)
		assert.Equal(t, v.Plaintext, pt, "decrypt, vector %d (%s)", i, v.Source)
	}
}

func TestFF1Vectors(t *testing.T) {
	for _, file := range []string{"ff1.json", "ff1-extra.json", "acvp-ff1.json"} {
		vs := loadVectors(t, file)
		t.Run(file, func(t *testing.T) {
			checkVectors(t, vs, func(t *testing.T, v vector) cipherFuncs { return ff1Funcs(t, v, false) })
		})
		// The same vectors through the math/big path, whatever their length.
		t.Run(file+"/big", func(t *testing.T) {
			checkVectors(t, vs, func(t *testing.T, v vector) cipherFuncs { return ff1Funcs(t, v, true) })
		})
	}
}

// TestFF1DefaultTweakVectors checks the per-instance precomputation: the
// vectors' tweaks given to the constructor, through Encrypt and Decrypt.
func TestFF1DefaultTweakVectors(t *testing.T) {
	for _, file := range []string{"ff1.json", "ff1-extra.json", "acvp-ff1.json"} {
		for i, v := range loadVectors(t, file) {
			f, err := NewFF1(mustHex(t, v.Key), mustHex(t, v.Tweak), v.Alphabet)
			require.NoError(t, err)
			ct, err := f.Encrypt(v.Plaintext)
			require.NoError(t, err)
			assert.Equal(t, v.Ciphertext, ct, "%s vector %d", file, i)
			pt, err := f.Decrypt(v.Ciphertext)
			require.NoError(t, err)
			assert.Equal(t, v.Plaintext, pt, "%s vector %d", file, i)
		}
	}
}

func TestFF31Vectors(t *testing.T) {
	for _, file := range []string{"ff3-1.json", "acvp-ff3-1.json"} {
		vs := loadVectors(t, file)
		t.Run(file, func(t *testing.T) {
			checkVectors(t, vs, func(t *testing.T, v vector) cipherFuncs {
				f, err := NewFF31(mustHex(t, v.Key), make([]byte, FF31TweakSize), v.Alphabet)
				require.NoError(t, err)
				require.Equal(t, v.Radix, f.Radix())
				return cipherFuncs{f.EncryptWithTweak, f.DecryptWithTweak}
			})
		})
		t.Run(file+"/default-tweak", func(t *testing.T) {
			checkVectors(t, vs, func(t *testing.T, v vector) cipherFuncs {
				f, err := NewFF31(mustHex(t, v.Key), mustHex(t, v.Tweak), v.Alphabet)
				require.NoError(t, err)
				return cipherFuncs{
					func(x string, _ []byte) (string, error) { return f.Encrypt(x) },
					func(x string, _ []byte) (string, error) { return f.Decrypt(x) },
				}
			})
		})
	}
}

// TestFF31LegacyFF3Samples uses the original FF3 samples (64-bit tweaks).
// FF3 splits a tweak T into T_L = T[0..31] and T_R = T[32..63]; FF3-1 builds
// T_L = T'[0..27] ‖ 0^4 and T_R = T'[32..55] ‖ T'[28..31] ‖ 0^4 from a 56-bit
// T'. So when bits 28–31 and 60–63 of T are zero, FF3 with T equals FF3-1
// with T' = T[0..27] ‖ T[56..59] ‖ T[32..55]; SOURCES.md notes the all-zero
// case. Samples with other tweaks must not match.
func TestFF31LegacyFF3Samples(t *testing.T) {
	vs := loadVectors(t, "ff3-legacy-64bit-tweak.json")
	matched := 0
	for i, v := range vs {
		t64 := mustHex(t, v.Tweak)
		require.Len(t, t64, 8)
		compatible := t64[3]&0x0F == 0 && t64[7]&0x0F == 0
		t56 := []byte{t64[0], t64[1], t64[2], t64[3] | t64[7]>>4, t64[4], t64[5], t64[6]}
		f, err := NewFF31(mustHex(t, v.Key), t56, v.Alphabet)
		require.NoError(t, err)
		ct, err := f.Encrypt(v.Plaintext)
		if err != nil {
			// Some FF3 samples exceed FF3-1's maximum length.
			require.ErrorIs(t, err, ErrInvalidLength, "vector %d", i)
			continue
		}
		if compatible {
			matched++
			assert.Equal(t, v.Ciphertext, ct, "vector %d", i)
		} else {
			assert.NotEqual(t, v.Ciphertext, ct, "vector %d", i)
		}
	}
	t.Logf("%d of %d FF3 samples have FF3-1-compatible tweaks", matched, len(vs))
	assert.GreaterOrEqual(t, matched, 3)
}

func TestFF1KnownBadVectors(t *testing.T) {
	var vs []struct {
		Algorithm         string `json:"algorithm"`
		Key               string `json:"key"`
		Radix             int    `json:"radix"`
		Alphabet          string `json:"alphabet"`
		Tweak             string `json:"tweak"`
		Plaintext         string `json:"plaintext"`
		CiphertextClaimed string `json:"ciphertext_claimed"`
		CiphertextCorrect string `json:"ciphertext_correct"`
		Source            string `json:"source"`
		Why               string `json:"why"`
	}
	testvec.Load(t, filepath.Join("testdata", "ff1-known-bad.json"), &vs)
	require.Len(t, vs, 2)
	for i, v := range vs {
		require.Equal(t, "FF1", v.Algorithm)
		f, err := NewFF1(mustHex(t, v.Key), nil, v.Alphabet)
		require.NoError(t, err)
		ct, err := f.EncryptWithTweak(v.Plaintext, mustHex(t, v.Tweak))
		require.NoError(t, err)
		assert.NotEqual(t, v.CiphertextClaimed, ct, "vector %d reproduces a published wrong ciphertext", i)
		// ciphertext_correct comes from the independent Python reference
		// that also verified every other vector file.
		assert.Equal(t, v.CiphertextCorrect, ct, "vector %d", i)
		pt, err := f.DecryptWithTweak(v.CiphertextClaimed, mustHex(t, v.Tweak))
		require.NoError(t, err)
		assert.NotEqual(t, v.Plaintext, pt, "vector %d", i)
	}
}
