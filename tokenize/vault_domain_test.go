package tokenize_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/tokenize"
	"github.com/custos-dev/custos/tokenize/vault"
)

// DeleteExpired acts on the whole store, as documented: on a store shared
// by two domains, one vault's clean-up removes the other's expired records
// (never a live one); with one store per domain it does not.
func TestVaultDeleteExpiredActsOnWholeStore(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(testing.TB) vault.Store) {
		ctx := context.Background()
		root := newRoot(t)
		for _, shared := range []bool{true, false} {
			c := &clock{now: time.Now().Add(time.Hour).Truncate(time.Second)}
			sa := newStore(t)
			sb := sa
			if !shared {
				sb = newStore(t)
			}
			a, err := tokenize.NewVault(root, "customers.card", sa, tokenize.VaultConfig{}, tokenize.WithClock(c.Now))
			require.NoError(t, err)
			b, err := tokenize.NewVault(root, "orders.card", sb, tokenize.VaultConfig{}, tokenize.WithClock(c.Now))
			require.NoError(t, err)
			expA, err := a.Tokenize(ctx, "a", tokenize.WithTTL(time.Minute))
			require.NoError(t, err)
			expB, err := b.Tokenize(ctx, "b", tokenize.WithTTL(time.Minute))
			require.NoError(t, err)
			liveB, err := b.Tokenize(ctx, "b live")
			require.NoError(t, err)
			c.Advance(2 * time.Minute)

			n, err := a.DeleteExpired(ctx)
			require.NoError(t, err)
			_, err = a.Detokenize(ctx, expA)
			assert.ErrorIs(t, err, tokenize.ErrNotFound, "own expired token removed")
			_, err = b.Detokenize(ctx, expB)
			if shared {
				assert.Equal(t, 2, n)
				assert.ErrorIs(t, err, tokenize.ErrNotFound, "shared store: the other domain's expired token removed too")
			} else {
				assert.Equal(t, 1, n)
				assert.ErrorIs(t, err, tokenize.ErrExpired, "own store: the other domain's expired token kept")
			}
			value, err := b.Detokenize(ctx, liveB)
			require.NoError(t, err)
			assert.Equal(t, "b live", value)
		}
	})
}
