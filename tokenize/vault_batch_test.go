package tokenize_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/tokenize"
	"github.com/custos-dev/custos/tokenize/vault"
	"github.com/custos-dev/custos/tokenize/vault/memstore"
)

// countingStore counts the store calls of the convergent path.
type countingStore struct {
	vault.Store
	getByValue, getByValueBatch, putConvergent, putConvergentBatch atomic.Int64
}

func (c *countingStore) GetByValue(ctx context.Context, vh []byte) (vault.Record, error) {
	c.getByValue.Add(1)
	return c.Store.GetByValue(ctx, vh)
}

func (c *countingStore) GetByValueBatch(ctx context.Context, vhs [][]byte) ([]vault.Record, error) {
	c.getByValueBatch.Add(1)
	return c.Store.GetByValueBatch(ctx, vhs)
}

func (c *countingStore) PutConvergent(ctx context.Context, r vault.Record) (vault.Record, bool, error) {
	c.putConvergent.Add(1)
	return c.Store.PutConvergent(ctx, r)
}

func (c *countingStore) PutConvergentBatch(ctx context.Context, recs []vault.Record) ([]vault.Record, []bool, error) {
	c.putConvergentBatch.Add(1)
	return c.Store.PutConvergentBatch(ctx, recs)
}

func (c *countingStore) calls() [4]int64 {
	return [4]int64{c.getByValue.Load(), c.getByValueBatch.Load(), c.putConvergent.Load(), c.putConvergentBatch.Load()}
}

// A convergent batch is one lookup and one insert, whatever its size; a
// batch of values that all have tokens is one lookup.
func TestVaultConvergentBatchStoreCalls(t *testing.T) {
	ctx := context.Background()
	root := newRoot(t)
	cs := &countingStore{Store: memstore.New()}
	v := newVault(t, root, cs, tokenize.VaultConfig{Convergent: true})
	values := make([]string, 300)
	for i := range values {
		values[i] = fmt.Sprintf("customer-%d@example.com", i)
	}
	for _, value := range values[:100] {
		_, err := v.Tokenize(ctx, value)
		require.NoError(t, err)
	}
	before := cs.calls()
	tokens, err := v.TokenizeBatch(ctx, values)
	require.NoError(t, err)
	after := cs.calls()
	assert.Equal(t, [4]int64{0, 1, 0, 1}, [4]int64{after[0] - before[0], after[1] - before[1], after[2] - before[2], after[3] - before[3]})

	again, err := v.TokenizeBatch(ctx, values)
	require.NoError(t, err)
	assert.Equal(t, tokens, again)
	final := cs.calls()
	assert.Equal(t, [4]int64{0, 1, 0, 0}, [4]int64{final[0] - after[0], final[1] - after[1], final[2] - after[2], final[3] - after[3]})
}

// A convergent batch gives each value the token Tokenize gives it: the
// existing token of a value tokenized before (under the primary or an older
// root key), one token for a value repeated in the batch, a new token in
// place of an expired one.
func TestVaultConvergentBatchSemantics(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(testing.TB) vault.Store) {
		ctx := context.Background()
		store := newStore(t)
		c := &clock{now: time.Now().Add(time.Hour).Truncate(time.Second)}
		root := newRoot(t)
		old := newVault(t, root, store, tokenize.VaultConfig{Convergent: true}, tokenize.WithClock(c.Now))
		underOld, err := old.Tokenize(ctx, "under old key")
		require.NoError(t, err)
		root2, newID := rotate(t, root)
		v := newVault(t, root2, store, tokenize.VaultConfig{Convergent: true}, tokenize.WithClock(c.Now))
		before, err := v.Tokenize(ctx, "before")
		require.NoError(t, err)
		short, err := v.Tokenize(ctx, "short-lived", tokenize.WithTTL(time.Minute))
		require.NoError(t, err)
		c.Advance(2 * time.Minute)

		values := []string{"new", "before", "under old key", "new", "short-lived", "other"}
		tokens, err := v.TokenizeBatch(ctx, values)
		require.NoError(t, err)
		require.Len(t, tokens, len(values))
		assert.Equal(t, before, tokens[1])
		assert.Equal(t, underOld, tokens[2])
		assert.Equal(t, tokens[0], tokens[3], "repeated value, one token")
		assert.NotEqual(t, short, tokens[4], "expired token replaced")
		assert.NotEqual(t, tokens[0], tokens[5])
		for i, value := range values {
			got, err := v.TokenOf(ctx, value)
			require.NoError(t, err)
			assert.Equal(t, tokens[i], got, value)
			back, err := v.Detokenize(ctx, tokens[i])
			require.NoError(t, err)
			assert.Equal(t, value, back)
		}
		info, err := v.Info(ctx, tokens[0])
		require.NoError(t, err)
		assert.Equal(t, newID, info.KeyID)
		for _, value := range []string{"new", "before", "under old key", "short-lived", "other"} {
			n, err := v.DeleteValue(ctx, value)
			require.NoError(t, err)
			assert.Equal(t, 1, n, "one record for %q", value)
		}
	})
}

// Concurrent convergent batches over overlapping values, in different
// orders, with single Tokenize calls among them, end with one token per
// value, on every store (PostgreSQL and Redis across connections).
func TestVaultConvergentBatchConcurrent(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(testing.TB) vault.Store) {
		const workers, pool, size = 8, 300, 200
		ctx := context.Background()
		root := newRoot(t)
		store := newStore(t)
		values := make([]string, pool)
		for i := range values {
			values[i] = fmt.Sprintf("4111-1111-%04d-%04d", i/100, i%100)
		}
		picks := make([][]int, workers)
		for w := range picks {
			for k := range size {
				p := (w*37 + k) % pool
				if w%2 == 1 {
					p = (w*37 + size - 1 - k) % pool
				}
				picks[w] = append(picks[w], p)
			}
		}
		tokens := make([][]string, workers)
		singles := make([]string, pool)
		errs := make([]error, workers+1)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for w := range workers {
			wg.Go(func() {
				v := newVault(t, root, store, tokenize.VaultConfig{Convergent: true})
				batch := make([]string, size)
				for k, p := range picks[w] {
					batch[k] = values[p]
				}
				<-start
				tokens[w], errs[w] = v.TokenizeBatch(ctx, batch)
			})
		}
		wg.Go(func() {
			v := newVault(t, root, store, tokenize.VaultConfig{Convergent: true})
			<-start
			for p := 0; p < pool; p += 7 {
				if singles[p], errs[workers] = v.Tokenize(ctx, values[p]); errs[workers] != nil {
					return
				}
			}
		})
		close(start)
		wg.Wait()
		for w, err := range errs {
			require.NoError(t, err, "worker %d", w)
		}
		token := map[int]string{}
		for w := range workers {
			for k, p := range picks[w] {
				if prev, ok := token[p]; ok {
					require.Equal(t, prev, tokens[w][k], "value %d has two tokens", p)
				}
				token[p] = tokens[w][k]
			}
		}
		for p := 0; p < pool; p += 7 {
			if prev, ok := token[p]; ok {
				require.Equal(t, prev, singles[p], "value %d: single call disagrees", p)
			}
			token[p] = singles[p]
		}
		v := newVault(t, root, store, tokenize.VaultConfig{Convergent: true})
		for p, tok := range token {
			got, err := v.Detokenize(ctx, tok)
			require.NoError(t, err)
			require.Equal(t, values[p], got)
			n, err := v.DeleteValue(ctx, values[p])
			require.NoError(t, err)
			require.Equal(t, 1, n, "value %d: one record", p)
		}
	})
}
