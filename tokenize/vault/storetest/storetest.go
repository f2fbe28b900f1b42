// Package storetest checks that a vault.Store keeps the vault's contract: it
// holds the conformance suite every store passes, and a failure-injecting
// wrapper for tests of code built on a store.
//
// A store's test calls [Run] with a constructor that returns a fresh, empty
// store for each subtest:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) vault.Store { return memstore.New() })
//	}
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/tokenize/vault"
)

// Run runs the conformance suite against stores made by newStore. newStore
// is called once per subtest and must return an empty store, cleaned up by
// t.Cleanup when the subtest ends.
//
// The suite covers lookups of missing records, round trips with the stores'
// rounding of times, atomic and idempotent puts, invalid input, idempotent
// deletes, delete by value, convergent puts (including 1,000 concurrent ones
// for the same value), convergent batches (including concurrent batches
// that overlap), lookups of a batch of values, concurrent writers, expiry with an injected clock,
// all-or-nothing batches, and canceled contexts. Times used for expiry lie
// in the future, so stores that drop expired records by themselves (Redis)
// are tested like the others.
func Run(t *testing.T, newStore func(t *testing.T) vault.Store) {
	s := &suite{newStore: newStore, base: time.Now().UTC().Add(24 * time.Hour).Truncate(time.Second)}
	t.Run("GetMissing", s.getMissing)
	t.Run("RoundTrip", s.roundTrip)
	t.Run("Copies", s.copies)
	t.Run("PutExisting", s.putExisting)
	t.Run("PutInvalid", s.putInvalid)
	t.Run("InvalidArguments", s.invalidArguments)
	t.Run("Delete", s.delete)
	t.Run("DeleteByValue", s.deleteByValue)
	t.Run("Convergent", s.convergent)
	t.Run("ConvergentExpired", s.convergentExpired)
	t.Run("ConvergentRace", s.convergentRace)
	t.Run("ConvergentBatch", s.convergentBatch)
	t.Run("ConvergentBatchExpired", s.convergentBatchExpired)
	t.Run("ConvergentBatchAllOrNothing", s.convergentBatchAllOrNothing)
	t.Run("ConvergentBatchRace", s.convergentBatchRace)
	t.Run("GetByValueBatch", s.getByValueBatch)
	t.Run("DefaultModeConcurrent", s.defaultModeConcurrent)
	t.Run("ConcurrentWriters", s.concurrentWriters)
	t.Run("Expiry", s.expiry)
	t.Run("ExpiryLimit", s.expiryLimit)
	t.Run("ConcurrentCleanup", s.concurrentCleanup)
	t.Run("Batch", s.batch)
	t.Run("BatchAllOrNothing", s.batchAllOrNothing)
	t.Run("Canceled", s.canceled)
}

type suite struct {
	newStore func(t *testing.T) vault.Store
	// base is a whole second a day ahead of the wall clock: expiry times
	// after it are never reached by the real clock during the run.
	base time.Time
}

// randBytes returns n random bytes; hashes are random so that stores shared
// between runs never see the same key twice.
func randBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

// record returns a valid default-mode record with a fresh token hash.
func (s *suite) record(t testing.TB) vault.Record {
	return vault.Record{
		TokenHash:  randBytes(t, 32),
		Ciphertext: randBytes(t, 40),
		ValueHash:  randBytes(t, 32),
		CreatedAt:  s.base,
	}
}

// normalized is the record a store must return for r: times in UTC to the
// microsecond, ExpiresAt rounded up and CreatedAt down, empty ValueHash and
// Metadata as nil. It is computed here independently of the stores' code.
func normalized(r vault.Record) vault.Record {
	floor := func(t time.Time) time.Time { ns := t.UnixNano(); return time.Unix(0, ns-ns%1000).UTC() }
	ceil := func(t time.Time) time.Time { ns := t.UnixNano(); return time.Unix(0, (ns+999)/1000*1000).UTC() }
	out := vault.Record{
		TokenHash:  bytes.Clone(r.TokenHash),
		Ciphertext: bytes.Clone(r.Ciphertext),
		Convergent: r.Convergent,
		CreatedAt:  floor(r.CreatedAt),
	}
	if len(r.ValueHash) > 0 {
		out.ValueHash = bytes.Clone(r.ValueHash)
	}
	if !r.ExpiresAt.IsZero() {
		out.ExpiresAt = ceil(r.ExpiresAt)
	}
	if len(r.Metadata) > 0 {
		out.Metadata = maps.Clone(r.Metadata)
	}
	return out
}

// same fails unless got is exactly want (as normalized), UTC times included.
func same(t testing.TB, want, got vault.Record, msgAndArgs ...any) bool {
	t.Helper()
	ok := assert.Equal(t, want.TokenHash, got.TokenHash, msgAndArgs...)
	ok = assert.Equal(t, want.Ciphertext, got.Ciphertext, msgAndArgs...) && ok
	ok = assert.Equal(t, want.ValueHash, got.ValueHash, msgAndArgs...) && ok
	ok = assert.Equal(t, want.Convergent, got.Convergent, msgAndArgs...) && ok
	ok = assert.Equal(t, want.Metadata, got.Metadata, msgAndArgs...) && ok
	ok = assert.True(t, want.CreatedAt.Equal(got.CreatedAt), "CreatedAt: want %v, got %v", want.CreatedAt, got.CreatedAt) && ok
	ok = assert.Equal(t, time.UTC, got.CreatedAt.Location(), "CreatedAt not UTC") && ok
	ok = assert.Equal(t, want.ExpiresAt.IsZero(), got.ExpiresAt.IsZero(), "ExpiresAt set") && ok
	if !want.ExpiresAt.IsZero() {
		ok = assert.True(t, want.ExpiresAt.Equal(got.ExpiresAt), "ExpiresAt: want %v, got %v", want.ExpiresAt, got.ExpiresAt) && ok
		ok = assert.Equal(t, time.UTC, got.ExpiresAt.Location(), "ExpiresAt not UTC") && ok
	}
	return ok
}

// present asserts that r is stored unchanged.
func present(t testing.TB, st vault.Store, r vault.Record) {
	t.Helper()
	got, err := st.Get(context.Background(), r.TokenHash)
	if assert.NoError(t, err) {
		same(t, normalized(r), got)
	}
}

// absent asserts that no record has tokenHash.
func absent(t testing.TB, st vault.Store, tokenHash []byte) {
	t.Helper()
	_, err := st.Get(context.Background(), tokenHash)
	assert.ErrorIs(t, err, vault.ErrNotFound)
}

func (s *suite) getMissing(t *testing.T) {
	ctx := context.Background()
	st := s.newStore(t)
	_, err := st.Get(ctx, randBytes(t, 32))
	assert.ErrorIs(t, err, vault.ErrNotFound)
	_, err = st.GetByValue(ctx, randBytes(t, 32))
	assert.ErrorIs(t, err, vault.ErrNotFound)
	recs, err := st.GetBatch(ctx, [][]byte{randBytes(t, 32), randBytes(t, 32)})
	require.NoError(t, err)
	assert.Equal(t, []vault.Record{{}, {}}, recs)
	recs, err = st.GetBatch(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, recs)
	// A default-mode record is not found by value.
	r := s.record(t)
	require.NoError(t, st.Put(ctx, r))
	_, err = st.GetByValue(ctx, r.ValueHash)
	assert.ErrorIs(t, err, vault.ErrNotFound)
	// Nor is a record by a prefix of its hash.
	_, err = st.Get(ctx, r.TokenHash[:31])
	assert.ErrorIs(t, err, vault.ErrNotFound)
}

func (s *suite) roundTrip(t *testing.T) {
	ctx := context.Background()
	st := s.newStore(t)
	local := time.FixedZone("UTC+5", 5*3600)
	tests := []struct {
		name   string
		modify func(r *vault.Record)
		// want is applied to normalized(r) when the expected result is
		// written out by hand.
		want func(r *vault.Record)
	}{
		{name: "plain"},
		{name: "no value hash", modify: func(r *vault.Record) { r.ValueHash = nil }},
		{name: "empty value hash is nil", modify: func(r *vault.Record) { r.ValueHash = []byte{} }},
		{name: "one-byte hashes", modify: func(r *vault.Record) { r.TokenHash = randBytes(t, 1); r.ValueHash = []byte{0} }},
		{name: "max hashes", modify: func(r *vault.Record) {
			r.TokenHash = randBytes(t, vault.MaxHashSize)
			r.ValueHash = randBytes(t, vault.MaxHashSize)
		}},
		{name: "binary ciphertext", modify: func(r *vault.Record) { r.Ciphertext = []byte{0, 0xff, 0, '\n', '"', '\\'} }},
		{name: "large ciphertext", modify: func(r *vault.Record) { r.Ciphertext = randBytes(t, 64<<10) }},
		{name: "convergent", modify: func(r *vault.Record) { r.Convergent = true }},
		{name: "metadata", modify: func(r *vault.Record) {
			r.Metadata = map[string]string{
				"purpose": "billing", "empty": "", "ünïcødé ключ": "値 🔑", "quote\"back\\slash": "{\"json\": [1]}",
				"newline": "a\nb\tc", "long": string(bytes.Repeat([]byte("x"), 4000)),
			}
		}},
		{name: "empty metadata is nil", modify: func(r *vault.Record) { r.Metadata = map[string]string{} }},
		{
			name: "created rounds down",
			modify: func(r *vault.Record) {
				r.CreatedAt = s.base.Add(123456789 * time.Nanosecond)
			},
			want: func(r *vault.Record) { r.CreatedAt = s.base.Add(123456 * time.Microsecond) },
		},
		{
			name: "expiry rounds up",
			modify: func(r *vault.Record) {
				r.ExpiresAt = s.base.Add(time.Hour + time.Nanosecond)
			},
			want: func(r *vault.Record) { r.ExpiresAt = s.base.Add(time.Hour + time.Microsecond) },
		},
		{
			name: "exact microseconds kept",
			modify: func(r *vault.Record) {
				r.CreatedAt = s.base.Add(7 * time.Microsecond)
				r.ExpiresAt = s.base.Add(time.Hour + 9*time.Microsecond)
			},
			want: func(r *vault.Record) {
				r.CreatedAt = s.base.Add(7 * time.Microsecond)
				r.ExpiresAt = s.base.Add(time.Hour + 9*time.Microsecond)
			},
		},
		{
			name: "other zone comes back UTC",
			modify: func(r *vault.Record) {
				r.CreatedAt = s.base.In(local)
				r.ExpiresAt = s.base.Add(time.Hour).In(local)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.record(t)
			if tt.modify != nil {
				tt.modify(&r)
			}
			want := normalized(r)
			if tt.want != nil {
				tt.want(&want)
			}
			require.NoError(t, st.Put(ctx, r))
			got, err := st.Get(ctx, r.TokenHash)
			require.NoError(t, err)
			same(t, want, got)
			batch, err := st.GetBatch(ctx, [][]byte{r.TokenHash})
			require.NoError(t, err)
			require.Len(t, batch, 1)
			same(t, want, batch[0], "GetBatch")
			if r.Convergent {
				got, err := st.GetByValue(ctx, r.ValueHash)
				require.NoError(t, err)
				same(t, want, got, "GetByValue")
			}
		})
	}
}

// copies: the store keeps its own copy of what it is given and returns
// copies of what it holds.
func (s *suite) copies(t *testing.T) {
	ctx := context.Background()
	st := s.newStore(t)
	r := s.record(t)
	r.Metadata = map[string]string{"k": "v"}
	want := normalized(r)
	require.NoError(t, st.Put(ctx, r))
	r.Ciphertext[0] ^= 1
	r.ValueHash[0] ^= 1
	r.Metadata["k"] = "changed"
	got, err := st.Get(ctx, want.TokenHash)
	require.NoError(t, err)
	same(t, want, got)
	got.Ciphertext[0] ^= 1
	got.Metadata["k"] = "changed"
	again, err := st.Get(ctx, want.TokenHash)
	require.NoError(t, err)
	same(t, want, again)
}

func (s *suite) putExisting(t *testing.T) {
	ctx := context.Background()
	st := s.newStore(t)
	r := s.record(t)
	r.ExpiresAt = s.base.Add(time.Hour)
	r.Metadata = map[string]string{"k": "v"}
	require.NoError(t, st.Put(ctx, r))

	// Identical (after rounding): succeeds, as a retry must.
	retry := r
	retry.CreatedAt = r.CreatedAt.Add(999 * time.Nanosecond)
	assert.NoError(t, st.Put(ctx, retry), "identical record")

	tests := []struct {
		name   string
		modify func(r *vault.Record)
	}{
		{"ciphertext", func(r *vault.Record) { r.Ciphertext = randBytes(t, 40) }},
		{"value hash", func(r *vault.Record) { r.ValueHash = randBytes(t, 32) }},
		{"no value hash", func(r *vault.Record) { r.ValueHash = nil }},
		{"convergent flag", func(r *vault.Record) { r.Convergent = true }},
		{"expiry", func(r *vault.Record) { r.ExpiresAt = r.ExpiresAt.Add(time.Microsecond) }},
		{"no expiry", func(r *vault.Record) { r.ExpiresAt = time.Time{} }},
		{"created", func(r *vault.Record) { r.CreatedAt = r.CreatedAt.Add(time.Microsecond) }},
		{"metadata", func(r *vault.Record) { r.Metadata = map[string]string{"k": "w"} }},
		{"no metadata", func(r *vault.Record) { r.Metadata = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			other := r
			tt.modify(&other)
			err := st.Put(ctx, other)
			assert.ErrorIs(t, err, vault.ErrExists)
			noLeak(t, err, r, other)
			err = st.PutBatch(ctx, []vault.Record{other})
			assert.ErrorIs(t, err, vault.ErrExists)
			noLeak(t, err, r, other)
			if other.Convergent {
				_, _, err := st.PutConvergent(ctx, other)
				assert.ErrorIs(t, err, vault.ErrExists)
			}
			present(t, st, r)
		})
	}
	// The other convergent record of a ValueHash collides in Put.
	c := s.record(t)
	c.Convergent = true
	require.NoError(t, st.Put(ctx, c))
	c2 := s.record(t)
	c2.Convergent, c2.ValueHash = true, c.ValueHash
	assert.ErrorIs(t, st.Put(ctx, c2), vault.ErrExists)
	absent(t, st, c2.TokenHash)
	present(t, st, c)
}

func (s *suite) putInvalid(t *testing.T) {
	ctx := context.Background()
	st := s.newStore(t)
	tests := []struct {
		name   string
		modify func(r *vault.Record)
	}{
		{"no ciphertext", func(r *vault.Record) { r.Ciphertext = nil }},
		{"no created", func(r *vault.Record) { r.CreatedAt = time.Time{} }},
		{"expires at creation", func(r *vault.Record) { r.ExpiresAt = r.CreatedAt }},
		{"convergent without value hash", func(r *vault.Record) { r.Convergent, r.ValueHash = true, nil }},
		{"long value hash", func(r *vault.Record) { r.ValueHash = randBytes(t, vault.MaxHashSize+1) }},
		{"bad metadata", func(r *vault.Record) { r.Metadata = map[string]string{"k": "\xff\xfe"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.record(t)
			tt.modify(&r)
			assert.ErrorIs(t, st.Put(ctx, r), vault.ErrInvalidRecord)
			_, _, err := st.PutConvergent(ctx, r)
			assert.ErrorIs(t, err, vault.ErrInvalidRecord)
			absent(t, st, r.TokenHash)
		})
	}
	// A record without TokenHash cannot be looked up; just check the error.
	r := s.record(t)
	r.TokenHash = nil
	assert.ErrorIs(t, st.Put(ctx, r), vault.ErrInvalidRecord)
	// PutConvergent needs the flag.
	r = s.record(t)
	_, _, err := st.PutConvergent(ctx, r)
	assert.ErrorIs(t, err, vault.ErrInvalidRecord)
	absent(t, st, r.TokenHash)
}

func (s *suite) invalidArguments(t *testing.T) {
	ctx := context.Background()
	st := s.newStore(t)
	long := randBytes(t, vault.MaxHashSize+1)
	for _, h := range [][]byte{nil, {}, long} {
		_, err := st.Get(ctx, h)
		assert.ErrorIs(t, err, vault.ErrInvalidArgument)
		_, err = st.GetByValue(ctx, h)
		assert.ErrorIs(t, err, vault.ErrInvalidArgument)
		assert.ErrorIs(t, st.Delete(ctx, h), vault.ErrInvalidArgument)
		_, err = st.DeleteByValue(ctx, h)
		assert.ErrorIs(t, err, vault.ErrInvalidArgument)
		_, err = st.GetBatch(ctx, [][]byte{randBytes(t, 32), h})
		var be *vault.BatchError
		if assert.ErrorAs(t, err, &be) {
			assert.Equal(t, 1, be.Index)
			assert.ErrorIs(t, err, vault.ErrInvalidArgument)
		}
	}
	for _, limit := range []int{0, -1, vault.MaxBatchSize + 1} {
		_, err := st.DeleteExpired(ctx, s.base, limit)
		assert.ErrorIs(t, err, vault.ErrInvalidArgument, "limit %d", limit)
	}
	for _, h := range [][]byte{nil, {}, long} {
		_, err := st.GetByValueBatch(ctx, [][]byte{randBytes(t, 32), h})
		var be *vault.BatchError
		if assert.ErrorAs(t, err, &be) {
			assert.Equal(t, 1, be.Index)
			assert.ErrorIs(t, err, vault.ErrInvalidArgument)
		}
	}
	_, err := st.GetBatch(ctx, make([][]byte, vault.MaxBatchSize+1))
	assert.ErrorIs(t, err, vault.ErrInvalidArgument)
	_, err = st.GetByValueBatch(ctx, make([][]byte, vault.MaxBatchSize+1))
	assert.ErrorIs(t, err, vault.ErrInvalidArgument)
	_, _, err = st.PutConvergentBatch(ctx, make([]vault.Record, vault.MaxBatchSize+1))
	assert.ErrorIs(t, err, vault.ErrInvalidArgument)
	err = st.PutBatch(ctx, make([]vault.Record, vault.MaxBatchSize+1))
	assert.ErrorIs(t, err, vault.ErrInvalidArgument)
}

func (s *suite) delete(t *testing.T) {
	ctx := context.Background()
	st := s.newStore(t)
	assert.NoError(t, st.Delete(ctx, randBytes(t, 32)), "missing record")

	keep := s.record(t)
	r := s.record(t)
	r.Convergent = true
	r.ExpiresAt = s.base.Add(time.Minute)
	r.ValueHash = keep.ValueHash // shares the value with a default-mode record
	require.NoError(t, st.Put(ctx, keep))
	require.NoError(t, st.Put(ctx, r))
	require.NoError(t, st.Delete(ctx, r.TokenHash))
	absent(t, st, r.TokenHash)
	present(t, st, keep)
	assert.NoError(t, st.Delete(ctx, r.TokenHash), "second delete")

	// Every index forgot r: no value lookup, no expiry, and the value is
	// free for a new convergent record.
	_, err := st.GetByValue(ctx, r.ValueHash)
	assert.ErrorIs(t, err, vault.ErrNotFound)
	n, err := st.DeleteExpired(ctx, s.base.Add(time.Hour), 100)
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	r2 := s.record(t)
	r2.Convergent, r2.ValueHash = true, r.ValueHash
	got, created, err := st.PutConvergent(ctx, r2)
	require.NoError(t, err)
	assert.True(t, created)
	same(t, normalized(r2), got)
	// And the deleted record can be put again.
	require.NoError(t, st.Delete(ctx, r2.TokenHash))
	require.NoError(t, st.Put(ctx, r))
	present(t, st, r)
}

func (s *suite) deleteByValue(t *testing.T) {
	ctx := context.Background()
	st := s.newStore(t)
	n, err := st.DeleteByValue(ctx, randBytes(t, 32))
	require.NoError(t, err)
	assert.Equal(t, 0, n, "missing value")

	value := randBytes(t, 32)
	var victims []vault.Record
	for i := range 4 {
		r := s.record(t)
		r.ValueHash = value
		if i == 0 {
			r.Convergent = true
		}
		if i == 1 {
			r.ExpiresAt = s.base.Add(time.Minute)
		}
		victims = append(victims, r)
		require.NoError(t, st.Put(ctx, r))
	}
	other := s.record(t)
	other.ExpiresAt = s.base.Add(time.Minute)
	noValue := s.record(t)
	noValue.ValueHash = nil
	require.NoError(t, st.Put(ctx, other))
	require.NoError(t, st.Put(ctx, noValue))

	n, err = st.DeleteByValue(ctx, value)
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	for _, r := range victims {
		absent(t, st, r.TokenHash)
	}
	_, err = st.GetByValue(ctx, value)
	assert.ErrorIs(t, err, vault.ErrNotFound)
	present(t, st, other)
	present(t, st, noValue)
	n, err = st.DeleteByValue(ctx, value)
	require.NoError(t, err)
	assert.Equal(t, 0, n, "second delete")
	// Only the other record is left to expire.
	n, err = st.DeleteExpired(ctx, s.base.Add(time.Hour), 100)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	absent(t, st, other.TokenHash)
}

func (s *suite) convergent(t *testing.T) {
	ctx := context.Background()
	st := s.newStore(t)
	first := s.record(t)
	first.Convergent = true
	first.Metadata = map[string]string{"who": "first"}
	got, created, err := st.PutConvergent(ctx, first)
	require.NoError(t, err)
	assert.True(t, created)
	same(t, normalized(first), got)

	// A second convergent record for the value gets the first back.
	second := s.record(t)
	second.Convergent, second.ValueHash = true, first.ValueHash
	got, created, err = st.PutConvergent(ctx, second)
	require.NoError(t, err)
	assert.False(t, created)
	same(t, normalized(first), got)
	absent(t, st, second.TokenHash)

	// Retrying the first is idempotent.
	got, created, err = st.PutConvergent(ctx, first)
	require.NoError(t, err)
	assert.False(t, created)
	same(t, normalized(first), got)

	got, err = st.GetByValue(ctx, first.ValueHash)
	require.NoError(t, err)
	same(t, normalized(first), got)

	// Default-mode records of the same value do not disturb convergence.
	plain := s.record(t)
	plain.ValueHash = first.ValueHash
	require.NoError(t, st.Put(ctx, plain))
	got, err = st.GetByValue(ctx, first.ValueHash)
	require.NoError(t, err)
	same(t, normalized(first), got)

	// A convergent record whose TokenHash belongs to another record fails.
	clash := s.record(t)
	clash.Convergent, clash.TokenHash = true, plain.TokenHash
	_, _, err = st.PutConvergent(ctx, clash)
	assert.ErrorIs(t, err, vault.ErrExists)
	present(t, st, plain)
	_, err = st.GetByValue(ctx, clash.ValueHash)
	assert.ErrorIs(t, err, vault.ErrNotFound)

	// Another value converges separately.
	other := s.record(t)
	other.Convergent = true
	got, created, err = st.PutConvergent(ctx, other)
	require.NoError(t, err)
	assert.True(t, created)
	same(t, normalized(other), got)
}

func (s *suite) convergentExpired(t *testing.T) {
	ctx := context.Background()
	st := s.newStore(t)
	old := s.record(t)
	old.Convergent = true
	old.ExpiresAt = s.base.Add(time.Hour + 1) // rounds up to base+1h+1µs

	require.NoError(t, st.Put(ctx, old))

	// Created before the expiry (after rounding): the old record is live.
	early := s.record(t)
	early.Convergent, early.ValueHash = true, old.ValueHash
	early.CreatedAt = s.base.Add(time.Hour + 500*time.Nanosecond)
	got, created, err := st.PutConvergent(ctx, early)
	require.NoError(t, err)
	assert.False(t, created)
	same(t, normalized(old), got)
	absent(t, st, early.TokenHash)

	// Created at the expiry: the old record is dead and replaced.
	late := s.record(t)
	late.Convergent, late.ValueHash = true, old.ValueHash
	late.CreatedAt = s.base.Add(time.Hour + time.Microsecond)
	got, created, err = st.PutConvergent(ctx, late)
	require.NoError(t, err)
	assert.True(t, created)
	same(t, normalized(late), got)
	absent(t, st, old.TokenHash)
	got, err = st.GetByValue(ctx, old.ValueHash)
	require.NoError(t, err)
	same(t, normalized(late), got)
	n, err := st.DeleteByValue(ctx, old.ValueHash)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

// convergentRace: 1,000 goroutines put a convergent record for one value,
// each with its own token hash; all get the same record back, exactly one
// created it, and exactly one record is stored.
func (s *suite) convergentRace(t *testing.T) {
	const n = 1000
	ctx := context.Background()
	st := s.newStore(t)
	value := randBytes(t, 32)
	recs := make([]vault.Record, n)
	for i := range recs {
		recs[i] = s.record(t)
		recs[i].Convergent, recs[i].ValueHash = true, value
	}
	results := make([]vault.Record, n)
	createdBy := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range recs {
		wg.Go(func() {
			<-start
			results[i], createdBy[i], errs[i] = st.PutConvergent(ctx, recs[i])
		})
	}
	close(start)
	wg.Wait()

	winner := -1
	for i := range recs {
		require.NoError(t, errs[i], "goroutine %d", i)
		if createdBy[i] {
			require.Equal(t, -1, winner, "two goroutines created a record")
			winner = i
		}
	}
	require.NotEqual(t, -1, winner, "no goroutine created the record")
	for i := range results {
		if !assert.Equal(t, recs[winner].TokenHash, results[i].TokenHash, "goroutine %d", i) {
			break
		}
	}
	stored, err := st.GetBatch(ctx, tokenHashes(recs))
	require.NoError(t, err)
	for i, r := range stored {
		if i == winner {
			same(t, normalized(recs[winner]), r)
		} else if !assert.Nil(t, r.TokenHash, "loser %d stored", i) {
			break
		}
	}
	deleted, err := st.DeleteByValue(ctx, value)
	require.NoError(t, err)
	assert.Equal(t, 1, deleted)
}

// convergentBatch: PutConvergentBatch does PutConvergent record by record:
// new values are inserted, values with a live convergent record get it
// back, a value repeated in the batch converges on its first record, and a
// retried batch is idempotent.
func (s *suite) convergentBatch(t *testing.T) {
	ctx := context.Background()
	st := s.newStore(t)
	existing := s.record(t)
	existing.Convergent = true
	require.NoError(t, st.Put(ctx, existing))
	plain := s.record(t) // default mode, same value as recs[3]: no effect
	require.NoError(t, st.Put(ctx, plain))

	recs := make([]vault.Record, 6)
	for i := range recs {
		recs[i] = s.record(t)
		recs[i].Convergent = true
		recs[i].Metadata = map[string]string{"i": fmt.Sprint(i)}
	}
	recs[1].ValueHash = existing.ValueHash // has a live record
	recs[3].ValueHash = plain.ValueHash
	recs[4].ValueHash = recs[2].ValueHash // repeated in the batch
	recs[5].ExpiresAt = s.base.Add(time.Hour)
	stored, created, err := st.PutConvergentBatch(ctx, recs)
	require.NoError(t, err)
	require.Len(t, stored, len(recs))
	require.Len(t, created, len(recs))
	want := []vault.Record{recs[0], existing, recs[2], recs[3], recs[2], recs[5]}
	wantCreated := []bool{true, false, true, true, false, true}
	for i := range recs {
		same(t, normalized(want[i]), stored[i], "record %d", i)
		assert.Equal(t, wantCreated[i], created[i], "created %d", i)
	}
	absent(t, st, recs[1].TokenHash)
	absent(t, st, recs[4].TokenHash)
	for _, i := range []int{0, 2, 3, 5} {
		present(t, st, recs[i])
	}
	present(t, st, plain)

	// Retried as a whole: every record comes back, nothing is created.
	stored, created, err = st.PutConvergentBatch(ctx, recs)
	require.NoError(t, err)
	for i := range recs {
		same(t, normalized(want[i]), stored[i], "retry: record %d", i)
		assert.False(t, created[i], "retry: created %d", i)
	}
	for _, r := range []vault.Record{recs[0], existing, recs[2], recs[3], recs[5]} {
		n, err := st.DeleteByValue(ctx, r.ValueHash)
		require.NoError(t, err)
		if bytes.Equal(r.ValueHash, plain.ValueHash) {
			assert.Equal(t, 2, n)
		} else {
			assert.Equal(t, 1, n, "one record per value")
		}
	}

	// An empty batch does nothing; a record without the flag is invalid.
	stored, created, err = st.PutConvergentBatch(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, stored)
	assert.Empty(t, created)
	bad := s.record(t)
	_, _, err = st.PutConvergentBatch(ctx, []vault.Record{recs[0], bad})
	var be *vault.BatchError
	if assert.ErrorAs(t, err, &be) {
		assert.Equal(t, 1, be.Index)
		assert.ErrorIs(t, err, vault.ErrInvalidRecord)
	}
	absent(t, st, recs[0].TokenHash)
}

// convergentBatchExpired: an expired convergent record is replaced in a
// batch as by PutConvergent; a live one is returned.
func (s *suite) convergentBatchExpired(t *testing.T) {
	ctx := context.Background()
	st := s.newStore(t)
	old := s.record(t)
	old.Convergent = true
	old.ExpiresAt = s.base.Add(time.Hour)
	require.NoError(t, st.Put(ctx, old))

	early := s.record(t)
	early.Convergent, early.ValueHash = true, old.ValueHash
	early.CreatedAt = s.base.Add(time.Hour - time.Microsecond)
	stored, created, err := st.PutConvergentBatch(ctx, []vault.Record{early})
	require.NoError(t, err)
	assert.False(t, created[0])
	same(t, normalized(old), stored[0])

	late := s.record(t)
	late.Convergent, late.ValueHash = true, old.ValueHash
	late.CreatedAt = s.base.Add(time.Hour)
	again := s.record(t) // the same value later in the batch gets late
	again.Convergent, again.ValueHash, again.CreatedAt = true, old.ValueHash, late.CreatedAt
	stored, created, err = st.PutConvergentBatch(ctx, []vault.Record{late, again})
	require.NoError(t, err)
	assert.Equal(t, []bool{true, false}, created)
	same(t, normalized(late), stored[0])
	same(t, normalized(late), stored[1])
	absent(t, st, old.TokenHash)
	absent(t, st, again.TokenHash)
	got, err := st.GetByValue(ctx, old.ValueHash)
	require.NoError(t, err)
	same(t, normalized(late), got)
}

// convergentBatchAllOrNothing: a record whose token hash belongs to another
// record fails the whole batch, and nothing of it is written (not the
// records before it, not the replacement of an expired record).
func (s *suite) convergentBatchAllOrNothing(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		clash func(st vault.Store, recs []vault.Record) int
	}{
		{"token hash of a stored record", func(st vault.Store, recs []vault.Record) int {
			other := s.record(t)
			require.NoError(t, st.Put(ctx, other))
			recs[3].TokenHash = other.TokenHash
			return 3
		}},
		{"token hash repeated in the batch", func(st vault.Store, recs []vault.Record) int {
			recs[4].TokenHash = recs[1].TokenHash
			return 4
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := s.newStore(t)
			dead := s.record(t)
			dead.Convergent = true
			dead.ExpiresAt = s.base.Add(time.Minute)
			require.NoError(t, st.Put(ctx, dead))
			recs := make([]vault.Record, 5)
			for i := range recs {
				recs[i] = s.record(t)
				recs[i].Convergent = true
				recs[i].CreatedAt = s.base.Add(time.Hour)
			}
			recs[0].ValueHash = dead.ValueHash // would replace the expired record
			at := tt.clash(st, recs)
			_, _, err := st.PutConvergentBatch(ctx, recs)
			var be *vault.BatchError
			if assert.ErrorAs(t, err, &be) {
				assert.Equal(t, at, be.Index)
				assert.ErrorIs(t, err, vault.ErrExists)
			}
			noLeak(t, err, recs...)
			present(t, st, dead)
			for i, r := range recs {
				if i != at && !(i == 1 && at == 4) {
					absent(t, st, r.TokenHash)
				}
				_, err := st.GetByValue(ctx, r.ValueHash)
				if i == 0 {
					assert.NoError(t, err, "the expired record stays")
				} else {
					assert.ErrorIs(t, err, vault.ErrNotFound, "record %d", i)
				}
			}
		})
	}
}

// convergentBatchRace: 16 goroutines put batches of 200 convergent records
// drawn, in different orders, from 300 values, each record with its own
// token hash. For every value all goroutines get the same record back,
// exactly one created it, and exactly one record is stored.
func (s *suite) convergentBatchRace(t *testing.T) {
	const workers, values, size = 16, 300, 200
	ctx := context.Background()
	st := s.newStore(t)
	vhs := make([][]byte, values)
	for i := range vhs {
		vhs[i] = randBytes(t, 32)
	}
	type result struct {
		recs    []vault.Record
		picks   []int
		stored  []vault.Record
		created []bool
		err     error
	}
	res := make([]result, workers)
	for w := range res {
		// Worker w takes values w·17 .. w·17+size-1 (mod values),
		// backwards for odd w: neighbours overlap in most values.
		r := &res[w]
		for k := range size {
			v := (w*17 + k) % values
			if w%2 == 1 {
				v = (w*17 + size - 1 - k) % values
			}
			rec := s.record(t)
			rec.Convergent, rec.ValueHash = true, vhs[v]
			r.recs = append(r.recs, rec)
			r.picks = append(r.picks, v)
		}
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range res {
		wg.Go(func() {
			<-start
			r := &res[w]
			r.stored, r.created, r.err = st.PutConvergentBatch(ctx, r.recs)
		})
	}
	close(start)
	wg.Wait()

	winner := map[int][]byte{} // value -> token hash stored
	creators := map[int]int{}
	for w, r := range res {
		require.NoError(t, r.err, "worker %d", w)
		for k, v := range r.picks {
			th := r.stored[k].TokenHash
			require.NotNil(t, th)
			if prev, ok := winner[v]; ok {
				require.Equal(t, prev, th, "value %d: two records", v)
			}
			winner[v] = th
			if r.created[k] {
				creators[v]++
				require.Equal(t, r.recs[k].TokenHash, th, "created but another record returned")
			}
		}
	}
	for v := range winner {
		assert.Equal(t, 1, creators[v], "value %d: creators", v)
	}
	got, err := st.GetByValueBatch(ctx, vhs)
	require.NoError(t, err)
	for v, r := range got {
		if th, ok := winner[v]; ok {
			assert.Equal(t, th, r.TokenHash, "value %d stored", v)
		}
	}
	for v := range winner {
		n, err := st.DeleteByValue(ctx, vhs[v])
		require.NoError(t, err)
		if !assert.Equal(t, 1, n, "value %d: records stored", v) {
			break
		}
	}
}

// getByValueBatch: the convergent records of a batch of value hashes, in
// order, zero for a value without one (none, only default-mode records, or
// deleted); expired records are returned, as by GetByValue.
func (s *suite) getByValueBatch(t *testing.T) {
	ctx := context.Background()
	st := s.newStore(t)
	conv := s.record(t)
	conv.Convergent = true
	expired := s.record(t)
	expired.Convergent = true
	expired.ExpiresAt = s.base.Add(time.Second)
	plain := s.record(t)
	gone := s.record(t)
	gone.Convergent = true
	require.NoError(t, st.PutBatch(ctx, []vault.Record{conv, expired, plain, gone}))
	require.NoError(t, st.Delete(ctx, gone.TokenHash))
	missing := randBytes(t, 32)
	got, err := st.GetByValueBatch(ctx, [][]byte{plain.ValueHash, conv.ValueHash, missing, expired.ValueHash, gone.ValueHash, conv.ValueHash})
	require.NoError(t, err)
	require.Len(t, got, 6)
	assert.Nil(t, got[0].TokenHash, "default-mode record")
	same(t, normalized(conv), got[1])
	assert.Nil(t, got[2].TokenHash, "missing")
	same(t, normalized(expired), got[3])
	assert.Nil(t, got[4].TokenHash, "deleted")
	same(t, normalized(conv), got[5])
	got, err = st.GetByValueBatch(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, got)
}

// defaultModeConcurrent: without the convergent flag, 1,000 concurrent puts
// of one value give 1,000 records.
func (s *suite) defaultModeConcurrent(t *testing.T) {
	const n = 1000
	ctx := context.Background()
	st := s.newStore(t)
	value := randBytes(t, 32)
	recs := make([]vault.Record, n)
	for i := range recs {
		recs[i] = s.record(t)
		recs[i].ValueHash = value
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range recs {
		wg.Go(func() { errs[i] = st.Put(ctx, recs[i]) })
	}
	wg.Wait()
	for i := range errs {
		require.NoError(t, errs[i], "goroutine %d", i)
	}
	stored, err := st.GetBatch(ctx, tokenHashes(recs))
	require.NoError(t, err)
	for i := range recs {
		if !same(t, normalized(recs[i]), stored[i], "record %d", i) {
			break
		}
	}
	deleted, err := st.DeleteByValue(ctx, value)
	require.NoError(t, err)
	assert.Equal(t, n, deleted)
}

// concurrentWriters: goroutines write their own records and race for shared
// token hashes, while others read and delete; the result equals what a
// single goroutine would have stored: every own record, and for each
// contested hash exactly one winner, stored unchanged.
func (s *suite) concurrentWriters(t *testing.T) {
	const (
		workers   = 16
		own       = 20
		contested = 10
	)
	ctx := context.Background()
	st := s.newStore(t)
	mine := make([][]vault.Record, workers)
	theirs := make([][]vault.Record, workers) // theirs[w][k]: worker w's version of contested key k
	keys := make([][]byte, contested)
	for k := range keys {
		keys[k] = randBytes(t, 32)
	}
	for w := range workers {
		for range own {
			r := s.record(t)
			r.Metadata = map[string]string{"worker": fmt.Sprint(w)}
			mine[w] = append(mine[w], r)
		}
		for k := range contested {
			r := s.record(t)
			r.TokenHash = keys[k]
			theirs[w] = append(theirs[w], r)
		}
	}
	won := make([][]bool, workers)
	errs := make(chan error, workers*(own+contested+2))
	var wg sync.WaitGroup
	for w := range workers {
		won[w] = make([]bool, contested)
		wg.Go(func() {
			for i, r := range mine[w] {
				if err := st.Put(ctx, r); err != nil {
					errs <- fmt.Errorf("worker %d own %d: %w", w, i, err)
				}
				if i < contested {
					err := st.Put(ctx, theirs[w][i])
					switch {
					case err == nil:
						won[w][i] = true
					case !errors.Is(err, vault.ErrExists):
						errs <- fmt.Errorf("worker %d contested %d: %w", w, i, err)
					}
				}
				// Reads and deletes of unrelated keys run alongside.
				if _, err := st.Get(ctx, keys[(w+i)%contested]); err != nil && !errors.Is(err, vault.ErrNotFound) {
					errs <- err
				}
				if err := st.Delete(ctx, randBytes(t, 32)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	for w := range workers {
		stored, err := st.GetBatch(ctx, tokenHashes(mine[w]))
		require.NoError(t, err)
		for i := range stored {
			same(t, normalized(mine[w][i]), stored[i], "worker %d record %d", w, i)
		}
	}
	for k := range contested {
		winners := 0
		for w := range workers {
			if won[w][k] {
				winners++
				present(t, st, theirs[w][k])
			}
		}
		assert.Equal(t, 1, winners, "contested key %d", k)
	}
}

func (s *suite) expiry(t *testing.T) {
	ctx := context.Background()
	st := s.newStore(t)
	at := func(d time.Duration) vault.Record {
		r := s.record(t)
		r.ExpiresAt = s.base.Add(d)
		return r
	}
	m1 := at(time.Minute)
	m2 := at(2 * time.Minute)
	m2.Convergent = true
	m2ns := at(2*time.Minute + time.Nanosecond) // stored as 2m+1µs
	m3 := at(3 * time.Minute)
	never := s.record(t)
	for _, r := range []vault.Record{m1, m2, m2ns, m3, never} {
		require.NoError(t, st.Put(ctx, r))
	}

	// Before anything expires, nothing goes.
	n, err := st.DeleteExpired(ctx, s.base.Add(time.Minute-time.Nanosecond), 100)
	require.NoError(t, err)
	assert.Equal(t, 0, n)

	// A store may return expired records until the clean-up runs: the
	// tokenizer refuses them by ExpiresAt.
	got, err := st.Get(ctx, m1.TokenHash)
	require.NoError(t, err)
	assert.True(t, got.Expired(s.base.Add(time.Minute)))
	assert.False(t, got.Expired(s.base.Add(time.Minute-time.Nanosecond)))

	// At 2m: m1 and m2 (expiry at or before now) go, m2ns (1 ns later,
	// stored 1 µs later) stays.
	n, err = st.DeleteExpired(ctx, s.base.Add(2*time.Minute), 100)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	absent(t, st, m1.TokenHash)
	absent(t, st, m2.TokenHash)
	_, err = st.GetByValue(ctx, m2.ValueHash)
	assert.ErrorIs(t, err, vault.ErrNotFound)
	present(t, st, m2ns)
	present(t, st, m3)
	present(t, st, never)

	// 1 ns after the given expiry is still before the stored one.
	n, err = st.DeleteExpired(ctx, s.base.Add(2*time.Minute+time.Nanosecond), 100)
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	present(t, st, m2ns)

	n, err = st.DeleteExpired(ctx, s.base.Add(2*time.Minute+time.Microsecond), 100)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	absent(t, st, m2ns.TokenHash)

	// Far in the future, only the record that never expires is left.
	n, err = st.DeleteExpired(ctx, s.base.Add(24*time.Hour*365*100), 100)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	absent(t, st, m3.TokenHash)
	present(t, st, never)
	n, err = st.DeleteByValue(ctx, m1.ValueHash)
	require.NoError(t, err)
	assert.Equal(t, 0, n, "value index of an expired record")
}

func (s *suite) expiryLimit(t *testing.T) {
	ctx := context.Background()
	st := s.newStore(t)
	var recs []vault.Record
	for i := range 7 {
		r := s.record(t)
		r.ExpiresAt = s.base.Add(time.Duration(i+1) * time.Second)
		recs = append(recs, r)
	}
	require.NoError(t, st.PutBatch(ctx, recs))
	now := s.base.Add(10 * time.Second)
	var counts []int
	for range 5 {
		n, err := st.DeleteExpired(ctx, now, 3)
		require.NoError(t, err)
		counts = append(counts, n)
	}
	assert.Equal(t, []int{3, 3, 1, 0, 0}, counts)
	stored, err := st.GetBatch(ctx, tokenHashes(recs))
	require.NoError(t, err)
	assert.Equal(t, make([]vault.Record, len(recs)), stored)
}

func (s *suite) batch(t *testing.T) {
	ctx := context.Background()
	st := s.newStore(t)
	require.NoError(t, st.PutBatch(ctx, nil))
	recs := make([]vault.Record, 100)
	for i := range recs {
		recs[i] = s.record(t)
		switch i % 4 {
		case 1:
			recs[i].Convergent = true
		case 2:
			recs[i].ExpiresAt = s.base.Add(time.Duration(i) * time.Minute)
		case 3:
			recs[i].Metadata = map[string]string{"i": fmt.Sprint(i)}
			recs[i].ValueHash = nil
		}
	}
	require.NoError(t, st.PutBatch(ctx, recs))
	// Retried whole: no error, nothing duplicated.
	require.NoError(t, st.PutBatch(ctx, recs))

	missing := randBytes(t, 32)
	hashes := append(tokenHashes(recs), missing, recs[0].TokenHash)
	got, err := st.GetBatch(ctx, hashes)
	require.NoError(t, err)
	require.Len(t, got, len(recs)+2)
	for i := range recs {
		same(t, normalized(recs[i]), got[i], "record %d", i)
	}
	assert.Equal(t, vault.Record{}, got[len(recs)], "missing")
	same(t, normalized(recs[0]), got[len(recs)+1], "repeated hash")
	for i := 1; i < len(recs); i += 4 {
		c, err := st.GetByValue(ctx, recs[i].ValueHash)
		require.NoError(t, err)
		same(t, normalized(recs[i]), c)
	}
	// A batch may repeat an identical record.
	dup := s.record(t)
	require.NoError(t, st.PutBatch(ctx, []vault.Record{dup, dup}))
	present(t, st, dup)
	n, err := st.DeleteByValue(ctx, dup.ValueHash)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

// batchAllOrNothing: a batch with one bad record stores nothing, and says
// which record failed.
func (s *suite) batchAllOrNothing(t *testing.T) {
	ctx := context.Background()
	st := s.newStore(t)
	existing := s.record(t)
	conv := s.record(t)
	conv.Convergent = true
	require.NoError(t, st.Put(ctx, existing))
	require.NoError(t, st.Put(ctx, conv))

	const size, bad = 100, 57
	tests := []struct {
		name string
		// spoil makes recs[bad] fail; it may look at recs.
		spoil func(recs []vault.Record)
		want  error
	}{
		{"token hash taken", func(recs []vault.Record) {
			recs[bad].TokenHash = existing.TokenHash
		}, vault.ErrExists},
		{"convergent value taken", func(recs []vault.Record) {
			recs[bad].Convergent, recs[bad].ValueHash = true, conv.ValueHash
		}, vault.ErrExists},
		{"token hash repeated in batch", func(recs []vault.Record) {
			recs[bad].TokenHash = recs[3].TokenHash
		}, vault.ErrExists},
		{"convergent value repeated in batch", func(recs []vault.Record) {
			recs[3].Convergent = true
			recs[bad].Convergent, recs[bad].ValueHash = true, recs[3].ValueHash
		}, vault.ErrExists},
		{"invalid record", func(recs []vault.Record) {
			recs[bad].Ciphertext = nil
		}, vault.ErrInvalidRecord},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := make([]vault.Record, size)
			for i := range recs {
				recs[i] = s.record(t)
				recs[i].ExpiresAt = s.base.Add(time.Minute)
			}
			tt.spoil(recs)
			err := st.PutBatch(ctx, recs)
			assert.ErrorIs(t, err, tt.want)
			var be *vault.BatchError
			if assert.ErrorAs(t, err, &be) {
				assert.Equal(t, bad, be.Index)
			}
			stored, err := st.GetBatch(ctx, tokenHashes(recs))
			require.NoError(t, err)
			for i, r := range stored {
				if bytes.Equal(recs[i].TokenHash, existing.TokenHash) {
					same(t, normalized(existing), r)
				} else if !assert.Nil(t, r.TokenHash, "record %d stored", i) {
					break
				}
			}
		})
	}
	// Nothing else reached any index.
	n, err := st.DeleteExpired(ctx, s.base.Add(time.Hour), 1000)
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	present(t, st, existing)
	present(t, st, conv)
}

func (s *suite) canceled(t *testing.T) {
	st := s.newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := s.record(t)
	r.Convergent = true
	assert.ErrorIs(t, st.Put(ctx, r), context.Canceled, "Put")
	_, _, err := st.PutConvergent(ctx, r)
	assert.ErrorIs(t, err, context.Canceled, "PutConvergent")
	assert.ErrorIs(t, st.PutBatch(ctx, []vault.Record{r}), context.Canceled, "PutBatch")
	_, _, err = st.PutConvergentBatch(ctx, []vault.Record{r})
	assert.ErrorIs(t, err, context.Canceled, "PutConvergentBatch")
	absent(t, st, r.TokenHash)
	require.NoError(t, st.Put(context.Background(), r))
	_, err = st.Get(ctx, r.TokenHash)
	assert.ErrorIs(t, err, context.Canceled, "Get")
	_, err = st.GetBatch(ctx, [][]byte{r.TokenHash})
	assert.ErrorIs(t, err, context.Canceled, "GetBatch")
	_, err = st.GetByValue(ctx, r.ValueHash)
	assert.ErrorIs(t, err, context.Canceled, "GetByValue")
	_, err = st.GetByValueBatch(ctx, [][]byte{r.ValueHash})
	assert.ErrorIs(t, err, context.Canceled, "GetByValueBatch")
	assert.ErrorIs(t, st.Delete(ctx, r.TokenHash), context.Canceled, "Delete")
	_, err = st.DeleteByValue(ctx, r.ValueHash)
	assert.ErrorIs(t, err, context.Canceled, "DeleteByValue")
	_, err = st.DeleteExpired(ctx, s.base, 10)
	assert.ErrorIs(t, err, context.Canceled, "DeleteExpired")
	present(t, st, r)
}

// noLeak fails if the error message shows a hash or the ciphertext of any
// of recs, raw or in hex.
func noLeak(t testing.TB, err error, recs ...vault.Record) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	for _, r := range recs {
		for _, b := range [][]byte{r.TokenHash, r.ValueHash, r.Ciphertext} {
			if len(b) < 4 {
				continue
			}
			assert.NotContains(t, msg, string(b))
			assert.NotContains(t, strings.ToLower(msg), hex.EncodeToString(b[:8]))
		}
	}
}

// concurrentCleanup: cleaners running at once remove every expired record
// exactly once between them, and nothing else.
func (s *suite) concurrentCleanup(t *testing.T) {
	const expired, live, cleaners = 300, 50, 4
	ctx := context.Background()
	st := s.newStore(t)
	recs := make([]vault.Record, expired+live)
	for i := range recs {
		recs[i] = s.record(t)
		recs[i].ExpiresAt = s.base.Add(time.Duration(i+1) * time.Millisecond)
	}
	require.NoError(t, st.PutBatch(ctx, recs))
	now := s.base.Add(expired * time.Millisecond)
	var wg sync.WaitGroup
	removed := make([]int, cleaners)
	errs := make([]error, cleaners)
	for c := range cleaners {
		wg.Go(func() {
			for {
				n, err := st.DeleteExpired(ctx, now, 7)
				if err != nil {
					errs[c] = err
					return
				}
				removed[c] += n
				if n == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for c := range cleaners {
		require.NoError(t, errs[c])
		total += removed[c]
	}
	assert.Equal(t, expired, total)
	stored, err := st.GetBatch(ctx, tokenHashes(recs))
	require.NoError(t, err)
	for i, r := range stored {
		if i < expired {
			assert.Nil(t, r.TokenHash, "expired record %d kept", i)
		} else {
			same(t, normalized(recs[i]), r, "live record %d", i)
		}
	}
}

func tokenHashes(recs []vault.Record) [][]byte {
	hs := make([][]byte, len(recs))
	for i, r := range recs {
		hs[i] = r.TokenHash
	}
	return hs
}
