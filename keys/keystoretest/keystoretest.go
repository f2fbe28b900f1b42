// Package keystoretest checks that a [keys.SubjectKeyStore] keeps the
// contract crypto-shredding relies on: it holds the conformance suite every
// store passes.
//
// A store's test calls [Run] with a constructor that returns a fresh, empty
// store for each subtest, and the back doors some checks need:
//
//	func TestConformance(t *testing.T) {
//		keystoretest.Run(t, func(t *testing.T) keystoretest.Harness {
//			s := newStore(t)
//			return keystoretest.Harness{Store: s, RestoreKey: ..., HasKey: ...}
//		})
//	}
package keystoretest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/keys"
)

// Harness is one store under test and its back doors: ways to look at and
// change the store's key storage behind its API, as an operator (or a
// backup restore) would.
type Harness struct {
	// Store is the store under test. It must be empty.
	Store keys.SubjectKeyStore
	// RestoreKey writes wrapped as the subject's key directly into the
	// store's key storage, leaving its tombstones as they are: what
	// restoring the keys from a backup taken before an erasure does. Nil
	// skips the test that needs it.
	RestoreKey func(ctx context.Context, subject string, wrapped []byte) error
	// HasKey reports whether the store's key storage holds a key for the
	// subject, whatever its tombstones say. Nil skips the checks that need
	// it (that Destroy leaves no key behind).
	HasKey func(ctx context.Context, subject string) (bool, error)
}

// Run runs the conformance suite against stores made by newStore, which is
// called once per subtest and must return an empty store, cleaned up by
// t.Cleanup when the subtest ends.
//
// The suite covers lookups of missing subjects, create/get round trips
// (with subjects holding any bytes), copies (a caller's slice is never
// shared with the store), duplicate creates, destroy then get and create,
// destroy without a key, repeated destroys, a tombstone winning over a key
// that reappears (through RestoreKey), concurrent creators of one subject
// (exactly one wins, every other gets [keys.ErrKeyExists]), destroy racing
// create (no key survives, none can be made), destroy racing readers (no
// read that starts after Destroy returns sees a key), canceled contexts,
// and error messages that never show a subject or a wrapped key.
func Run(t *testing.T, newStore func(t *testing.T) Harness) {
	s := &suite{newStore: newStore}
	t.Run("GetMissing", s.getMissing)
	t.Run("RoundTrip", s.roundTrip)
	t.Run("Copies", s.copies)
	t.Run("CreateExisting", s.createExisting)
	t.Run("Destroy", s.destroy)
	t.Run("DestroyWithoutKey", s.destroyWithoutKey)
	t.Run("DestroyTwice", s.destroyTwice)
	t.Run("TombstoneWins", s.tombstoneWins)
	t.Run("ConcurrentCreate", s.concurrentCreate)
	t.Run("DestroyRacesCreate", s.destroyRacesCreate)
	t.Run("DestroyRacesGet", s.destroyRacesGet)
	t.Run("Canceled", s.canceled)
}

type suite struct {
	newStore func(t *testing.T) Harness
}

var ctx = context.Background()

// subject returns a subject name unique to this run, so that a leak check
// finds it only where it was leaked.
func subject(t testing.TB) string {
	return "subject-" + hex.EncodeToString(randBytes(t, 8))
}

func randBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

// wrapped returns a made-up wrapped key: random bytes, including zero
// bytes and bytes above 0x7f, of a wrapped keyset's typical size.
func wrapped(t testing.TB) []byte { return randBytes(t, 120) }

// noLeak fails if err's message shows any of secrets (subjects or wrapped
// keys), raw or in hex.
func noLeak(t testing.TB, err error, secrets ...[]byte) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	for _, s := range secrets {
		if len(s) < 4 {
			continue
		}
		assert.NotContains(t, msg, string(s), "error message shows a protected value")
		assert.NotContains(t, strings.ToLower(msg), hex.EncodeToString(s), "error message shows a protected value in hex")
	}
}

// wantErr checks that err matches sentinel (and no other outcome of the
// contract), and leaks nothing.
func wantErr(t testing.TB, err, sentinel error, subject string, secrets ...[]byte) {
	t.Helper()
	require.ErrorIs(t, err, sentinel)
	for _, other := range []error{keys.ErrKeyNotFound, keys.ErrKeyDestroyed, keys.ErrKeyExists} {
		if other != sentinel {
			assert.NotErrorIs(t, err, other)
		}
	}
	noLeak(t, err, append(secrets, []byte(subject))...)
}

func get(t testing.TB, h Harness, subject string) []byte {
	t.Helper()
	w, err := h.Store.Get(ctx, subject)
	require.NoError(t, err)
	return w
}

func getErr(t testing.TB, h Harness, subject string, sentinel error, secrets ...[]byte) {
	t.Helper()
	w, err := h.Store.Get(ctx, subject)
	wantErr(t, err, sentinel, subject, secrets...)
	assert.Nil(t, w, "a failed Get returns no key")
}

// noKeyLeft checks, when the harness can tell, that the key storage holds
// no key for subject.
func noKeyLeft(t testing.TB, h Harness, subject string) {
	t.Helper()
	if h.HasKey == nil {
		return
	}
	has, err := h.HasKey(ctx, subject)
	require.NoError(t, err)
	assert.False(t, has, "a destroyed subject's key is still stored")
}

func (s *suite) getMissing(t *testing.T) {
	h := s.newStore(t)
	sub := subject(t)
	getErr(t, h, sub, keys.ErrKeyNotFound)
	// A lookup creates nothing.
	getErr(t, h, sub, keys.ErrKeyNotFound)
	if h.HasKey != nil {
		has, err := h.HasKey(ctx, sub)
		require.NoError(t, err)
		assert.False(t, has)
	}
}

func (s *suite) roundTrip(t *testing.T) {
	h := s.newStore(t)
	base := subject(t)
	subjects := []string{
		base,
		base + "-2",
		base + "\x00", // a prefix of another subject is another subject
		base + "\x00x",
		"\xff\xfe" + base, // not UTF-8
		"Zoë " + base,
		strings.Repeat("s", 500) + base,
	}
	want := map[string][]byte{}
	for _, sub := range subjects {
		w := wrapped(t)
		want[sub] = w
		require.NoError(t, h.Store.Create(ctx, sub, w))
	}
	for _, sub := range subjects {
		assert.Equal(t, want[sub], get(t, h, sub))
		if h.HasKey != nil {
			has, err := h.HasKey(ctx, sub)
			require.NoError(t, err)
			assert.True(t, has, "HasKey must see a created key")
		}
	}
	getErr(t, h, base+"-3", keys.ErrKeyNotFound)
}

func (s *suite) copies(t *testing.T) {
	h := s.newStore(t)
	sub := subject(t)
	w := wrapped(t)
	orig := bytes.Clone(w)
	require.NoError(t, h.Store.Create(ctx, sub, w))
	w[0] ^= 0xff // the caller reuses its slice
	got := get(t, h, sub)
	require.Equal(t, orig, got, "Create must copy the wrapped key")
	got[1] ^= 0xff // the caller changes what it got
	assert.Equal(t, orig, get(t, h, sub), "Get must return a copy")
}

func (s *suite) createExisting(t *testing.T) {
	h := s.newStore(t)
	sub := subject(t)
	first, second := wrapped(t), wrapped(t)
	require.NoError(t, h.Store.Create(ctx, sub, first))
	err := h.Store.Create(ctx, sub, second)
	wantErr(t, err, keys.ErrKeyExists, sub, first, second)
	assert.Equal(t, first, get(t, h, sub), "a refused Create must not replace the key")
}

func (s *suite) destroy(t *testing.T) {
	h := s.newStore(t)
	sub, other := subject(t), subject(t)
	w, wo := wrapped(t), wrapped(t)
	require.NoError(t, h.Store.Create(ctx, sub, w))
	require.NoError(t, h.Store.Create(ctx, other, wo))
	require.NoError(t, h.Store.Destroy(ctx, sub))
	getErr(t, h, sub, keys.ErrKeyDestroyed, w)
	noKeyLeft(t, h, sub)
	w2 := wrapped(t)
	wantErr(t, h.Store.Create(ctx, sub, w2), keys.ErrKeyDestroyed, sub, w, w2)
	getErr(t, h, sub, keys.ErrKeyDestroyed, w, w2)
	noKeyLeft(t, h, sub)
	assert.Equal(t, wo, get(t, h, other), "Destroy must not touch other subjects")
}

func (s *suite) destroyWithoutKey(t *testing.T) {
	h := s.newStore(t)
	sub := subject(t)
	require.NoError(t, h.Store.Destroy(ctx, sub))
	getErr(t, h, sub, keys.ErrKeyDestroyed)
	w := wrapped(t)
	wantErr(t, h.Store.Create(ctx, sub, w), keys.ErrKeyDestroyed, sub, w)
	getErr(t, h, sub, keys.ErrKeyDestroyed, w)
	noKeyLeft(t, h, sub)
}

func (s *suite) destroyTwice(t *testing.T) {
	h := s.newStore(t)
	sub := subject(t)
	w := wrapped(t)
	require.NoError(t, h.Store.Create(ctx, sub, w))
	require.NoError(t, h.Store.Destroy(ctx, sub))
	require.NoError(t, h.Store.Destroy(ctx, sub), "destroying twice is not an error")
	getErr(t, h, sub, keys.ErrKeyDestroyed, w)
	wantErr(t, h.Store.Create(ctx, sub, w), keys.ErrKeyDestroyed, sub, w)
	noKeyLeft(t, h, sub)
}

func (s *suite) tombstoneWins(t *testing.T) {
	h := s.newStore(t)
	if h.RestoreKey == nil {
		t.Skip("the harness has no RestoreKey")
	}
	// The back door works: a restored key of a live subject is served.
	live := subject(t)
	wl := wrapped(t)
	require.NoError(t, h.RestoreKey(ctx, live, wl))
	require.Equal(t, wl, get(t, h, live), "RestoreKey must put a key where Get finds it")

	sub := subject(t)
	w := wrapped(t)
	require.NoError(t, h.Store.Create(ctx, sub, w))
	backup := get(t, h, sub)
	require.NoError(t, h.Store.Destroy(ctx, sub))
	require.NoError(t, h.RestoreKey(ctx, sub, backup)) // the keys come back from a backup
	if h.HasKey != nil {
		has, err := h.HasKey(ctx, sub)
		require.NoError(t, err)
		require.True(t, has, "RestoreKey must put the key back")
	}
	getErr(t, h, sub, keys.ErrKeyDestroyed, w)
	w2 := wrapped(t)
	wantErr(t, h.Store.Create(ctx, sub, w2), keys.ErrKeyDestroyed, sub, w, w2)
	getErr(t, h, sub, keys.ErrKeyDestroyed, w, w2)
	// Destroying again removes the restored key.
	require.NoError(t, h.Store.Destroy(ctx, sub))
	getErr(t, h, sub, keys.ErrKeyDestroyed, w)
	noKeyLeft(t, h, sub)
	assert.Equal(t, wl, get(t, h, live))
}

// concurrentCreate has many writers create one subject at once, for several
// subjects: exactly one wins, the others get ErrKeyExists, and the stored
// key is the winner's.
func (s *suite) concurrentCreate(t *testing.T) {
	h := s.newStore(t)
	const writers, rounds = 16, 8
	for range rounds {
		sub := subject(t)
		vals := make([][]byte, writers)
		errs := make([]error, writers)
		for i := range vals {
			vals[i] = wrapped(t)
		}
		var start, wg sync.WaitGroup
		start.Add(1)
		for i := range writers {
			wg.Go(func() {
				start.Wait()
				errs[i] = h.Store.Create(ctx, sub, vals[i])
			})
		}
		start.Done()
		wg.Wait()
		winner := -1
		for i, err := range errs {
			if err == nil {
				require.Equal(t, -1, winner, "two creators of one subject both succeeded")
				winner = i
				continue
			}
			wantErr(t, err, keys.ErrKeyExists, sub, vals...)
		}
		require.NotEqual(t, -1, winner, "no creator succeeded")
		assert.Equal(t, vals[winner], get(t, h, sub))
	}
}

// destroyRacesCreate starts a Create and a Destroy of one subject at once,
// for many subjects. Whichever runs first, once both have returned no key
// is stored or served, and no key can be created.
func (s *suite) destroyRacesCreate(t *testing.T) {
	h := s.newStore(t)
	const rounds = 64
	created := 0
	for range rounds {
		sub := subject(t)
		w := wrapped(t)
		var createErr, destroyErr error
		var start, wg sync.WaitGroup
		start.Add(1)
		wg.Go(func() { start.Wait(); createErr = h.Store.Create(ctx, sub, w) })
		wg.Go(func() { start.Wait(); destroyErr = h.Store.Destroy(ctx, sub) })
		start.Done()
		wg.Wait()
		require.NoError(t, destroyErr)
		if createErr == nil {
			created++
		} else {
			wantErr(t, createErr, keys.ErrKeyDestroyed, sub, w)
		}
		getErr(t, h, sub, keys.ErrKeyDestroyed, w)
		noKeyLeft(t, h, sub)
		w2 := wrapped(t)
		wantErr(t, h.Store.Create(ctx, sub, w2), keys.ErrKeyDestroyed, sub, w, w2)
		noKeyLeft(t, h, sub)
	}
	t.Logf("Create ran first in %d of %d rounds", created, rounds)
}

// destroyRacesGet has readers look a subject up while it is destroyed: a
// read that starts after Destroy has returned never gets the key.
func (s *suite) destroyRacesGet(t *testing.T) {
	h := s.newStore(t)
	const readers, rounds = 4, 16
	for range rounds {
		sub := subject(t)
		w := wrapped(t)
		require.NoError(t, h.Store.Create(ctx, sub, w))
		var destroyed atomic.Bool
		var wg sync.WaitGroup
		errs := make(chan error, readers)
		for range readers {
			wg.Go(func() {
				for {
					after := destroyed.Load()
					got, err := h.Store.Get(ctx, sub)
					switch {
					case err == nil && after:
						errs <- errors.New("a Get started after Destroy returned and got the key")
						return
					case err == nil:
						if !bytes.Equal(got, w) {
							errs <- errors.New("a Get returned another key")
							return
						}
					case errors.Is(err, keys.ErrKeyDestroyed):
						if after {
							errs <- nil
							return
						}
					default:
						errs <- fmt.Errorf("unexpected error from Get: %w", err)
						return
					}
				}
			})
		}
		err := h.Store.Destroy(ctx, sub)
		destroyed.Store(true) // also on failure, so that the readers stop
		wg.Wait()
		require.NoError(t, err)
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
	}
}

func (s *suite) canceled(t *testing.T) {
	h := s.newStore(t)
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	sub, kept := subject(t), subject(t)
	w, wk := wrapped(t), wrapped(t)

	err := h.Store.Create(cctx, sub, w)
	assert.ErrorIs(t, err, context.Canceled, "Create")
	noLeak(t, err, []byte(sub), w)
	getErr(t, h, sub, keys.ErrKeyNotFound) // nothing was created

	require.NoError(t, h.Store.Create(ctx, kept, wk))
	got, err := h.Store.Get(cctx, kept)
	assert.ErrorIs(t, err, context.Canceled, "Get")
	assert.Nil(t, got, "a canceled Get returns no key")
	noLeak(t, err, []byte(kept), wk)

	err = h.Store.Destroy(cctx, kept)
	assert.ErrorIs(t, err, context.Canceled, "Destroy")
	noLeak(t, err, []byte(kept), wk)
	assert.Equal(t, wk, get(t, h, kept), "a canceled Destroy must not destroy")
}
