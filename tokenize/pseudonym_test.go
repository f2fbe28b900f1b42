package tokenize_test

import (
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/keys"
	"github.com/custos-dev/custos/tokenize"
)

// refPseudonym computes a pseudonym from its definition with the keys
// package's PRF and the standard library's encoders: keyID || HMAC[:size].
func refPseudonym(t *testing.T, root *keys.Keyset, domain string, enc tokenize.Encoding, size int, value string) string {
	prf, err := root.DerivePRF(tokenize.PurposePseudonym, domain)
	require.NoError(t, err)
	bin := binary.BigEndian.AppendUint32(nil, root.PrimaryID())
	bin = append(bin, prf.Sum(nil, []byte(value))[:size]...)
	switch enc {
	case tokenize.Base64URL:
		return base64.RawURLEncoding.EncodeToString(bin)
	case tokenize.Hex:
		return hex.EncodeToString(bin)
	default:
		return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(bin))
	}
}

func TestPseudonymMatchesDefinition(t *testing.T) {
	root := newRoot(t)
	tests := []struct {
		name   string
		cfg    tokenize.PseudonymConfig
		enc    tokenize.Encoding
		size   int
		length int
	}{
		{"default", tokenize.PseudonymConfig{}, tokenize.Base32, 16, 32},
		{"base32-8", tokenize.PseudonymConfig{Encoding: tokenize.Base32, Size: 8}, tokenize.Base32, 8, 20},
		{"base32-17", tokenize.PseudonymConfig{Encoding: tokenize.Base32, Size: 17}, tokenize.Base32, 17, 34},
		{"base64url-32", tokenize.PseudonymConfig{Encoding: tokenize.Base64URL, Size: 32}, tokenize.Base64URL, 32, 48},
		{"base64url-10", tokenize.PseudonymConfig{Encoding: tokenize.Base64URL, Size: 10}, tokenize.Base64URL, 10, 19},
		{"hex-12", tokenize.PseudonymConfig{Encoding: tokenize.Hex, Size: 12}, tokenize.Hex, 12, 32},
	}
	values := []string{"", "a", "alice@example.com", strings.Repeat("long value ", 50), "ünïcødé ✓"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tokenize.NewPseudonymizer(root, "customers.email", tt.cfg)
			require.NoError(t, err)
			assert.Equal(t, tt.length, p.Len())
			for _, v := range values {
				want := refPseudonym(t, root, "customers.email", tt.enc, tt.size, v)
				got := p.Pseudonym(v)
				assert.Equal(t, want, got)
				assert.Equal(t, want, string(p.AppendPseudonym(nil, []byte(v))))
				assert.Equal(t, "x:"+want, string(p.AppendPseudonym([]byte("x:"), []byte(v))))
				id, err := p.PseudonymKeyID(got)
				require.NoError(t, err)
				assert.Equal(t, root.PrimaryID(), id)
			}
		})
	}
}

// Same value, same pseudonym within a domain; 10^5 values in two domains
// share no pseudonym, and no value keeps its pseudonym across domains.
func TestPseudonymDomainSeparation(t *testing.T) {
	root := newRoot(t)
	a, err := tokenize.NewPseudonymizer(root, "customers.email", tokenize.PseudonymConfig{})
	require.NoError(t, err)
	b, err := tokenize.NewPseudonymizer(root, "orders.email", tokenize.PseudonymConfig{})
	require.NoError(t, err)
	a2, err := tokenize.NewPseudonymizer(root, "customers.email", tokenize.PseudonymConfig{})
	require.NoError(t, err)

	const n = 100_000
	seen := make(map[string]struct{}, 2*n)
	for i := range n {
		v := "user" + strconv.Itoa(i) + "@example.com"
		pa, pb := a.Pseudonym(v), b.Pseudonym(v)
		if i%1000 == 0 {
			require.Equal(t, pa, a2.Pseudonym(v), "same domain, same pseudonym")
		}
		for _, p := range []string{pa, pb} {
			_, dup := seen[p]
			require.False(t, dup, "pseudonym repeated at value %d", i)
			seen[p] = struct{}{}
		}
	}
	assert.Len(t, seen, 2*n)
}

// The key ID in the pseudonym follows rotation of the root; a pseudonymizer
// over root.Promote(old) reproduces the old pseudonyms.
func TestPseudonymRotation(t *testing.T) {
	root := newRoot(t)
	oldID := root.PrimaryID()
	p1, err := tokenize.NewPseudonymizer(root, "d", tokenize.PseudonymConfig{})
	require.NoError(t, err)
	old := p1.Pseudonym("value")

	root2, newID := rotate(t, root)
	p2, err := tokenize.NewPseudonymizer(root2, "d", tokenize.PseudonymConfig{})
	require.NoError(t, err)
	fresh := p2.Pseudonym("value")
	assert.NotEqual(t, old, fresh)
	id, err := p2.PseudonymKeyID(fresh)
	require.NoError(t, err)
	assert.Equal(t, newID, id)
	id, err = p2.PseudonymKeyID(old)
	require.NoError(t, err)
	assert.Equal(t, oldID, id)

	back, err := root2.Promote(oldID)
	require.NoError(t, err)
	p3, err := tokenize.NewPseudonymizer(back, "d", tokenize.PseudonymConfig{})
	require.NoError(t, err)
	assert.Equal(t, old, p3.Pseudonym("value"))
}

func TestPseudonymKeyIDRejects(t *testing.T) {
	root := newRoot(t)
	p, err := tokenize.NewPseudonymizer(root, "d", tokenize.PseudonymConfig{Size: 17})
	require.NoError(t, err)
	h, err := tokenize.NewPseudonymizer(root, "d", tokenize.PseudonymConfig{Encoding: tokenize.Hex})
	require.NoError(t, err)
	good := p.Pseudonym("v")
	last := good[len(good)-1]
	// 21 bytes = 168 bits in 34 base32 characters of 5 bits: the last
	// character carries 3 bits and 2 zero bits; a set filler bit is not canonical.
	idx := strings.IndexByte("abcdefghijklmnopqrstuvwxyz234567", last)
	stray := string("abcdefghijklmnopqrstuvwxyz234567"[idx^1])
	tests := []struct {
		name string
		p    *tokenize.Pseudonymizer
		in   string
	}{
		{"empty", p, ""},
		{"short", p, good[:len(good)-1]},
		{"long", p, good + "a"},
		{"upper", p, strings.ToUpper(good)},
		{"padding", p, good[:len(good)-2] + "=="},
		{"stray bits", p, good[:len(good)-1] + stray},
		{"hex upper", h, strings.ToUpper(h.Pseudonym("v"))},
		{"hex odd", h, h.Pseudonym("v")[:31] + "g"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.p.PseudonymKeyID(tt.in)
			assert.ErrorIs(t, err, tokenize.ErrInvalidToken)
		})
	}
}

func TestPseudonymConfigErrors(t *testing.T) {
	root := newRoot(t)
	aead, err := keys.New(keys.AES256GCM)
	require.NoError(t, err)
	tests := []struct {
		name   string
		root   *keys.Keyset
		domain string
		cfg    tokenize.PseudonymConfig
	}{
		{"nil root", nil, "d", tokenize.PseudonymConfig{}},
		{"not a root", aead, "d", tokenize.PseudonymConfig{}},
		{"empty domain", root, "", tokenize.PseudonymConfig{}},
		{"size 7", root, "d", tokenize.PseudonymConfig{Size: 7}},
		{"size 33", root, "d", tokenize.PseudonymConfig{Size: 33}},
		{"encoding", root, "d", tokenize.PseudonymConfig{Encoding: 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tokenize.NewPseudonymizer(tt.root, tt.domain, tt.cfg)
			assert.ErrorIs(t, err, tokenize.ErrInvalidConfig)
		})
	}
}

func TestEncodingString(t *testing.T) {
	for e, want := range map[tokenize.Encoding]string{
		tokenize.EncodingUnknown: "unknown", tokenize.Base32: "base32",
		tokenize.Base64URL: "base64url", tokenize.Hex: "hex", 200: "unknown",
	} {
		assert.Equal(t, want, e.String())
	}
}

func TestPseudonymAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under -race")
	}
	p, err := tokenize.NewPseudonymizer(newRoot(t), "d", tokenize.PseudonymConfig{})
	require.NoError(t, err)
	v := "0123456789abcdef"
	vb := []byte(v)
	dst := make([]byte, 0, 64)
	assert.LessOrEqual(t, testing.AllocsPerRun(1000, func() { pseudonymSink = p.Pseudonym(v) }), 1.0)
	assert.Zero(t, testing.AllocsPerRun(1000, func() { dst = p.AppendPseudonym(dst[:0], vb) }))
}

func TestPseudonymConcurrent(t *testing.T) {
	p, err := tokenize.NewPseudonymizer(newRoot(t), "d", tokenize.PseudonymConfig{Encoding: tokenize.Base64URL})
	require.NoError(t, err)
	const n = 200
	want := make([]string, n)
	for i := range want {
		want[i] = p.Pseudonym(strings.Repeat("x", i))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for i := range n {
				j := (i + g*13) % n
				v := strings.Repeat("x", j)
				if p.Pseudonym(v) != want[j] {
					errs <- fmt.Sprintf("Pseudonym %d", j)
				}
				buf = p.AppendPseudonym(buf[:0], []byte(v))
				if string(buf) != want[j] {
					errs <- fmt.Sprintf("AppendPseudonym %d", j)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func FuzzPseudonymKeyID(f *testing.F) {
	root, err := keys.New(keys.DerivationHKDFSHA256)
	require.NoError(f, err)
	ps := map[tokenize.Encoding]*tokenize.Pseudonymizer{}
	for _, e := range []tokenize.Encoding{tokenize.Base32, tokenize.Base64URL, tokenize.Hex} {
		ps[e], err = tokenize.NewPseudonymizer(root, "d", tokenize.PseudonymConfig{Encoding: e, Size: 11})
		require.NoError(f, err)
	}
	f.Add("", uint8(1))
	f.Add(ps[tokenize.Base32].Pseudonym("x"), uint8(1))
	f.Add(ps[tokenize.Base64URL].Pseudonym("x"), uint8(2))
	f.Add(ps[tokenize.Hex].Pseudonym("x"), uint8(3))
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", uint8(3))
	f.Fuzz(func(t *testing.T, s string, e uint8) {
		p := ps[tokenize.Encoding(e%3+1)]
		id, err := p.PseudonymKeyID(s)
		if err != nil {
			require.ErrorIs(t, err, tokenize.ErrInvalidToken)
			return
		}
		// Accepted strings are canonical: they have the pseudonym's length
		// and the key ID in front.
		assert.Len(t, s, p.Len())
		_ = id
		// And every value's pseudonym parses back to the key ID.
		pid, err := p.PseudonymKeyID(p.Pseudonym(s))
		require.NoError(t, err)
		assert.Equal(t, root.PrimaryID(), pid)
	})
}
