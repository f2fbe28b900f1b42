package keys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"weak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// fakeClock is safe for concurrent use.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *fakeClock) now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// countingStore counts Get calls per subject and can fail them.
type countingStore struct {
	*MemorySubjectKeyStore
	mu   sync.Mutex
	gets map[string]int
	fail map[string]error
	// afterGet, if set, runs when Get has read the key, before it returns.
	afterGet func(subject string)
}

func newCountingStore() *countingStore {
	return &countingStore{MemorySubjectKeyStore: NewMemorySubjectKeyStore(), gets: map[string]int{}, fail: map[string]error{}}
}

func (c *countingStore) Get(ctx context.Context, subject string) ([]byte, error) {
	c.mu.Lock()
	c.gets[subject]++
	err, hook := c.fail[subject], c.afterGet
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	w, err := c.MemorySubjectKeyStore.Get(ctx, subject)
	if hook != nil {
		hook(subject)
	}
	return w, err
}

func (c *countingStore) getCount(subject string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gets[subject]
}

// countingKEK counts unwraps.
type countingKEK struct {
	tink.AEAD
	decrypts atomic.Int64
}

func (k *countingKEK) Decrypt(ct, ad []byte) ([]byte, error) {
	k.decrypts.Add(1)
	return k.AEAD.Decrypt(ct, ad)
}

// cacheOrder lists the cached subjects of a one-shard cache, most recently
// used first.
func cacheOrder(t *testing.T, sk *SubjectKeys) []string {
	t.Helper()
	require.Len(t, sk.shards, 1)
	sh := &sk.shards[0]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	var out []string
	for n := sh.lru.next; n != &sh.lru; n = n.next {
		out = append(out, n.subject)
	}
	return out
}

func isCached(sk *SubjectKeys, subject string) bool {
	sh := sk.shard(subject)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.nodes[subject] != nil
}

func statesLen(sk *SubjectKeys) int {
	n := 0
	for i := range sk.shards {
		sh := &sk.shards[i]
		sh.mu.Lock()
		n += len(sh.states)
		sh.mu.Unlock()
	}
	return n
}

// checkCacheInvariants walks every shard (the cache must be quiescent): the
// list and the map hold the same entries, the count is right and within the
// size, and each entry's state is the one registered for its subject.
func checkCacheInvariants(t *testing.T, sk *SubjectKeys) {
	t.Helper()
	total := 0
	for i := range sk.shards {
		sh := &sk.shards[i]
		sh.mu.Lock()
		count := 0
		for n := sh.lru.next; n != &sh.lru; n = n.next {
			count++
			assert.Same(t, n, n.next.prev, "broken link")
			assert.Same(t, n, sh.nodes[n.subject], "list entry not in map")
			if p, ok := sh.states[n.subject]; assert.True(t, ok, "cached subject without registered state") {
				assert.Same(t, n.state, p.Value())
			}
			if n.key != nil {
				assert.Same(t, n.state, n.key.state)
			}
			if count > len(sh.nodes) {
				break
			}
		}
		assert.Equal(t, len(sh.nodes), count, "list and map disagree")
		total += len(sh.nodes)
		sh.mu.Unlock()
	}
	assert.Equal(t, int64(total), sk.count.Load(), "entry count")
	assert.LessOrEqual(t, total, sk.size)
}

// fillStore writes wrapped keys for subjects prefix0..prefix<n-1> into store
// (one data key wrapped n times, which is quicker than n keysets).
func fillStore(t *testing.T, store *MemorySubjectKeyStore, kek tink.AEAD, prefix string, n int) []string {
	t.Helper()
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	require.NoError(t, err)
	names := make([]string, n)
	for i := range names {
		names[i] = prefix + strconv.Itoa(i)
		var buf strings.Builder
		require.NoError(t, h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), kek, subjectAD(names[i])))
		require.NoError(t, store.Create(ctx, names[i], []byte(buf.String())))
	}
	return names
}

func TestSubjectCacheOptions(t *testing.T) {
	kek := mustMasterKey(t)
	store := NewMemorySubjectKeyStore()
	tests := []struct {
		name   string
		opts   []SubjectOption
		err    error
		size   int
		shards int
	}{
		{name: "default", size: 10_000, shards: 16},
		{name: "one", opts: []SubjectOption{WithCacheSize(1)}, size: 1, shards: 1},
		{name: "127 is one shard", opts: []SubjectOption{WithCacheSize(127)}, size: 127, shards: 1},
		{name: "128 is two shards of 64", opts: []SubjectOption{WithCacheSize(128)}, size: 128, shards: 2},
		{name: "1000", opts: []SubjectOption{WithCacheSize(1000)}, size: 1000, shards: 8},
		{name: "1024 is 16 shards", opts: []SubjectOption{WithCacheSize(1024)}, size: 1024, shards: 16},
		{name: "large stays at 16", opts: []SubjectOption{WithCacheSize(1 << 20)}, size: 1 << 20, shards: 16},
		{name: "odd size", opts: []SubjectOption{WithCacheSize(1001)}, size: 1001, shards: 8},
		{name: "zero", opts: []SubjectOption{WithCacheSize(0)}, err: ErrInvalidParams},
		{name: "negative", opts: []SubjectOption{WithCacheSize(-5)}, err: ErrInvalidParams},
		{name: "last option wins", opts: []SubjectOption{WithCacheSize(0), WithCacheSize(3)}, size: 3, shards: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sk, err := NewSubjectKeys(store, kek, tc.opts...)
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
				assert.Nil(t, sk)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.size, sk.size)
			assert.Len(t, sk.shards, tc.shards)
			checkCacheInvariants(t, sk)
		})
	}
}

func TestSubjectCacheBounded(t *testing.T) {
	kek := mustMasterKey(t)
	store := NewMemorySubjectKeyStore()
	names := fillStore(t, store, kek, "bounded-", 3000)
	for _, size := range []int{1, 7, 200, 1000} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			sk, err := NewSubjectKeys(store, kek, WithCacheSize(size))
			require.NoError(t, err)
			held := map[string]tink.AEAD{}
			for i, s := range names {
				a, err := sk.ExistingAEAD(ctx, s)
				require.NoError(t, err)
				if i%97 == 0 {
					held[s] = a
				}
				if got := sk.cacheLen(); got > size {
					require.LessOrEqual(t, got, size, "after %d subjects", i+1)
				}
			}
			checkCacheInvariants(t, sk)
			// Every shard saw about three times its capacity, so all are full.
			assert.Equal(t, size, sk.cacheLen())
			assert.Equal(t, "keys.SubjectKeys{cached="+strconv.Itoa(size)+" size="+strconv.Itoa(size)+" ttl=1m0s}", sk.String())
			// AEADs kept by the caller still work after their entries left.
			for s, a := range held {
				ct, err := a.Encrypt([]byte("v-"+s), []byte(s))
				require.NoError(t, err)
				again, err := sk.ExistingAEAD(ctx, s)
				require.NoError(t, err)
				pt, err := again.Decrypt(ct, []byte(s))
				require.NoError(t, err)
				assert.Equal(t, "v-"+s, string(pt))
			}
		})
	}
}

// TestSubjectCacheWorkingSet: a working set as large as the cache fits in
// it, however the subjects fall into shards: after one pass, lookups never
// reach the store.
func TestSubjectCacheWorkingSet(t *testing.T) {
	kek := mustMasterKey(t)
	store := newCountingStore()
	const size = 1000 // 8 shards
	names := fillStore(t, store.MemorySubjectKeyStore, kek, "ws-", size)
	sk, err := NewSubjectKeys(store, kek, WithCacheSize(size))
	require.NoError(t, err)
	require.Len(t, sk.shards, 8)
	for _, s := range names {
		_, err := sk.ExistingAEAD(ctx, s)
		require.NoError(t, err)
	}
	assert.Equal(t, size, sk.cacheLen())
	for _, s := range names {
		_, err := sk.ExistingAEAD(ctx, s)
		require.NoError(t, err)
	}
	misses := 0
	for _, s := range names {
		misses += store.getCount(s) - 1
	}
	assert.Zero(t, misses)
	checkCacheInvariants(t, sk)
}

// TestSubjectCacheTrim: when the cache is full of other shards' entries, a
// new entry in an empty shard pushes out an entry of another shard.
func TestSubjectCacheTrim(t *testing.T) {
	kek := mustMasterKey(t)
	store := NewMemorySubjectKeyStore()
	names := fillStore(t, store, kek, "trim-", 600)
	sk, err := NewSubjectKeys(store, kek, WithCacheSize(128)) // 2 shards
	require.NoError(t, err)
	require.Len(t, sk.shards, 2)
	var in0, in1 []string
	for _, s := range names {
		if sk.shard(s) == &sk.shards[0] {
			in0 = append(in0, s)
		} else {
			in1 = append(in1, s)
		}
	}
	require.GreaterOrEqual(t, len(in0), 128)
	require.NotEmpty(t, in1)
	for _, s := range in0[:128] {
		_, err := sk.ExistingAEAD(ctx, s)
		require.NoError(t, err)
	}
	require.Equal(t, 128, len(sk.shards[0].nodes))
	_, err = sk.ExistingAEAD(ctx, in1[0])
	require.NoError(t, err)
	assert.Equal(t, 127, len(sk.shards[0].nodes))
	assert.Equal(t, 1, len(sk.shards[1].nodes))
	assert.False(t, isCached(sk, in0[0]), "the least recently used entry of shard 0 goes")
	assert.True(t, isCached(sk, in0[1]))
	checkCacheInvariants(t, sk)
}

func TestSubjectCacheLRU(t *testing.T) {
	store := newCountingStore()
	kek := &countingKEK{AEAD: mustMasterKey(t)}
	sk, err := NewSubjectKeys(store, kek, WithCacheSize(3))
	require.NoError(t, err)
	for _, s := range []string{"a", "b", "c"} {
		_, err := sk.AEAD(ctx, s)
		require.NoError(t, err)
	}
	assert.Equal(t, []string{"c", "b", "a"}, cacheOrder(t, sk))

	_, err = sk.ExistingAEAD(ctx, "a") // a hit moves a to the front
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "c", "b"}, cacheOrder(t, sk))
	assert.Equal(t, 1, store.getCount("a"), "a hit must not ask the store")

	_, err = sk.AEAD(ctx, "d") // evicts b, the least recently used
	require.NoError(t, err)
	assert.Equal(t, []string{"d", "a", "c"}, cacheOrder(t, sk))

	_, err = sk.ExistingAEAD(ctx, "c")
	require.NoError(t, err)
	assert.Equal(t, []string{"c", "d", "a"}, cacheOrder(t, sk))
	assert.Equal(t, 1, store.getCount("c"))

	_, err = sk.ExistingAEAD(ctx, "b") // a miss: the store is asked; evicts a
	require.NoError(t, err)
	assert.Equal(t, 2, store.getCount("b"))
	assert.Equal(t, []string{"b", "c", "d"}, cacheOrder(t, sk))

	// A destroyed subject takes an entry, at the front.
	require.NoError(t, sk.Destroy(ctx, "d"))
	assert.Equal(t, []string{"d", "b", "c"}, cacheOrder(t, sk))
	gets := store.getCount("d")
	_, err = sk.ExistingAEAD(ctx, "d")
	assert.ErrorIs(t, err, ErrKeyDestroyed)
	assert.Equal(t, gets, store.getCount("d"), "a cached tombstone answers without the store")
	checkCacheInvariants(t, sk)
}

func TestSubjectCacheExpiry(t *testing.T) {
	store := newCountingStore()
	kek := &countingKEK{AEAD: mustMasterKey(t)}
	clock := newFakeClock()
	sk, err := NewSubjectKeys(store, kek, WithCacheSize(10), WithCacheTTL(time.Minute), WithSubjectClock(clock.now))
	require.NoError(t, err)

	weakKeys := map[string]weak.Pointer[subjectAEAD]{}
	for _, s := range []string{"a", "b", "c"} {
		a, err := sk.AEAD(ctx, s)
		require.NoError(t, err)
		weakKeys[s] = weak.Make(a.(*subjectAEAD))
	}
	clock.advance(30 * time.Second)
	hold, err := sk.AEAD(ctx, "d")
	require.NoError(t, err)
	_, err = sk.AEAD(ctx, "e")
	require.NoError(t, err)
	assert.Equal(t, 5, sk.cacheLen())

	// 61 s after a, b and c were fetched: one lookup of d (still fresh)
	// drops the three idle, expired entries.
	clock.advance(31 * time.Second)
	gets := store.getCount("d")
	d, err := sk.ExistingAEAD(ctx, "d")
	require.NoError(t, err)
	assert.Same(t, hold, d)
	assert.Equal(t, gets, store.getCount("d"))
	assert.Equal(t, 2, sk.cacheLen())
	for _, s := range []string{"a", "b", "c"} {
		assert.False(t, isCached(sk, s), s)
	}
	// Nothing refers to their unwrapped keys any more: the GC takes them.
	assert.Eventually(t, func() bool {
		runtime.GC()
		for _, p := range weakKeys {
			if p.Value() != nil {
				return false
			}
		}
		return true
	}, 5*time.Second, 10*time.Millisecond, "dropped keys must be collectable")

	// An expired entry is reloaded even when it is not at the cold end of
	// the cache (where cleaning would find it first).
	_, err = sk.AEAD(ctx, "f") // fetched at +61 s
	require.NoError(t, err)
	clock.advance(10 * time.Second)
	_, err = sk.ExistingAEAD(ctx, "d") // fetched at +30 s, now at the front
	require.NoError(t, err)
	clock.advance(25 * time.Second) // d expired, f (the cold end) not
	gets = store.getCount("d")
	_, err = sk.ExistingAEAD(ctx, "d")
	require.NoError(t, err)
	assert.Equal(t, gets+1, store.getCount("d"), "expired: the store is asked")
	assert.True(t, isCached(sk, "f"))
	assert.Equal(t, []string{"d", "f"}, cacheOrder(t, sk))

	// An expired entry is dropped when looked up, even if the store then
	// fails: no stale key is kept.
	clock.advance(time.Minute)
	store.mu.Lock()
	store.fail["e"] = errors.New("store down")
	store.mu.Unlock()
	_, err = sk.ExistingAEAD(ctx, "e")
	assert.EqualError(t, err, "store down")
	assert.False(t, isCached(sk, "e"))

	// An expired entry whose wrapped key is unchanged comes back without
	// another unwrap, as the same AEAD.
	unwraps := kek.decrypts.Load()
	gets = store.getCount("d")
	d2, err := sk.ExistingAEAD(ctx, "d")
	require.NoError(t, err)
	assert.Same(t, hold, d2)
	assert.Equal(t, gets+1, store.getCount("d"), "expired: the store is asked")
	assert.Equal(t, unwraps, kek.decrypts.Load(), "same wrapped key: no unwrap")
	assert.True(t, isCached(sk, "d"))

	// TTL 0: nothing is cached, every lookup asks the store.
	sk0, err := NewSubjectKeys(store, kek, WithCacheTTL(0), WithSubjectClock(clock.now))
	require.NoError(t, err)
	gets = store.getCount("d")
	for range 3 {
		_, err := sk0.ExistingAEAD(ctx, "d")
		require.NoError(t, err)
	}
	assert.Equal(t, gets+3, store.getCount("d"))
	assert.Zero(t, sk0.cacheLen())
	checkCacheInvariants(t, sk)
}

// TestSubjectCacheWrappedKeyChanged: if the store hands back another wrapped
// key for a subject (say, restored by an operator), the new one is unwrapped,
// and Destroy still reaches AEADs of both.
func TestSubjectCacheWrappedKeyChanged(t *testing.T) {
	kek := mustMasterKey(t)
	store := NewMemorySubjectKeyStore()
	clock := newFakeClock()
	sk, err := NewSubjectKeys(store, kek, WithSubjectClock(clock.now))
	require.NoError(t, err)
	old, err := sk.AEAD(ctx, "s")
	require.NoError(t, err)
	ctOld, err := old.Encrypt([]byte("old"), nil)
	require.NoError(t, err)

	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	require.NoError(t, err)
	var buf strings.Builder
	require.NoError(t, h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), kek, subjectAD("s")))
	store.mu.Lock()
	store.keys["s"] = []byte(buf.String())
	store.mu.Unlock()

	clock.advance(2 * time.Minute)
	cur, err := sk.ExistingAEAD(ctx, "s")
	require.NoError(t, err)
	assert.NotSame(t, old, cur)
	_, err = cur.Decrypt(ctOld, nil)
	assert.ErrorIs(t, err, ErrDecrypt, "a different data key")
	ctCur, err := cur.Encrypt([]byte("cur"), nil)
	require.NoError(t, err)

	require.NoError(t, sk.Destroy(ctx, "s"))
	_, err = old.Decrypt(ctOld, nil)
	assert.ErrorIs(t, err, ErrKeyDestroyed)
	_, err = cur.Decrypt(ctCur, nil)
	assert.ErrorIs(t, err, ErrKeyDestroyed)
}

// TestSubjectDestroyAfterEviction: an AEAD handed out before its entry was
// evicted (and even reloaded and evicted again) fails after a later Destroy,
// and a key restored from an old backup stays refused once the cached
// tombstone is gone too.
func TestSubjectDestroyAfterEviction(t *testing.T) {
	for _, ttl := range []time.Duration{time.Minute, 0} {
		t.Run("ttl="+ttl.String(), func(t *testing.T) {
			store := NewMemorySubjectKeyStore()
			sk := newSubjectKeys(t, store, WithCacheSize(1), WithCacheTTL(ttl))
			first, err := sk.AEAD(ctx, "alice")
			require.NoError(t, err)
			ct, err := first.Encrypt([]byte("alice's note"), []byte("notes.body"))
			require.NoError(t, err)
			wa, err := store.Get(ctx, "alice")
			require.NoError(t, err)

			_, err = sk.AEAD(ctx, "bob") // evicts alice
			require.NoError(t, err)
			require.False(t, isCached(sk, "alice"))
			second, err := sk.ExistingAEAD(ctx, "alice") // reloaded...
			require.NoError(t, err)
			bob, err := sk.ExistingAEAD(ctx, "bob") // ...and evicted again
			require.NoError(t, err)
			require.False(t, isCached(sk, "alice"))

			for _, a := range []tink.AEAD{first, second} {
				pt, err := a.Decrypt(ct, []byte("notes.body"))
				require.NoError(t, err)
				require.Equal(t, "alice's note", string(pt))
			}
			require.NoError(t, sk.Destroy(ctx, "alice"))
			for i, a := range []tink.AEAD{first, second} {
				pt, err := a.Decrypt(ct, []byte("notes.body"))
				assert.ErrorIs(t, err, ErrKeyDestroyed, "AEAD %d", i)
				assert.Nil(t, pt)
				_, err = a.Encrypt([]byte("x"), nil)
				assert.ErrorIs(t, err, ErrKeyDestroyed, "AEAD %d", i)
			}

			// Evict the tombstone, restore the old wrapped key behind the
			// store's back, and drop every reference to alice's state.
			_, err = sk.ExistingAEAD(ctx, "bob")
			require.NoError(t, err)
			require.False(t, isCached(sk, "alice"))
			store.mu.Lock()
			store.keys["alice"] = wa
			store.mu.Unlock()
			first, second = nil, nil
			runtime.GC()
			_, err = sk.ExistingAEAD(ctx, "alice")
			assert.ErrorIs(t, err, ErrKeyDestroyed)
			_, err = sk.AEAD(ctx, "alice")
			assert.ErrorIs(t, err, ErrKeyDestroyed, "no new key for an erased subject")
			assert.ErrorIs(t, store.Create(ctx, "alice", wa), ErrKeyDestroyed)

			// Bob is unaffected.
			ctb, err := bob.Encrypt([]byte("bob"), nil)
			require.NoError(t, err)
			b2, err := sk.ExistingAEAD(ctx, "bob")
			require.NoError(t, err)
			pt, err := b2.Decrypt(ctb, nil)
			require.NoError(t, err)
			assert.Equal(t, "bob", string(pt))
			checkCacheInvariants(t, sk)
		})
	}
}

// TestSubjectDestroyDuringLookup: Destroy runs while a lookup is between
// reading the wrapped key from the store and caching it; the lookup must
// return ErrKeyDestroyed, not the key, and must not cache it.
func TestSubjectDestroyDuringLookup(t *testing.T) {
	tests := []struct {
		name   string
		opts   []SubjectOption
		cached bool // the subject has a (expired) cache entry when looked up
	}{
		{name: "not cached", opts: []SubjectOption{WithCacheSize(1)}},
		{name: "expired entry", opts: []SubjectOption{WithCacheSize(1)}, cached: true},
		{name: "no cache", opts: []SubjectOption{WithCacheTTL(0)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := newCountingStore()
			clock := newFakeClock()
			sk := newSubjectKeys(t, store, append(tc.opts, WithSubjectClock(clock.now))...)
			_, err := sk.AEAD(ctx, "s")
			require.NoError(t, err)
			if !tc.cached {
				_, err = sk.AEAD(ctx, "other") // evicts s
				require.NoError(t, err)
				runtime.GC()
			}
			clock.advance(2 * time.Minute)
			var destroyErr error
			store.afterGet = func(subject string) {
				if subject == "s" {
					destroyErr = sk.Destroy(ctx, "s")
				}
			}
			got, err := sk.ExistingAEAD(ctx, "s")
			require.NoError(t, destroyErr)
			assert.ErrorIs(t, err, ErrKeyDestroyed)
			assert.Nil(t, got)
			store.afterGet = nil
			_, err = sk.ExistingAEAD(ctx, "s")
			assert.ErrorIs(t, err, ErrKeyDestroyed)
			fresh := newSubjectKeys(t, store)
			_, err = fresh.ExistingAEAD(ctx, "s")
			assert.ErrorIs(t, err, ErrKeyDestroyed)
			checkCacheInvariants(t, sk)
		})
	}
}

// TestSubjectStatesCollected: the map that lets Destroy reach evicted AEADs
// does not grow with the number of subjects ever seen: states nobody refers
// to are collected and forgotten.
func TestSubjectStatesCollected(t *testing.T) {
	kek := mustMasterKey(t)
	store := NewMemorySubjectKeyStore()
	names := fillStore(t, store, kek, "gc-", 2000)
	sk, err := NewSubjectKeys(store, kek, WithCacheSize(8))
	require.NoError(t, err)
	var held tink.AEAD
	maxStates := 0
	for i, s := range names {
		a, err := sk.ExistingAEAD(ctx, s)
		require.NoError(t, err)
		if s == "gc-7" {
			held = a
		}
		if i%100 == 99 {
			runtime.GC()
		}
		maxStates = max(maxStates, statesLen(sk))
	}
	// Between collections at most 100 states die; with the 8 cached and the
	// held one alive, pruning at twice the live count plus 64 keeps the map
	// within 2*(100+9)+64 entries.
	assert.LessOrEqual(t, maxStates, 2*(100+9)+subjectStatesSlack)
	_, err = sk.ExistingAEAD(ctx, "no-such-subject")
	require.ErrorIs(t, err, ErrKeyNotFound)
	require.Equal(t, 8, sk.cacheLen())
	assert.Eventually(t, func() bool {
		runtime.GC()
		sh := &sk.shards[0]
		sh.mu.Lock()
		sh.pruneStatesLocked()
		sh.mu.Unlock()
		return statesLen(sk) == 8+1 // the cached subjects and the held one
	}, 5*time.Second, 10*time.Millisecond, "states: %d", statesLen(sk))
	require.NoError(t, sk.Destroy(ctx, "gc-7"))
	_, err = held.Encrypt([]byte("x"), nil)
	assert.ErrorIs(t, err, ErrKeyDestroyed)

	// A SubjectKeys dropped with a full cache is collected, and so are its
	// states and keys.
	gone := weak.Make(sk)
	goneKey := weak.Make(held.(*subjectAEAD))
	sk, held = nil, nil
	assert.Eventually(t, func() bool {
		runtime.GC()
		return gone.Value() == nil && goneKey.Value() == nil
	}, 5*time.Second, 10*time.Millisecond, "a dropped SubjectKeys must be collectable")
}

// TestSubjectCacheHammer: readers look subjects up, decrypt with fresh and
// with long-held AEADs, while a tiny cache evicts constantly, the clock makes
// entries expire and subjects are destroyed one after another. Once Destroy
// of a subject has returned, every attempt on it fails with ErrKeyDestroyed;
// the other subjects always give the plaintexts computed up front.
func TestSubjectCacheHammer(t *testing.T) {
	kek := mustMasterKey(t)
	store := NewMemorySubjectKeyStore()
	clock := newFakeClock()
	const nSubjects = 24
	sk, err := NewSubjectKeys(store, kek, WithCacheSize(4), WithCacheTTL(5*time.Second), WithSubjectClock(clock.now))
	require.NoError(t, err)
	subjects := make([]string, nSubjects)
	cts := make([][]byte, nSubjects)
	for i := range subjects {
		subjects[i] = "h" + strconv.Itoa(i)
		a, err := sk.AEAD(ctx, subjects[i])
		require.NoError(t, err)
		cts[i], err = a.Encrypt([]byte("value-of-"+subjects[i]), []byte(subjects[i]))
		require.NoError(t, err)
	}
	const nDestroyed = 6 // h0..h5 are destroyed during the run
	var destroyed [nSubjects]atomic.Bool

	var bad atomic.Int64
	var report sync.Once
	fail := func(format string, args ...any) {
		bad.Add(1)
		report.Do(func() { t.Errorf(format, args...) })
	}
	check := func(i int, a tink.AEAD, after bool) {
		s := subjects[i]
		var pt []byte
		var err error
		if a != nil {
			pt, err = a.Decrypt(cts[i], []byte(s))
		}
		switch {
		case a == nil:
			// the lookup failed; judged by the caller
		case i < nDestroyed && after:
			if !errors.Is(err, ErrKeyDestroyed) || pt != nil {
				fail("%s: decrypt after Destroy: %v", s, err)
			}
		case i < nDestroyed:
			if err != nil && !errors.Is(err, ErrKeyDestroyed) {
				fail("%s: %v", s, err)
			}
		default:
			if err != nil || string(pt) != "value-of-"+s {
				fail("%s: %v", s, err)
			}
		}
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			var held [nSubjects]tink.AEAD
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				i := (w*7 + n*5 + n/nSubjects) % nSubjects
				after := destroyed[i].Load() // read before the attempt
				if h := held[i]; h != nil {
					check(i, h, after)
				}
				a, err := sk.ExistingAEAD(ctx, subjects[i])
				switch {
				case err == nil:
					check(i, a, after)
					if i < nDestroyed && after {
						fail("%s: lookup after Destroy succeeded", subjects[i])
					}
					if n%3 == 0 {
						held[i] = a
					}
				case i < nDestroyed && errors.Is(err, ErrKeyDestroyed):
				default:
					fail("%s: lookup: %v", subjects[i], err)
				}
				if n%16 == 0 {
					clock.advance(time.Second)
				}
			}
		})
	}
	for i := range nDestroyed {
		time.Sleep(15 * time.Millisecond)
		require.NoError(t, sk.Destroy(ctx, subjects[i]))
		destroyed[i].Store(true)
	}
	time.Sleep(15 * time.Millisecond)
	close(stop)
	wg.Wait()
	assert.Zero(t, bad.Load())
	checkCacheInvariants(t, sk)
	assert.LessOrEqual(t, sk.cacheLen(), 4)
	for i, s := range subjects {
		_, err := sk.ExistingAEAD(ctx, s)
		if i < nDestroyed {
			assert.ErrorIs(t, err, ErrKeyDestroyed, s)
		} else {
			assert.NoError(t, err, s)
		}
	}
}

func TestSubjectKeysPrintNothing(t *testing.T) {
	const marker = "subject-marker-7f3a"
	sk := newSubjectKeys(t, NewMemorySubjectKeyStore(), WithCacheSize(5))
	a, err := sk.AEAD(ctx, marker)
	require.NoError(t, err)
	const skWant = "keys.SubjectKeys{cached=1 size=5 ttl=1m0s}"
	const aWant = "keys.SubjectAEAD{REDACTED}"
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		assert.Equal(t, skWant, fmt.Sprintf(verb, sk), verb)
		assert.Equal(t, aWant, fmt.Sprintf(verb, a), verb)
	}
	j, err := json.Marshal(map[string]any{"sk": sk, "a": a})
	require.NoError(t, err)
	assert.JSONEq(t, `{"sk":"`+skWant+`","a":"`+aWant+`"}`, string(j))
	var logs strings.Builder
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "sk", sk, "a", a)
	assert.Contains(t, logs.String(), `"sk":"`+skWant+`"`)
	assert.Contains(t, logs.String(), `"a":"`+aWant+`"`)
	assert.NotContains(t, logs.String(), marker)
}
