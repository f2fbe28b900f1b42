package storetest_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/custos-dev/custos/tokenize/vault"
	"github.com/custos-dev/custos/tokenize/vault/memstore"
	"github.com/custos-dev/custos/tokenize/vault/storetest"
)

// A FlakyStore that never fails is the store it wraps: it passes the whole
// suite, whose concurrent parts also hammer the wrapper's own state.
func TestFlakyPassThrough(t *testing.T) {
	var wrappers []*storetest.FlakyStore
	storetest.Run(t, func(t *testing.T) vault.Store {
		f := storetest.Flaky(memstore.New(), 0, rand.New(rand.NewPCG(1, 1)))
		wrappers = append(wrappers, f)
		return f
	})
	var calls int64
	for _, f := range wrappers {
		assert.Zero(t, f.Failures())
		calls += f.Calls()
	}
	assert.Greater(t, calls, int64(3000))
}

// At rate 1 every call fails and nothing reaches the store.
func TestFlakyAlwaysFails(t *testing.T) {
	inner := memstore.New()
	f := storetest.Flaky(inner, 1, rand.New(rand.NewPCG(1, 1)))
	ctx := t.Context()
	_, err := f.Get(ctx, []byte{1})
	assert.ErrorIs(t, err, storetest.ErrInjected)
	assert.ErrorIs(t, f.Put(ctx, vault.Record{}), storetest.ErrInjected)
	assert.ErrorIs(t, f.PutBatch(ctx, nil), storetest.ErrInjected)
	_, _, err = f.PutConvergent(ctx, vault.Record{})
	assert.ErrorIs(t, err, storetest.ErrInjected)
	_, err = f.GetBatch(ctx, nil)
	assert.ErrorIs(t, err, storetest.ErrInjected)
	_, err = f.GetByValue(ctx, []byte{1})
	assert.ErrorIs(t, err, storetest.ErrInjected)
	assert.ErrorIs(t, f.Delete(ctx, []byte{1}), storetest.ErrInjected)
	_, err = f.DeleteByValue(ctx, []byte{1})
	assert.ErrorIs(t, err, storetest.ErrInjected)
	_, err = f.DeleteExpired(ctx, time.Time{}, 1)
	assert.ErrorIs(t, err, storetest.ErrInjected)
	assert.Equal(t, int64(9), f.Calls())
	assert.Equal(t, int64(9), f.Failures())
	assert.Zero(t, inner.Len())
}
