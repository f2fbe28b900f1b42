package storetest

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/custos-dev/custos/tokenize/vault"
)

// ErrInjected is the error a FlakyStore returns for a call it fails.
var ErrInjected = errors.New("storetest: injected store failure")

// A FlakyStore wraps a vault.Store and fails a random share of calls with
// ErrInjected before they reach the wrapped store, so a failed call has
// changed nothing. It is safe for concurrent use.
type FlakyStore struct {
	s    vault.Store
	rate float64

	mu  sync.Mutex
	rng *rand.Rand

	calls, failures atomic.Int64
}

// Flaky returns a store that fails each call with probability rate (0 to 1)
// and otherwise passes it to s. Failures are drawn from rng, so a test can
// repeat a run with the same seed; rng is a test's source of faults, not of
// anything secret, which is why it need not come from crypto/rand.
func Flaky(s vault.Store, rate float64, rng *rand.Rand) *FlakyStore {
	return &FlakyStore{s: s, rate: rate, rng: rng}
}

// Calls returns how many calls the store has received.
func (f *FlakyStore) Calls() int64 { return f.calls.Load() }

// Failures returns how many calls the store has failed.
func (f *FlakyStore) Failures() int64 { return f.failures.Load() }

func (f *FlakyStore) fail() bool {
	f.calls.Add(1)
	f.mu.Lock()
	x := f.rng.Float64()
	f.mu.Unlock()
	if x < f.rate {
		f.failures.Add(1)
		return true
	}
	return false
}

// Put implements vault.Store.
func (f *FlakyStore) Put(ctx context.Context, rec vault.Record) error {
	if f.fail() {
		return ErrInjected
	}
	return f.s.Put(ctx, rec)
}

// PutConvergent implements vault.Store.
func (f *FlakyStore) PutConvergent(ctx context.Context, rec vault.Record) (vault.Record, bool, error) {
	if f.fail() {
		return vault.Record{}, false, ErrInjected
	}
	return f.s.PutConvergent(ctx, rec)
}

// PutBatch implements vault.Store.
func (f *FlakyStore) PutBatch(ctx context.Context, recs []vault.Record) error {
	if f.fail() {
		return ErrInjected
	}
	return f.s.PutBatch(ctx, recs)
}

// PutConvergentBatch implements vault.Store.
func (f *FlakyStore) PutConvergentBatch(ctx context.Context, recs []vault.Record) ([]vault.Record, []bool, error) {
	if f.fail() {
		return nil, nil, ErrInjected
	}
	return f.s.PutConvergentBatch(ctx, recs)
}

// GetByValueBatch implements vault.Store.
func (f *FlakyStore) GetByValueBatch(ctx context.Context, valueHashes [][]byte) ([]vault.Record, error) {
	if f.fail() {
		return nil, ErrInjected
	}
	return f.s.GetByValueBatch(ctx, valueHashes)
}

// Get implements vault.Store.
func (f *FlakyStore) Get(ctx context.Context, tokenHash []byte) (vault.Record, error) {
	if f.fail() {
		return vault.Record{}, ErrInjected
	}
	return f.s.Get(ctx, tokenHash)
}

// GetBatch implements vault.Store.
func (f *FlakyStore) GetBatch(ctx context.Context, tokenHashes [][]byte) ([]vault.Record, error) {
	if f.fail() {
		return nil, ErrInjected
	}
	return f.s.GetBatch(ctx, tokenHashes)
}

// GetByValue implements vault.Store.
func (f *FlakyStore) GetByValue(ctx context.Context, valueHash []byte) (vault.Record, error) {
	if f.fail() {
		return vault.Record{}, ErrInjected
	}
	return f.s.GetByValue(ctx, valueHash)
}

// Delete implements vault.Store.
func (f *FlakyStore) Delete(ctx context.Context, tokenHash []byte) error {
	if f.fail() {
		return ErrInjected
	}
	return f.s.Delete(ctx, tokenHash)
}

// DeleteByValue implements vault.Store.
func (f *FlakyStore) DeleteByValue(ctx context.Context, valueHash []byte) (int, error) {
	if f.fail() {
		return 0, ErrInjected
	}
	return f.s.DeleteByValue(ctx, valueHash)
}

// DeleteExpired implements vault.Store.
func (f *FlakyStore) DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error) {
	if f.fail() {
		return 0, ErrInjected
	}
	return f.s.DeleteExpired(ctx, now, limit)
}

var _ vault.Store = (*FlakyStore)(nil)
