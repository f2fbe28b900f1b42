package tokenize_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/access"
	"github.com/custos-dev/custos/keys"
	"github.com/custos-dev/custos/tokenize"
	"github.com/custos-dev/custos/tokenize/vault"
	"github.com/custos-dev/custos/tokenize/vault/memstore"
	"github.com/custos-dev/custos/tokenize/vault/storetest"
)

// forEachStore runs f against every store backend; PostgreSQL and Redis are
// skipped (or fail, with CUSTOS_REQUIRE_SERVICES=1) when not configured.
func forEachStore(t *testing.T, f func(t *testing.T, newStore func(testing.TB) vault.Store)) {
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) { f(t, k.new) })
	}
}

// clock is an injectable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newVault(t testing.TB, root *keys.Keyset, store vault.Store, cfg tokenize.VaultConfig, opts ...tokenize.Option) *tokenize.Vault {
	t.Helper()
	v, err := tokenize.NewVault(root, "customers.card", store, cfg, opts...)
	require.NoError(t, err)
	return v
}

func TestVaultRoundTrip(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(testing.TB) vault.Store) {
		ctx := context.Background()
		root := newRoot(t)
		v := newVault(t, root, newStore(t), tokenize.VaultConfig{})
		tok, err := v.Tokenize(ctx, "4111 1111 1111 1111", tokenize.WithMetadata(map[string]string{"source": "checkout"}))
		require.NoError(t, err)
		assert.Len(t, tok, tokenize.RandomTokenLen)
		assert.Regexp(t, "^[a-z2-7]{26}$", tok)
		tok2, err := v.Tokenize(ctx, "4111 1111 1111 1111")
		require.NoError(t, err)
		assert.NotEqual(t, tok, tok2, "default mode: a fresh token per call")

		for _, tk := range []string{tok, tok2} {
			val, err := v.Detokenize(ctx, tk)
			require.NoError(t, err)
			assert.Equal(t, "4111 1111 1111 1111", val)
		}
		info, err := v.Info(ctx, tok)
		require.NoError(t, err)
		assert.Equal(t, map[string]string{"source": "checkout"}, info.Metadata)
		assert.Equal(t, root.PrimaryID(), info.KeyID)
		assert.True(t, info.ExpiresAt.IsZero())

		_, err = v.TokenOf(ctx, "4111 1111 1111 1111")
		assert.ErrorIs(t, err, tokenize.ErrNotConvergent)
		_, err = v.DeleteValue(ctx, "4111 1111 1111 1111")
		assert.ErrorIs(t, err, tokenize.ErrNotConvergent)

		require.NoError(t, v.Delete(ctx, tok))
		require.NoError(t, v.Delete(ctx, tok), "idempotent")
		_, err = v.Detokenize(ctx, tok)
		assert.ErrorIs(t, err, tokenize.ErrNotFound)
		val, err := v.Detokenize(ctx, tok2)
		require.NoError(t, err)
		assert.Equal(t, "4111 1111 1111 1111", val)

		// A token of another domain is unknown here.
		other, err := tokenize.NewVault(root, "other", newStore(t), tokenize.VaultConfig{})
		require.NoError(t, err)
		_, err = other.Detokenize(ctx, tok2)
		assert.ErrorIs(t, err, tokenize.ErrNotFound)

		for _, bad := range []string{"", "short", strings.ToUpper(tok2), tok2 + "a", tok2[:25] + "1"} {
			_, err = v.Detokenize(ctx, bad)
			assert.ErrorIs(t, err, tokenize.ErrInvalidToken, "%q", bad)
		}
	})
}

func TestVaultConvergent(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(testing.TB) vault.Store) {
		ctx := context.Background()
		v := newVault(t, newRoot(t), newStore(t), tokenize.VaultConfig{Convergent: true})
		_, err := v.TokenOf(ctx, "alice@example.com")
		assert.ErrorIs(t, err, tokenize.ErrNotFound)

		// 1,000 goroutines, one value: one token, one stored record.
		const n = 1000
		tokens := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tokens[i], errs[i] = v.Tokenize(ctx, "alice@example.com")
			}()
		}
		wg.Wait()
		for i := range n {
			require.NoError(t, errs[i])
			require.Equal(t, tokens[0], tokens[i])
		}
		got, err := v.TokenOf(ctx, "alice@example.com")
		require.NoError(t, err)
		assert.Equal(t, tokens[0], got)
		val, err := v.Detokenize(ctx, tokens[0])
		require.NoError(t, err)
		assert.Equal(t, "alice@example.com", val)

		other, err := v.Tokenize(ctx, "bob@example.com")
		require.NoError(t, err)
		assert.NotEqual(t, tokens[0], other)

		removed, err := v.DeleteValue(ctx, "alice@example.com")
		require.NoError(t, err)
		assert.Equal(t, 1, removed, "one stored record")
		_, err = v.Detokenize(ctx, tokens[0])
		assert.ErrorIs(t, err, tokenize.ErrNotFound)
		fresh, err := v.Tokenize(ctx, "alice@example.com")
		require.NoError(t, err)
		assert.NotEqual(t, tokens[0], fresh, "after erasure, a new random token")
	})
}

// Default mode: 1,000 calls for one value give 1,000 distinct tokens, all
// stored, all erased by DeleteValue.
func TestVaultDefaultDistinct(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(testing.TB) vault.Store) {
		ctx := context.Background()
		v := newVault(t, newRoot(t), newStore(t), tokenize.VaultConfig{IndexValues: true})
		const n, workers = 1000, 8
		var mu sync.Mutex
		seen := map[string]struct{}{}
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range n / workers {
					tok, err := v.Tokenize(ctx, "same value")
					if !assert.NoError(t, err) {
						return
					}
					mu.Lock()
					seen[tok] = struct{}{}
					mu.Unlock()
				}
				_ = w
			}()
		}
		wg.Wait()
		assert.Len(t, seen, n)
		removed, err := v.DeleteValue(ctx, "same value")
		require.NoError(t, err)
		assert.Equal(t, n, removed)
	})
}

func TestVaultExpiry(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(testing.TB) vault.Store) {
		ctx := context.Background()
		// Times lie in the future, so that Redis's own TTL does not remove
		// anything during the test.
		c := &clock{now: time.Now().Add(time.Hour).Truncate(time.Second)}
		start := c.Now()
		v := newVault(t, newRoot(t), newStore(t), tokenize.VaultConfig{TTL: time.Hour, Convergent: true}, tokenize.WithClock(c.Now))
		short, err := v.Tokenize(ctx, "short-lived", tokenize.WithTTL(time.Minute))
		require.NoError(t, err)
		at, err := v.Tokenize(ctx, "until", tokenize.WithExpiry(start.Add(2*time.Minute)))
		require.NoError(t, err)
		long, err := v.Tokenize(ctx, "default ttl")
		require.NoError(t, err)
		info, err := v.Info(ctx, long)
		require.NoError(t, err)
		assert.True(t, info.ExpiresAt.Equal(start.Add(time.Hour)), "%v", info.ExpiresAt)

		_, err = v.Tokenize(ctx, "x", tokenize.WithExpiry(start))
		assert.ErrorIs(t, err, tokenize.ErrInvalidValue, "expiry not after creation")

		// Before expiry, clean-up removes nothing.
		c.Advance(59 * time.Second)
		n, err := v.DeleteExpired(ctx)
		require.NoError(t, err)
		assert.Zero(t, n)
		val, err := v.Detokenize(ctx, short)
		require.NoError(t, err)
		assert.Equal(t, "short-lived", val)

		// At expiry the token is refused at once, before any clean-up.
		c.Advance(time.Second)
		_, err = v.Detokenize(ctx, short)
		assert.ErrorIs(t, err, tokenize.ErrExpired)
		_, err = v.Info(ctx, short)
		assert.ErrorIs(t, err, tokenize.ErrExpired)
		_, err = v.TokenOf(ctx, "short-lived")
		assert.ErrorIs(t, err, tokenize.ErrNotFound)
		_, err = v.DetokenizeBatch(ctx, []string{long, short})
		assert.ErrorIs(t, err, tokenize.ErrExpired)
		val, err = v.Detokenize(ctx, at)
		require.NoError(t, err)
		assert.Equal(t, "until", val)

		// Convergent: an expired token is replaced by a fresh one.
		again, err := v.Tokenize(ctx, "short-lived")
		require.NoError(t, err)
		assert.NotEqual(t, short, again)

		c.Advance(time.Minute)
		_, err = v.Detokenize(ctx, at)
		assert.ErrorIs(t, err, tokenize.ErrExpired)
		n, err = v.DeleteExpired(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, n, "only the record of 'until' is left to remove")
		_, err = v.Detokenize(ctx, at)
		assert.ErrorIs(t, err, tokenize.ErrNotFound)
		val, err = v.Detokenize(ctx, long)
		require.NoError(t, err)
		assert.Equal(t, "default ttl", val)
	})
}

func TestVaultBatch(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(testing.TB) vault.Store) {
		ctx := context.Background()
		log := &auditLog{}
		v := newVault(t, newRoot(t), newStore(t), tokenize.VaultConfig{}, tokenize.WithGuard(access.NewGuard(access.WithAuditor(log))))
		values := make([]string, 200)
		for i := range values {
			values[i] = fmt.Sprintf("value-%03d", i)
		}
		values[7] = values[3] // repeats are fine
		tokens, err := v.TokenizeBatch(ctx, values, tokenize.WithMetadata(map[string]string{"batch": "1"}))
		require.NoError(t, err)
		require.Len(t, tokens, len(values))
		assert.NotEqual(t, tokens[3], tokens[7])
		got, err := v.DetokenizeBatch(ctx, tokens)
		require.NoError(t, err)
		assert.Equal(t, values, got)
		assert.Len(t, log.all(), 1, "one audit event per batch call")

		empty, err := v.TokenizeBatch(ctx, nil)
		require.NoError(t, err)
		assert.Empty(t, empty)

		require.NoError(t, v.Delete(ctx, tokens[5]))
		_, err = v.DetokenizeBatch(ctx, tokens)
		assert.ErrorIs(t, err, tokenize.ErrNotFound)
		assert.Contains(t, err.Error(), "token 5 ")
		_, err = v.DetokenizeBatch(ctx, []string{tokens[0], "nope"})
		assert.ErrorIs(t, err, tokenize.ErrInvalidToken)
		_, err = v.TokenizeBatch(ctx, make([]string, vault.MaxBatchSize+1))
		assert.ErrorIs(t, err, tokenize.ErrInvalidValue)
		assert.Len(t, log.all(), 3)

		conv := newVault(t, newRoot(t), newStore(t), tokenize.VaultConfig{Convergent: true})
		ct, err := conv.TokenizeBatch(ctx, []string{"a", "b", "a"})
		require.NoError(t, err)
		assert.Equal(t, ct[0], ct[2])
		assert.NotEqual(t, ct[0], ct[1])
		cv, err := conv.DetokenizeBatch(ctx, ct)
		require.NoError(t, err)
		assert.Equal(t, []string{"a", "b", "a"}, cv)
	})
}

// Format-preserving random tokens: random digits in the value's layout, the
// last four kept, failing the Luhn check; no relation to the value.
func TestVaultFormatTokens(t *testing.T) {
	ctx := context.Background()
	tmpl := tokenize.CardTemplate()
	tmpl.KeepLast, tmpl.FailLuhn = 4, true
	v := newVault(t, newRoot(t), memstore.New(), tokenize.VaultConfig{Format: tmpl, IndexValues: true})
	seen := map[string]struct{}{}
	for range 200 {
		tok, err := v.Tokenize(ctx, "4111-1111-1111-1111")
		require.NoError(t, err)
		require.Len(t, tok, 19)
		assert.Regexp(t, `^\d{4}-\d{4}-\d{4}-1111$`, tok)
		assert.False(t, refLuhnValid(tok))
		seen[tok] = struct{}{}
		val, err := v.Detokenize(ctx, tok)
		require.NoError(t, err)
		assert.Equal(t, "4111-1111-1111-1111", val)
	}
	assert.Len(t, seen, 200)
	n, err := v.DeleteValue(ctx, "4111-1111-1111-1111")
	require.NoError(t, err)
	assert.Equal(t, 200, n)

	_, err = v.Tokenize(ctx, "4111-1111-111a-1111")
	assert.ErrorIs(t, err, tokenize.ErrInvalidValue)
	_, err = v.Detokenize(ctx, "41111111111111111111111")
	assert.ErrorIs(t, err, tokenize.ErrInvalidToken)

	// Too few random digits for a million tokens.
	ssn := tokenize.SSNTemplate()
	ssn.KeepFirst = 4
	small := newVault(t, newRoot(t), memstore.New(), tokenize.VaultConfig{Format: ssn})
	_, err = small.Tokenize(ctx, "078-05-1120")
	assert.ErrorIs(t, err, tokenize.ErrInvalidValue)
	ssn.KeepFirst = 3
	ok := newVault(t, newRoot(t), memstore.New(), tokenize.VaultConfig{Format: ssn})
	tok, err := ok.Tokenize(ctx, "078-05-1120")
	require.NoError(t, err)
	assert.Regexp(t, `^078-\d\d-\d{4}$`, tok)
}

// With a store that fails a random 20% of calls, over 10,000 operations:
// every returned token detokenizes, and every failed call left nothing behind.
func TestVaultFlakyStore(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(testing.TB) vault.Store) {
		ops := 10_000
		if !strings.HasPrefix(t.Name(), "TestVaultFlakyStore/memstore") {
			ops = 1_000 // each operation is a round trip to a server or an fsync
		}
		if testing.Short() {
			ops /= 10
		}
		ctx := context.Background()
		root := newRoot(t)
		base := newStore(t)
		flaky := storetest.Flaky(base, 0.2, rand.New(rand.NewPCG(1, 2)))
		cfgs := []tokenize.VaultConfig{{IndexValues: true}, {Convergent: true}}
		var onFlaky, onBase [2]*tokenize.Vault
		for i, cfg := range cfgs {
			onFlaky[i] = newVault(t, root, flaky, cfg)
			onBase[i] = newVault(t, root, base, cfg)
		}
		type result struct {
			mode   int
			value  string
			token  string
			failed bool
		}
		const workers = 8
		results := make([][]result, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < ops; i += workers {
					mode := i % 2
					if i%10 == 0 { // a batch of 5, default and convergent in turn
						mode := (i / 10) % 2
						vals := make([]string, 5)
						for j := range vals {
							vals[j] = fmt.Sprintf("batch-%d-%d", i, j)
						}
						toks, err := onFlaky[mode].TokenizeBatch(ctx, vals)
						if err != nil {
							assert.ErrorIs(t, err, storetest.ErrInjected)
							assert.Nil(t, toks)
						}
						for j, v := range vals {
							r := result{mode: mode, value: v, failed: err != nil}
							if err == nil {
								r.token = toks[j]
							}
							results[w] = append(results[w], r)
						}
						continue
					}
					v := fmt.Sprintf("value-%d", i)
					tok, err := onFlaky[mode].Tokenize(ctx, v)
					if err != nil {
						assert.ErrorIs(t, err, storetest.ErrInjected)
						assert.ErrorIs(t, err, tokenize.ErrStore)
						assert.Empty(t, tok)
					}
					results[w] = append(results[w], result{mode: mode, value: v, token: tok, failed: err != nil})
				}
			}()
		}
		wg.Wait()
		assert.Greater(t, flaky.Failures(), int64(ops/10), "the wrapper did fail calls")
		okCount, failCount := 0, 0
		for _, rs := range results {
			for _, r := range rs {
				removed, err := onBase[r.mode].DeleteValue(ctx, r.value)
				require.NoError(t, err)
				if r.failed {
					failCount++
					assert.Zero(t, removed, "failed call for %s left a record", r.value)
					continue
				}
				okCount++
				// Detokenize before deleting would be the natural order; the
				// record count proves exactly one record per returned token.
				assert.Equal(t, 1, removed, "returned token for %s has %d records", r.value, removed)
			}
		}
		assert.Greater(t, failCount, 0, "some calls failed twice")
		assert.Greater(t, okCount, failCount)
	})
}

// Every returned token detokenizes (checked apart from the record count above,
// on a fresh run, so that DeleteValue does not interfere).
func TestVaultFlakyStoreDetokenizes(t *testing.T) {
	ctx := context.Background()
	root := newRoot(t)
	base := memstore.New()
	flaky := storetest.Flaky(base, 0.2, rand.New(rand.NewPCG(3, 4)))
	v := newVault(t, root, flaky, tokenize.VaultConfig{})
	check := newVault(t, root, base, tokenize.VaultConfig{})
	ok := map[string]string{}
	for i := range 10_000 {
		val := fmt.Sprint("v", i)
		if tok, err := v.Tokenize(ctx, val); err == nil {
			ok[tok] = val
		} else {
			require.ErrorIs(t, err, storetest.ErrInjected)
		}
	}
	// A failed write is tried once more: about 4% of calls fail.
	require.Greater(t, len(ok), 9300)
	require.Less(t, len(ok), 9900)
	for tok, val := range ok {
		got, err := check.Detokenize(ctx, tok)
		require.NoError(t, err)
		require.Equal(t, val, got)
	}
}

// Rotation of the root: old tokens still detokenize and are still found by
// value; new records use the new key.
func TestVaultRotation(t *testing.T) {
	ctx := context.Background()
	store := memstore.New()
	root := newRoot(t)
	oldID := root.PrimaryID()
	v1 := newVault(t, root, store, tokenize.VaultConfig{Convergent: true})
	old, err := v1.Tokenize(ctx, "value")
	require.NoError(t, err)

	root2, newID := rotate(t, root)
	v2 := newVault(t, root2, store, tokenize.VaultConfig{Convergent: true})
	val, err := v2.Detokenize(ctx, old)
	require.NoError(t, err)
	assert.Equal(t, "value", val)
	again, err := v2.Tokenize(ctx, "value")
	require.NoError(t, err)
	assert.Equal(t, old, again, "convergent across rotation")
	got, err := v2.TokenOf(ctx, "value")
	require.NoError(t, err)
	assert.Equal(t, old, got)
	fresh, err := v2.Tokenize(ctx, "other")
	require.NoError(t, err)
	info, err := v2.Info(ctx, fresh)
	require.NoError(t, err)
	assert.Equal(t, newID, info.KeyID)
	info, err = v2.Info(ctx, old)
	require.NoError(t, err)
	assert.Equal(t, oldID, info.KeyID)
	vals, err := v2.DetokenizeBatch(ctx, []string{old, fresh})
	require.NoError(t, err)
	assert.Equal(t, []string{"value", "other"}, vals)

	// With the old key disabled, its tokens are no longer found.
	root3, err := root2.Disable(oldID)
	require.NoError(t, err)
	v3 := newVault(t, root3, store, tokenize.VaultConfig{Convergent: true})
	_, err = v3.Detokenize(ctx, old)
	assert.ErrorIs(t, err, tokenize.ErrNotFound)
	n, err := v2.DeleteValue(ctx, "value")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

// captureStore records what the vault writes.
type captureStore struct {
	vault.Store
	mu   sync.Mutex
	recs []vault.Record
}

func (c *captureStore) Put(ctx context.Context, r vault.Record) error {
	c.mu.Lock()
	c.recs = append(c.recs, r)
	c.mu.Unlock()
	return c.Store.Put(ctx, r)
}

func (c *captureStore) PutConvergentBatch(ctx context.Context, recs []vault.Record) ([]vault.Record, []bool, error) {
	c.mu.Lock()
	c.recs = append(c.recs, recs...)
	c.mu.Unlock()
	return c.Store.PutConvergentBatch(ctx, recs)
}

func (c *captureStore) PutConvergent(ctx context.Context, r vault.Record) (vault.Record, bool, error) {
	c.mu.Lock()
	c.recs = append(c.recs, r)
	c.mu.Unlock()
	return c.Store.PutConvergent(ctx, r)
}

// The table holds neither token nor value: the record is keyed by a hash of
// the token, and the ciphertext needs the token. A vault over the same root
// and table cannot open the record with another token.
func TestVaultTableRevealsNothing(t *testing.T) {
	ctx := context.Background()
	for _, cfg := range []tokenize.VaultConfig{{}, {Convergent: true}, {IndexValues: true}} {
		t.Run(fmt.Sprintf("convergent=%v,index=%v", cfg.Convergent, cfg.IndexValues), func(t *testing.T) {
			cs := &captureStore{Store: memstore.New()}
			v := newVault(t, newRoot(t), cs, cfg)
			value := "4111111111111111-secret-value"
			tok, err := v.Tokenize(ctx, value)
			require.NoError(t, err)
			require.Len(t, cs.recs, 1)
			r := cs.recs[0]
			for _, b := range [][]byte{r.TokenHash, r.Ciphertext, r.ValueHash} {
				assert.False(t, bytes.Contains(b, []byte(value)))
				assert.False(t, bytes.Contains(b, []byte(tok)))
			}
			assert.Equal(t, cfg.Convergent || cfg.IndexValues, len(r.ValueHash) > 0)
			assert.Equal(t, cfg.Convergent, r.Convergent)
		})
	}
}

func TestVaultGuard(t *testing.T) {
	ctx := context.Background()
	log := &auditLog{}
	rbac, err := access.NewRBAC(access.Grant{Role: "billing", Actions: []access.Action{access.ActionDetokenize}, Resources: []string{"customers.card"}, Purposes: []string{"refund"}})
	require.NoError(t, err)
	root := newRoot(t)
	v := newVault(t, root, memstore.New(), tokenize.VaultConfig{}, tokenize.WithGuard(access.NewGuard(access.WithAuthorizer(rbac), access.WithAuditor(log))))
	tok, err := v.Tokenize(ctx, "4111111111111111")
	require.NoError(t, err)
	assert.Empty(t, log.all(), "tokenize is not a reveal")

	_, err = v.Detokenize(ctx, tok)
	assert.ErrorIs(t, err, access.ErrDenied)
	_, err = v.DetokenizeBatch(ctx, []string{tok})
	assert.ErrorIs(t, err, access.ErrDenied)
	allowed := access.WithPurpose(access.WithPrincipal(ctx, access.Principal{ID: "bob", Roles: []string{"billing"}}), "refund")
	val, err := v.Detokenize(allowed, tok)
	require.NoError(t, err)
	assert.Equal(t, "4111111111111111", val)
	_, err = v.Detokenize(allowed, "aaaaaaaaaaaaaaaaaaaaaaaaaa")
	assert.ErrorIs(t, err, tokenize.ErrNotFound)

	ev := log.all()
	require.Len(t, ev, 4)
	assert.Equal(t, []access.Outcome{access.OutcomeDenied, access.OutcomeDenied, access.OutcomeAllowed, access.OutcomeFailed},
		[]access.Outcome{ev[0].Outcome, ev[1].Outcome, ev[2].Outcome, ev[3].Outcome})
	assert.Equal(t, "bob", ev[2].Principal)
	assert.Equal(t, "refund", ev[2].Purpose)
	assert.Equal(t, "customers.card", ev[2].Resource)
	assert.Equal(t, root.PrimaryID(), ev[2].KeyID)
	for _, e := range ev {
		assert.NotContains(t, fmt.Sprintf("%+v", e), "4111111111111111")
		assert.NotContains(t, fmt.Sprintf("%+v", e), tok)
	}
}

func TestVaultConfigErrors(t *testing.T) {
	root := newRoot(t)
	aead, err := keys.New(keys.AES256GCM)
	require.NoError(t, err)
	bad := tokenize.CardTemplate()
	bad.Separators = "1"
	tests := []struct {
		name   string
		root   *keys.Keyset
		domain string
		store  vault.Store
		cfg    tokenize.VaultConfig
	}{
		{"nil root", nil, "d", memstore.New(), tokenize.VaultConfig{}},
		{"not a root", aead, "d", memstore.New(), tokenize.VaultConfig{}},
		{"empty domain", root, "", memstore.New(), tokenize.VaultConfig{}},
		{"nil store", root, "d", nil, tokenize.VaultConfig{}},
		{"negative ttl", root, "d", memstore.New(), tokenize.VaultConfig{TTL: -1}},
		{"bad template", root, "d", memstore.New(), tokenize.VaultConfig{Format: bad}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tokenize.NewVault(tt.root, tt.domain, tt.store, tt.cfg)
			assert.ErrorIs(t, err, tokenize.ErrInvalidConfig)
		})
	}
	v := newVault(t, root, memstore.New(), tokenize.VaultConfig{})
	_, err = v.Tokenize(context.Background(), "x", tokenize.WithTTL(-time.Second))
	assert.ErrorIs(t, err, tokenize.ErrInvalidValue)
	_, err = v.Tokenize(context.Background(), "x", tokenize.WithMetadata(map[string]string{"": "empty key"}))
	assert.ErrorIs(t, err, tokenize.ErrInvalidValue)
}

func TestVaultConcurrent(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, newRoot(t), memstore.New(), tokenize.VaultConfig{Convergent: true})
	const n = 50
	want := make([]string, n)
	for i := range want {
		var err error
		want[i], err = v.Tokenize(ctx, fmt.Sprint("value-", i))
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	var bad sync.Map
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				j := (i + 7*g) % n
				if tok, err := v.Tokenize(ctx, fmt.Sprint("value-", j)); err != nil || tok != want[j] {
					bad.Store(j, "tokenize")
				}
				if val, err := v.Detokenize(ctx, want[j]); err != nil || val != fmt.Sprint("value-", j) {
					bad.Store(j, "detokenize")
				}
			}
		}()
	}
	wg.Wait()
	bad.Range(func(k, v any) bool { t.Errorf("%v at %v", v, k); return true })
}

// Arbitrary strings given as tokens are refused cleanly.
func FuzzVaultDetokenize(f *testing.F) {
	root, err := keys.New(keys.DerivationHKDFSHA256)
	require.NoError(f, err)
	tmpl := tokenize.CardTemplate()
	tmpl.KeepLast = 4
	opaque, err := tokenize.NewVault(root, "d", memstore.New(), tokenize.VaultConfig{})
	require.NoError(f, err)
	format, err := tokenize.NewVault(root, "d", memstore.New(), tokenize.VaultConfig{Format: tmpl})
	require.NoError(f, err)
	ctx := context.Background()
	t1, _ := opaque.Tokenize(ctx, "seed")
	t2, _ := format.Tokenize(ctx, "4111-1111-1111-1111")
	f.Add(t1, "seed")
	f.Add(t2, "4111 1111 1111 1111")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, token, value string) {
		for _, v := range []*tokenize.Vault{opaque, format} {
			got, err := v.Detokenize(ctx, token)
			if err != nil {
				require.True(t, errors.Is(err, tokenize.ErrInvalidToken) || errors.Is(err, tokenize.ErrNotFound), "%v", err)
				require.Empty(t, got)
			}
			tok, err := v.Tokenize(ctx, value)
			if err != nil {
				require.ErrorIs(t, err, tokenize.ErrInvalidValue)
				continue
			}
			got, err = v.Detokenize(ctx, tok)
			require.NoError(t, err)
			require.Equal(t, value, got)
		}
	})
}

// ambiguousStore commits the first write, then reports a failure, as a
// PostgreSQL connection killed after COMMIT and before its acknowledgement
// would.
type ambiguousStore struct {
	vault.Store
	mu    sync.Mutex
	fired bool
}

var errConnLost = errors.New("test: connection lost after commit")

func (a *ambiguousStore) once() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	f := a.fired
	a.fired = true
	return !f
}

func (a *ambiguousStore) Put(ctx context.Context, r vault.Record) error {
	err := a.Store.Put(ctx, r)
	if err == nil && a.once() {
		return errConnLost
	}
	return err
}

func (a *ambiguousStore) PutBatch(ctx context.Context, recs []vault.Record) error {
	err := a.Store.PutBatch(ctx, recs)
	if err == nil && a.once() {
		return errConnLost
	}
	return err
}

func (a *ambiguousStore) PutConvergentBatch(ctx context.Context, recs []vault.Record) ([]vault.Record, []bool, error) {
	s, c, err := a.Store.PutConvergentBatch(ctx, recs)
	if err == nil && a.once() {
		return nil, nil, errConnLost
	}
	return s, c, err
}

func (a *ambiguousStore) PutConvergent(ctx context.Context, r vault.Record) (vault.Record, bool, error) {
	s, c, err := a.Store.PutConvergent(ctx, r)
	if err == nil && a.once() {
		return vault.Record{}, false, errConnLost
	}
	return s, c, err
}

// A write that committed but reported a failure is retried with the same
// records: the tokens come back, and each value has exactly one record.
func TestVaultAmbiguousFailure(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(testing.TB) vault.Store) {
		ctx := context.Background()
		root := newRoot(t)
		for _, cfg := range []tokenize.VaultConfig{{IndexValues: true}, {Convergent: true}} {
			base := newStore(t)
			check := newVault(t, root, base, cfg)
			values := []string{"a@example.com", "b@example.com", "c@example.com"}

			v := newVault(t, root, &ambiguousStore{Store: base}, cfg)
			tokens, err := v.TokenizeBatch(ctx, values)
			require.NoError(t, err)
			got, err := check.DetokenizeBatch(ctx, tokens)
			require.NoError(t, err)
			assert.Equal(t, values, got)

			v = newVault(t, root, &ambiguousStore{Store: base}, cfg)
			tok, err := v.Tokenize(ctx, "d@example.com")
			require.NoError(t, err)
			val, err := check.Detokenize(ctx, tok)
			require.NoError(t, err)
			assert.Equal(t, "d@example.com", val)

			for _, value := range append(values, "d@example.com") {
				n, err := check.DeleteValue(ctx, value)
				require.NoError(t, err)
				assert.Equal(t, 1, n, "one record for %s", value)
			}
		}
	})
}
