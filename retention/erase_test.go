package retention

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// errKeyDestroyed stands in for the keys package's sentinel until the
// cross-package test exists.
var errKeyDestroyed = errors.New("fake keys: key destroyed")

// fakeKeys holds one key per subject; "ciphertexts" decrypt only while the
// subject's key exists. Shred is idempotent. A subject in pending has a
// KMS-style deletion window reported as residue.
type fakeKeys struct {
	mu      sync.Mutex
	keys    map[string]bool
	pending map[string]time.Time
	fail    bool
}

func (k *fakeKeys) Shred(_ context.Context, subject string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fail {
		return errors.New("kms unavailable")
	}
	delete(k.keys, subject)
	return nil
}

func (k *fakeKeys) Residue(_ context.Context, subject string) ([]string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if until, ok := k.pending[subject]; ok {
		return []string{"KMS key kms-key-17 pending deletion until " + until.Format(time.DateOnly)}, nil
	}
	return nil, nil
}

func (k *fakeKeys) decrypt(subject string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.keys[subject] {
		return errKeyDestroyed
	}
	return nil
}

// fakeIndex maps subject -> items (tokens or blind-index rows).
type fakeIndex struct {
	mu    sync.Mutex
	items map[string][]string
}

func (f *fakeIndex) EraseSubject(_ context.Context, subject string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.items[subject])
	delete(f.items, subject)
	return n, nil
}

func (f *fakeIndex) lookup(subject string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.items[subject]
}

type failingStore struct{}

func (failingStore) EraseSubject(context.Context, string) (int, error) {
	return 0, errors.New("connection refused")
}

func erasureFixture() (*fakeKeys, *fakeIndex, *fakeIndex) {
	keys := &fakeKeys{keys: map[string]bool{"alice": true, "bob": true, "carol": true},
		pending: map[string]time.Time{"alice": time.Date(2026, 12, 21, 0, 0, 0, 0, time.UTC)}}
	tokens := &fakeIndex{items: map[string][]string{"alice": {"tok1", "tok2", "tok3"}, "bob": {"tok4"}, "carol": {"tok5"}}}
	index := &fakeIndex{items: map[string][]string{"alice": {"bi1", "bi2"}, "bob": {"bi3"}}}
	return keys, tokens, index
}

func TestErase(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	keys, tokens, index := erasureFixture()
	aud := &recordingAuditor{}
	e, err := NewEraser(keys, WithSubjectStore("vault tokens", tokens), WithSubjectStore("blind index", index),
		WithHolds(&MemoryHolds{}), WithOutOfReach("exports sent to the tax office"), WithAuditor(aud),
		WithClock(func() time.Time { return now }))
	require.NoError(t, err)

	rep, err := e.Erase(ctx, ErasureRequest{ID: "req-1", Subject: "alice", Actor: "dpo", Reason: "GDPR art. 17"})
	require.NoError(t, err)
	assert.Equal(t, ErasureReport{
		RequestID: "req-1", Subject: "alice", Time: now, Status: Erased, KeyShredded: true,
		Erased: []ErasedItem{{Store: "vault tokens", Count: 3}, {Store: "blind index", Count: 2}},
		OutOfReach: []string{
			"key: KMS key kms-key-17 pending deletion until 2026-12-21",
			"exports sent to the tax office",
		},
	}, rep)
	// Alice's ciphertexts fail, her tokens and index rows are gone.
	assert.ErrorIs(t, keys.decrypt("alice"), errKeyDestroyed)
	assert.Empty(t, tokens.lookup("alice"))
	assert.Empty(t, index.lookup("alice"))
	// Others untouched.
	assert.NoError(t, keys.decrypt("bob"))
	assert.NoError(t, keys.decrypt("carol"))
	assert.Equal(t, []string{"tok4"}, tokens.lookup("bob"))
	assert.Equal(t, []string{"bi3"}, index.lookup("bob"))
	// Audited.
	evs := aud.all()
	require.Len(t, evs, 1)
	assert.Equal(t, AuditEvent{Time: now, Act: ActErasure, Actor: "dpo", Allowed: true, Reason: "GDPR art. 17", Subject: "alice"}, evs[0])

	// Running the request again is safe and finds nothing more.
	rep, err = e.Erase(ctx, ErasureRequest{ID: "req-1", Subject: "alice", Actor: "dpo"})
	require.NoError(t, err)
	assert.Equal(t, []ErasedItem{{Store: "vault tokens", Count: 0}, {Store: "blind index", Count: 0}}, rep.Erased)
	assert.True(t, rep.KeyShredded)
}

func TestEraseRefusedUnderHold(t *testing.T) {
	ctx := context.Background()
	keys, tokens, index := erasureFixture()
	holds, queue := &MemoryHolds{}, &MemoryErasureQueue{}
	require.NoError(t, holds.PutHold(ctx, Hold{ID: "hold-7", Subject: "bob", Reason: "litigation"}))
	require.NoError(t, holds.PutHold(ctx, Hold{ID: "hold-8", RecordID: "invoice-9"}))                   // a record hold, not bob's
	require.NoError(t, holds.PutHold(ctx, Hold{ID: "hold-9", RecordID: "invoice-3", Subject: "carol"})) // one of carol's records
	aud := &recordingAuditor{}
	e, err := NewEraser(keys, WithSubjectStore("vault tokens", tokens), WithSubjectStore("blind index", index),
		WithHolds(holds), WithErasureQueue(queue), WithAuditor(aud))
	require.NoError(t, err)

	req := ErasureRequest{ID: "req-2", Subject: "bob", Actor: "dpo"}
	rep, err := e.Erase(ctx, req)
	assert.ErrorIs(t, err, ErrHeld)
	assert.Equal(t, Queued, rep.Status)
	assert.Equal(t, []string{"hold-7"}, rep.Holds)
	assert.False(t, rep.KeyShredded)
	assert.Empty(t, rep.Erased)
	assert.NoError(t, keys.decrypt("bob"), "nothing was erased")
	assert.Equal(t, []string{"tok4"}, tokens.lookup("bob"))
	assert.Equal(t, []ErasureRequest{req}, queue.Pending())
	require.Len(t, aud.all(), 1)
	assert.False(t, aud.all()[0].Allowed)

	// Once the hold is lifted, the queued request goes through.
	_, err = holds.RemoveHold(ctx, "hold-7")
	require.NoError(t, err)
	rep, err = e.Erase(ctx, queue.Pending()[0])
	require.NoError(t, err)
	assert.Equal(t, Erased, rep.Status)
	assert.ErrorIs(t, keys.decrypt("bob"), errKeyDestroyed)

	// A hold on one of carol's records refuses carol's erasure: shredding
	// her key would destroy the held record too.
	rep, err = e.Erase(ctx, ErasureRequest{ID: "req-3", Subject: "carol"})
	assert.ErrorIs(t, err, ErrHeld)
	assert.Equal(t, []string{"hold-9"}, rep.Holds)
	assert.NoError(t, keys.decrypt("carol"))
	assert.Len(t, queue.Pending(), 2)
}

func TestErasePartial(t *testing.T) {
	ctx := context.Background()
	keys, tokens, _ := erasureFixture()
	keys.fail = true
	e, err := NewEraser(keys, WithSubjectStore("vault tokens", tokens), WithSubjectStore("blind index", failingStore{}))
	require.NoError(t, err)
	rep, err := e.Erase(ctx, ErasureRequest{Subject: "carol"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "retention: shredding key")
	assert.Contains(t, err.Error(), "retention: erasing from blind index")
	assert.Equal(t, Partial, rep.Status)
	assert.False(t, rep.KeyShredded)
	assert.Equal(t, []string{"key", "blind index"}, rep.Failed)
	assert.Equal(t, []ErasedItem{{Store: "vault tokens", Count: 1}}, rep.Erased, "the other steps still ran")

	_, err = e.Erase(ctx, ErasureRequest{})
	assert.Error(t, err)
	_, err = NewEraser(nil)
	assert.Error(t, err)
}

func TestEraseAuditFailureStops(t *testing.T) {
	keys, tokens, _ := erasureFixture()
	e, err := NewEraser(keys, WithSubjectStore("vault tokens", tokens), WithAuditor(&recordingAuditor{fail: true}))
	require.NoError(t, err)
	_, err = e.Erase(context.Background(), ErasureRequest{Subject: "alice"})
	assert.ErrorIs(t, err, ErrAuditFailed)
	assert.NoError(t, keys.decrypt("alice"))
	assert.Len(t, tokens.lookup("alice"), 3)
}

func TestEraseConcurrent(t *testing.T) {
	keys, tokens, index := erasureFixture()
	e, err := NewEraser(keys, WithSubjectStore("vault tokens", tokens), WithSubjectStore("blind index", index))
	require.NoError(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := map[string]int{}
	for range 8 {
		wg.Go(func() {
			for _, s := range []string{"alice", "bob"} {
				rep, err := e.Erase(context.Background(), ErasureRequest{Subject: s})
				assert.NoError(t, err)
				mu.Lock()
				for _, it := range rep.Erased {
					total[s+"/"+it.Store] += it.Count
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	// Whatever the interleaving, each item was erased exactly once.
	assert.Equal(t, map[string]int{"alice/vault tokens": 3, "alice/blind index": 2, "bob/vault tokens": 1, "bob/blind index": 1}, total)
	assert.NoError(t, keys.decrypt("carol"))
}
