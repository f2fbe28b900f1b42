package tokenize_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/access"
	"github.com/custos-dev/custos/keys"
	"github.com/custos-dev/custos/tokenize"
)

func TestDeterministicRoundTrip(t *testing.T) {
	root := newRoot(t)
	d, err := tokenize.NewDeterministic(root, "customers.ssn")
	require.NoError(t, err)
	// Reference: Tink's AES-SIV derived for the same purpose and domain,
	// with the domain as associated data.
	ref, err := root.DeriveDeterministicAEAD(tokenize.PurposeDeterministic, "customers.ssn")
	require.NoError(t, err)
	for _, v := range []string{"", "078-05-1120", "ünïcødé", string(make([]byte, 1000))} {
		tok, err := d.Tokenize(v)
		require.NoError(t, err)
		again, err := d.Tokenize(v)
		require.NoError(t, err)
		assert.Equal(t, tok, again, "deterministic")
		ct, err := base64.RawURLEncoding.DecodeString(tok)
		require.NoError(t, err)
		pt, err := ref.DecryptDeterministically(ct, []byte("customers.ssn"))
		require.NoError(t, err)
		assert.Equal(t, v, string(pt))
		got, err := d.Detokenize(context.Background(), tok)
		require.NoError(t, err)
		assert.Equal(t, v, got)
		id, err := d.TokenKeyID(tok)
		require.NoError(t, err)
		assert.Equal(t, root.PrimaryID(), id)
	}
}

func TestDeterministicRejects(t *testing.T) {
	root := newRoot(t)
	d, err := tokenize.NewDeterministic(root, "a")
	require.NoError(t, err)
	other, err := tokenize.NewDeterministic(root, "b")
	require.NoError(t, err)
	tok, err := d.Tokenize("secret")
	require.NoError(t, err)
	otherTok, err := other.Tokenize("secret")
	require.NoError(t, err)
	assert.NotEqual(t, tok, otherTok, "domains give different tokens")
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	flipped := append([]byte(nil), raw...)
	flipped[len(flipped)-1] ^= 1
	tests := []struct{ name, token string }{
		{"other domain", otherTok},
		{"flipped bit", base64.RawURLEncoding.EncodeToString(flipped)},
		{"empty", ""},
		{"not base64", "!!!!"},
		{"padded", tok + "="},
		{"prefix only", base64.RawURLEncoding.EncodeToString(raw[:5])},
		{"no tink prefix", base64.RawURLEncoding.EncodeToString(append([]byte{0}, raw[1:]...))},
		{"unknown key", base64.RawURLEncoding.EncodeToString(append([]byte{1, 0, 0, 0, 1}, raw[5:]...))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := d.Detokenize(context.Background(), tt.token)
			assert.ErrorIs(t, err, tokenize.ErrInvalidToken)
			assert.Empty(t, v)
		})
	}
}

func TestDeterministicRotation(t *testing.T) {
	root := newRoot(t)
	oldID := root.PrimaryID()
	d1, err := tokenize.NewDeterministic(root, "a")
	require.NoError(t, err)
	old, err := d1.Tokenize("v")
	require.NoError(t, err)

	root2, newID := rotate(t, root)
	d2, err := tokenize.NewDeterministic(root2, "a")
	require.NoError(t, err)
	fresh, err := d2.Tokenize("v")
	require.NoError(t, err)
	id, _ := d2.TokenKeyID(fresh)
	assert.Equal(t, newID, id)
	for _, tok := range []string{old, fresh} {
		v, err := d2.Detokenize(context.Background(), tok)
		require.NoError(t, err)
		assert.Equal(t, "v", v)
	}

	root3, err := root2.Disable(oldID)
	require.NoError(t, err)
	d3, err := tokenize.NewDeterministic(root3, "a")
	require.NoError(t, err)
	_, err = d3.Detokenize(context.Background(), old)
	assert.ErrorIs(t, err, tokenize.ErrInvalidToken)
}

// Detokenize asks the guard and writes one event per call, allowed or not.
func TestDeterministicGuard(t *testing.T) {
	root := newRoot(t)
	log := &auditLog{}
	rbac, err := access.NewRBAC(access.Grant{Role: "support", Actions: []access.Action{access.ActionDetokenize}, Resources: []string{"customers.*"}})
	require.NoError(t, err)
	g := access.NewGuard(access.WithAuthorizer(rbac), access.WithAuditor(log))
	d, err := tokenize.NewDeterministic(root, "customers.ssn", tokenize.WithGuard(g))
	require.NoError(t, err)
	tok, err := d.Tokenize("078-05-1120")
	require.NoError(t, err)

	_, err = d.Detokenize(context.Background(), tok)
	assert.ErrorIs(t, err, access.ErrDenied)

	ctx := access.WithPrincipal(context.Background(), access.Principal{ID: "alice", Roles: []string{"support"}})
	v, err := d.Detokenize(ctx, tok)
	require.NoError(t, err)
	assert.Equal(t, "078-05-1120", v)

	_, err = d.Detokenize(ctx, "bad!")
	assert.ErrorIs(t, err, tokenize.ErrInvalidToken)

	ev := log.all()
	require.Len(t, ev, 3)
	assert.Equal(t, access.OutcomeDenied, ev[0].Outcome)
	assert.Equal(t, access.OutcomeAllowed, ev[1].Outcome)
	assert.Equal(t, "alice", ev[1].Principal)
	assert.Equal(t, access.ActionDetokenize, ev[1].Action)
	assert.Equal(t, "customers.ssn", ev[1].Resource)
	assert.Equal(t, root.PrimaryID(), ev[1].KeyID)
	assert.Equal(t, access.OutcomeFailed, ev[2].Outcome)
}

func TestDeterministicConfigErrors(t *testing.T) {
	aead, err := keys.New(keys.AES256GCM)
	require.NoError(t, err)
	_, err = tokenize.NewDeterministic(aead, "a")
	assert.ErrorIs(t, err, tokenize.ErrInvalidConfig)
	_, err = tokenize.NewDeterministic(newRoot(t), "")
	assert.ErrorIs(t, err, tokenize.ErrInvalidConfig)
}

func TestDeterministicConcurrent(t *testing.T) {
	d, err := tokenize.NewDeterministic(newRoot(t), "a")
	require.NoError(t, err)
	const n = 100
	want := make([]string, n)
	for i := range want {
		want[i], err = d.Tokenize(fmt.Sprint("value-", i))
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	var bad sync.Map
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				j := (i + g*7) % n
				tok, err := d.Tokenize(fmt.Sprint("value-", j))
				if err != nil || tok != want[j] {
					bad.Store(j, "tokenize")
				}
				v, err := d.Detokenize(context.Background(), want[j])
				if err != nil || v != fmt.Sprint("value-", j) {
					bad.Store(j, "detokenize")
				}
			}
		}()
	}
	wg.Wait()
	bad.Range(func(k, v any) bool { t.Errorf("%v at %v", v, k); return true })
}

func FuzzDeterministic(f *testing.F) {
	root, err := keys.New(keys.DerivationHKDFSHA256)
	require.NoError(f, err)
	d, err := tokenize.NewDeterministic(root, "a")
	require.NoError(f, err)
	tok, _ := d.Tokenize("seed")
	f.Add("seed", tok)
	f.Add("", "")
	f.Add("x", "AQAAAAE")
	f.Fuzz(func(t *testing.T, value, token string) {
		tk, err := d.Tokenize(value)
		require.NoError(t, err)
		v, err := d.Detokenize(context.Background(), tk)
		require.NoError(t, err)
		require.Equal(t, value, v)
		v, err = d.Detokenize(context.Background(), token)
		if err != nil {
			require.True(t, errors.Is(err, tokenize.ErrInvalidToken))
			require.Empty(t, v)
		}
	})
}
