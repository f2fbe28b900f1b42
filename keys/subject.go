package keys

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// SubjectKeyStore stores one wrapped data key per subject (e.g. a customer
// ID) and the tombstones of destroyed ones. Implementations must be safe for
// concurrent use; database-backed ones are shared by every instance of a
// service (package keys/pgkeys stores them in PostgreSQL). A call whose
// context is done returns the context's error and changes nothing. The
// conformance suite in package keys/keystoretest checks all of this.
type SubjectKeyStore interface {
	// Create stores wrapped as the subject's key. It fails with ErrKeyExists
	// when the subject has a key and with ErrKeyDestroyed when it has a
	// tombstone.
	Create(ctx context.Context, subject string, wrapped []byte) error
	// Get returns the subject's wrapped key. It fails with ErrKeyDestroyed
	// when the subject has a tombstone, even if a key is present again (for
	// instance restored from a backup), and with ErrKeyNotFound when there is
	// neither.
	Get(ctx context.Context, subject string) ([]byte, error)
	// Destroy deletes the subject's key and records a tombstone. Destroying a
	// subject without a key records the tombstone too; destroying twice is
	// not an error.
	Destroy(ctx context.Context, subject string) error
}

// MemorySubjectKeyStore is a [SubjectKeyStore] in memory, for tests and
// single-process use. It is safe for concurrent use. Like a database store,
// it fails with the context's error, and changes nothing, when the context
// is done.
type MemorySubjectKeyStore struct {
	mu         sync.RWMutex
	keys       map[string][]byte
	tombstones map[string]time.Time
	now        func() time.Time
}

// NewMemorySubjectKeyStore returns an empty store.
func NewMemorySubjectKeyStore() *MemorySubjectKeyStore {
	return &MemorySubjectKeyStore{keys: make(map[string][]byte), tombstones: make(map[string]time.Time), now: time.Now}
}

// Create implements [SubjectKeyStore].
func (m *MemorySubjectKeyStore) Create(ctx context.Context, subject string, wrapped []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.tombstones[subject]; ok {
		return errorf(ErrKeyDestroyed, "subject was erased")
	}
	if _, ok := m.keys[subject]; ok {
		return errorf(ErrKeyExists, "subject already has a key")
	}
	m.keys[subject] = bytes.Clone(wrapped)
	return nil
}

// Get implements [SubjectKeyStore].
func (m *MemorySubjectKeyStore) Get(ctx context.Context, subject string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if _, ok := m.tombstones[subject]; ok {
		return nil, errorf(ErrKeyDestroyed, "subject was erased")
	}
	w, ok := m.keys[subject]
	if !ok {
		return nil, errorf(ErrKeyNotFound, "no key for subject")
	}
	return bytes.Clone(w), nil
}

// Destroy implements [SubjectKeyStore].
func (m *MemorySubjectKeyStore) Destroy(ctx context.Context, subject string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.keys, subject)
	if _, ok := m.tombstones[subject]; !ok {
		m.tombstones[subject] = m.now().UTC()
	}
	return nil
}

// Tombstone reports when subject's key was destroyed.
func (m *MemorySubjectKeyStore) Tombstone(subject string) (time.Time, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	t, ok := m.tombstones[subject]
	return t, ok
}

// Cache defaults and shape.
const (
	defaultSubjectCacheTTL  = time.Minute
	defaultSubjectCacheSize = 10_000
	// The cache is split into up to maxSubjectShards shards, each with its
	// own lock and LRU list, and at least minSubjectShardSize entries per
	// shard on average; a cache of fewer than 2*minSubjectShardSize entries
	// is one exact LRU.
	maxSubjectShards    = 16
	minSubjectShardSize = 64
	// At most this many expired entries are dropped per lookup, so cleaning
	// never makes one lookup slow.
	subjectSweepLimit = 4
	// Dead entries of a shard's states map are pruned once it has grown
	// to twice its live size plus this.
	subjectStatesSlack = 64
)

// SubjectKeys hands out one AEAD per subject, backed by a data key (a Tink
// AES-256-GCM keyset) wrapped under a KEK and kept in a [SubjectKeyStore].
// Destroying a subject's key makes every ciphertext of that subject
// unreadable, wherever it is copied: this is crypto-shredding.
//
// Unwrapped keys are cached in memory, in a bounded cache: at most
// [WithCacheSize] subjects (default 10,000), least recently used first out,
// and an entry is used for at most [WithCacheTTL] (default one minute)
// before the store is asked again. Entries are dropped, not merely
// refreshed: an expired entry leaves the cache when it is next looked up, or
// when a lookup finds it at the cold end of the cache (each lookup drops up
// to four such entries), so the unwrapped key of a subject idle for longer
// than the TTL is released to the garbage collector while the instance is
// in use. No goroutine runs in the background: an instance that sees no
// lookups at all keeps its entries until the next one.
//
// An AEAD returned before [SubjectKeys.Destroy] fails with [ErrKeyDestroyed]
// from the moment Destroy starts, whether its cache entry is still there,
// has expired or was evicted: every AEAD this instance hands out for a
// subject shares one state with the cache entry, and Destroy finds that
// state as long as anything still refers to it. So no cache of this instance
// outlives the key. Other instances sharing the store notice the tombstone
// when their cache entry expires, within their TTL.
//
// A SubjectKeys is safe for concurrent use. It never prints key material, nor
// subject names.
type SubjectKeys struct {
	store SubjectKeyStore
	kek   tink.AEAD
	ttl   time.Duration
	size  int
	now   func() time.Time

	seed   maphash.Seed
	mask   uint64
	shards []subjectShard
	count  atomic.Int64 // cache entries in all shards
	victim atomic.Uint32
}

// SubjectOption configures [NewSubjectKeys].
type SubjectOption func(*SubjectKeys)

// WithCacheTTL sets how long an unwrapped key is used before the store is
// asked again (default one minute; 0 or less turns the cache off and asks
// the store on every lookup). It bounds how long another instance that
// shares the store may still decrypt after a Destroy elsewhere, and how long
// the key of an idle subject stays in this instance's memory.
func WithCacheTTL(d time.Duration) SubjectOption { return func(s *SubjectKeys) { s.ttl = d } }

// WithCacheSize sets how many subjects' unwrapped keys are cached at most
// (default 10,000; [NewSubjectKeys] refuses less than 1). When the cache is
// full, a new entry pushes out the least recently used one. A destroyed
// subject takes an entry too, so that lookups of it fail without asking the
// store.
//
// For concurrency, caches of 128 entries or more are split by subject into
// up to 16 shards (at least 64 entries each on average), each with its own
// lock and recency order; the size bounds their total, and a new entry
// pushes out the least recently used entry of its own shard (of another
// shard when its own holds nothing else). Below 128 entries the order is
// exactly least recently used.
//
// Size it for the subjects in active use within one TTL: a subject that is
// not cached costs one store read and one unwrap under the KEK (a KMS call
// if the KEK is a KMS key) on its next lookup.
func WithCacheSize(n int) SubjectOption { return func(s *SubjectKeys) { s.size = n } }

// WithSubjectClock sets the clock used for cache expiry.
func WithSubjectClock(now func() time.Time) SubjectOption {
	return func(s *SubjectKeys) { s.now = now }
}

// NewSubjectKeys returns per-subject keys kept in store and wrapped under kek
// (for example a [MasterKey], a KMS AEAD, or an AEAD derived from a root
// keyset with purpose "subject-keys"). It fails with [ErrInvalidParams] if
// store or kek is nil or the cache size is below 1.
func NewSubjectKeys(store SubjectKeyStore, kek tink.AEAD, opts ...SubjectOption) (*SubjectKeys, error) {
	if store == nil || kek == nil {
		return nil, errorf(ErrInvalidParams, "subject keys need a store and a KEK")
	}
	s := &SubjectKeys{store: store, kek: kek, ttl: defaultSubjectCacheTTL, size: defaultSubjectCacheSize, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.size < 1 {
		return nil, errorf(ErrInvalidParams, "subject key cache size %d is below 1", s.size)
	}
	n := 1
	for n < maxSubjectShards && s.size/(2*n) >= minSubjectShardSize {
		n *= 2
	}
	s.seed = maphash.MakeSeed()
	s.mask = uint64(n - 1)
	s.shards = make([]subjectShard, n)
	for i := range s.shards {
		sh := &s.shards[i]
		sh.ttl = s.ttl
		sh.size = int64(s.size)
		sh.count = &s.count
		sh.nodes = make(map[string]*subjectNode)
		sh.states = make(map[string]weak.Pointer[subjectState])
		sh.lru.next, sh.lru.prev = &sh.lru, &sh.lru
	}
	return s, nil
}

func subjectAD(subject string) []byte {
	return append([]byte("custos/keys/subject/v1\x00"), subject...)
}

func errSubjectDestroyed() error { return errorf(ErrKeyDestroyed, "subject was erased") }

// AEAD returns the subject's AEAD, creating and storing a data key if the
// subject has none. Use it to encrypt. It fails with [ErrKeyDestroyed] for an
// erased subject.
func (s *SubjectKeys) AEAD(ctx context.Context, subject string) (tink.AEAD, error) {
	return s.get(ctx, subject, true)
}

// ExistingAEAD returns the subject's AEAD without creating a key: it fails
// with [ErrKeyNotFound] when the subject has none and [ErrKeyDestroyed] when
// it was erased. Use it to decrypt.
func (s *SubjectKeys) ExistingAEAD(ctx context.Context, subject string) (tink.AEAD, error) {
	return s.get(ctx, subject, false)
}

func (s *SubjectKeys) shard(subject string) *subjectShard {
	if s.mask == 0 {
		return &s.shards[0]
	}
	return &s.shards[maphash.String(s.seed, subject)&s.mask]
}

func (s *SubjectKeys) get(ctx context.Context, subject string, create bool) (tink.AEAD, error) {
	if subject == "" {
		return nil, errorf(ErrInvalidParams, "subject is empty")
	}
	sh := s.shard(subject)
	now := s.now()
	sh.mu.Lock()
	sh.sweepLocked(now)
	var st *subjectState
	if n := sh.nodes[subject]; n != nil {
		if n.state.destroyed.Load() {
			sh.mu.Unlock()
			return nil, errSubjectDestroyed()
		}
		if now.Sub(n.fetched) < s.ttl {
			sh.moveToFrontLocked(n)
			k := n.key
			sh.mu.Unlock()
			return k, nil
		}
		sh.removeLocked(n) // expired: drop it, then ask the store again
		st = n.state
	} else {
		st = sh.stateLocked(subject)
		if st.destroyed.Load() {
			sh.mu.Unlock()
			return nil, errSubjectDestroyed()
		}
	}
	prev := st.key
	sh.mu.Unlock()

	k, err := s.load(ctx, subject, create, st, prev)

	sh.mu.Lock()
	switch {
	case st.destroyed.Load(): // destroyed while we were loading
		k, err = nil, errSubjectDestroyed()
	case errors.Is(err, ErrKeyDestroyed): // by another instance
		st.destroy()
		sh.insertLocked(subject, st, nil, now)
		k = nil
	case err == nil:
		st.key = k
		sh.insertLocked(subject, st, k, now)
	}
	sh.mu.Unlock()
	s.trim(sh)
	if err != nil {
		return nil, err
	}
	return k, nil
}

// load reads (or, if create is set, makes) the subject's wrapped key and
// returns its AEAD, sharing st. If the store still holds the very wrapped
// key prev was unwrapped from, prev is returned without unwrapping again.
func (s *SubjectKeys) load(ctx context.Context, subject string, create bool, st *subjectState, prev *subjectAEAD) (*subjectAEAD, error) {
	for range 3 {
		w, err := s.store.Get(ctx, subject)
		switch {
		case err == nil:
			d := sha256.Sum256(w)
			if prev != nil && subtle.ConstantTimeCompare(prev.wrapped[:], d[:]) == 1 {
				return prev, nil
			}
			a, err := s.unwrap(subject, w)
			if err != nil {
				return nil, err
			}
			return &subjectAEAD{state: st, aead: a, wrapped: d}, nil
		case !errors.Is(err, ErrKeyNotFound) || !create:
			return nil, err
		}
		h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
		if err != nil {
			return nil, fmt.Errorf("keys: subject key: %w", err)
		}
		var buf bytes.Buffer
		if err := h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), s.kek, subjectAD(subject)); err != nil {
			return nil, fmt.Errorf("keys: wrapping subject key: %w", err)
		}
		err = s.store.Create(ctx, subject, buf.Bytes())
		switch {
		case err == nil:
			a, err := aead.New(h)
			if err != nil {
				return nil, fmt.Errorf("keys: subject key: %w", err)
			}
			return &subjectAEAD{state: st, aead: a, wrapped: sha256.Sum256(buf.Bytes())}, nil
		case errors.Is(err, ErrKeyExists):
			continue // another writer won the race: use its key
		default:
			return nil, err
		}
	}
	return nil, errorf(ErrKeyExists, "subject key creation kept racing")
}

func (s *SubjectKeys) unwrap(subject string, wrapped []byte) (tink.AEAD, error) {
	h, err := keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(wrapped)), s.kek, subjectAD(subject))
	if err != nil {
		return nil, errorf(ErrDecrypt, "wrapped subject key does not open under this KEK")
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, fmt.Errorf("keys: subject key: %w", err)
	}
	return a, nil
}

// Destroy erases the subject's key: first in this instance (so every AEAD it
// handed out for the subject, cached, expired or evicted, fails from now on
// with [ErrKeyDestroyed]), then in the store, which keeps a tombstone.
// Destroying twice is not an error.
//
// If the store fails, Destroy returns its error and the key may still be in
// the store: other instances, and this one once it no longer holds the
// subject, may use it again. Call Destroy again until it succeeds.
func (s *SubjectKeys) Destroy(ctx context.Context, subject string) error {
	if subject == "" {
		return errorf(ErrInvalidParams, "subject is empty")
	}
	sh := s.shard(subject)
	now := s.now()
	sh.mu.Lock()
	st := sh.stateLocked(subject)
	st.destroy()
	sh.insertLocked(subject, st, nil, now)
	sh.mu.Unlock()
	s.trim(sh)
	err := s.store.Destroy(ctx, subject)
	// Until the store has the tombstone, a concurrent lookup must find st
	// (and refuse), even if the cache has let go of it.
	runtime.KeepAlive(st)
	if err != nil {
		return fmt.Errorf("keys: destroying subject key: %w", err)
	}
	return nil
}

// trim evicts least recently used entries of other shards than own while
// the cache holds more than its size. It is needed only when own filled the
// cache while holding nothing else to evict (insertLocked evicts within its
// own shard first). It takes one shard lock at a time.
func (s *SubjectKeys) trim(own *subjectShard) {
	for s.count.Load() > int64(s.size) {
		evicted := false
		start := s.victim.Add(1)
		for i := range uint32(len(s.shards)) {
			sh := &s.shards[(start+i)&uint32(s.mask)]
			if sh == own {
				continue
			}
			sh.mu.Lock()
			if s.count.Load() > int64(s.size) && sh.lru.prev != &sh.lru {
				sh.removeLocked(sh.lru.prev)
				evicted = true
			}
			sh.mu.Unlock()
			if s.count.Load() <= int64(s.size) {
				return
			}
		}
		if !evicted {
			return // the other shards are empty: own holds only new entries
		}
	}
}

func (s *SubjectKeys) cacheLen() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += len(sh.nodes)
		sh.mu.Unlock()
	}
	return n
}

func (s *SubjectKeys) summary() string {
	return "keys.SubjectKeys{cached=" + strconv.Itoa(s.cacheLen()) + " size=" + strconv.Itoa(s.size) + " ttl=" + s.ttl.String() + "}"
}

// String returns a summary: the number of cached subjects, the cache size
// and TTL. It never names subjects.
func (s *SubjectKeys) String() string { return s.summary() }

// GoString returns the same summary as String.
func (s *SubjectKeys) GoString() string { return s.summary() }

// Format writes the summary for every verb, so %v, %+v and %#v print no
// subject and no key.
func (s *SubjectKeys) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.summary())) }

// LogValue logs a redacted summary.
func (s *SubjectKeys) LogValue() slog.Value { return slog.StringValue(s.summary()) }

// MarshalJSON encodes the summary as a JSON string.
func (s *SubjectKeys) MarshalJSON() ([]byte, error) { return json.Marshal(s.summary()) }

// subjectShard is one lock's worth of the cache: an LRU list of entries and
// the states of the shard's subjects that are still referenced.
type subjectShard struct {
	mu    sync.Mutex
	ttl   time.Duration
	size  int64
	count *atomic.Int64 // shared by all shards
	nodes map[string]*subjectNode
	lru   subjectNode // sentinel: lru.next is the most recently used entry
	// states finds the state of every subject that anything (a cache entry,
	// an AEAD held by a caller, a lookup in flight) still refers to, so that
	// one subject never has two live states. Entries whose state was
	// collected are pruned when states has doubled since the last pruning
	// (plus subjectStatesSlack), so pruning costs O(1) per new state,
	// amortized, and states stays within twice the states alive at the last
	// pruning.
	states     map[string]weak.Pointer[subjectState]
	statesLive int      // len(states) after the last pruning
	_          [64]byte // keep neighbouring shards' locks off one cache line
}

// subjectNode is a cache entry.
type subjectNode struct {
	prev, next *subjectNode
	subject    string
	state      *subjectState
	key        *subjectAEAD // nil once the subject is destroyed
	fetched    time.Time
}

// subjectState is shared by every AEAD this instance hands out for one
// subject, and by its cache entry.
type subjectState struct {
	destroyed atomic.Bool
	// key is the most recent AEAD handed out, reused while the store keeps
	// the same wrapped key; nil once destroyed. Guarded by the shard's mu.
	key *subjectAEAD
}

// stateLocked returns the subject's live state, or registers a new one.
func (sh *subjectShard) stateLocked(subject string) *subjectState {
	if n := sh.nodes[subject]; n != nil {
		return n.state
	}
	if p, ok := sh.states[subject]; ok {
		if st := p.Value(); st != nil {
			return st
		}
	}
	if len(sh.states) >= 2*sh.statesLive+subjectStatesSlack {
		sh.pruneStatesLocked()
	}
	st := new(subjectState)
	sh.states[subject] = weak.Make(st)
	return st
}

// pruneStatesLocked forgets the subjects whose state was collected.
func (sh *subjectShard) pruneStatesLocked() {
	for subject, p := range sh.states {
		if p.Value() == nil {
			delete(sh.states, subject)
		}
	}
	sh.statesLive = len(sh.states)
}

// destroy marks st destroyed and lets go of its key. The caller holds the
// shard's mu.
func (st *subjectState) destroy() {
	st.destroyed.Store(true)
	st.key = nil
}

// insertLocked caches key (nil for a tombstone) as the subject's entry. If
// the cache is then over its size, it evicts the least recently used
// entries of this shard; when the shard has nothing else, the caller's
// [SubjectKeys.trim] evicts elsewhere.
func (sh *subjectShard) insertLocked(subject string, st *subjectState, key *subjectAEAD, now time.Time) {
	if sh.ttl <= 0 {
		return
	}
	if n := sh.nodes[subject]; n != nil {
		n.state, n.key, n.fetched = st, key, now
		sh.moveToFrontLocked(n)
		return
	}
	n := &subjectNode{subject: subject, state: st, key: key, fetched: now}
	sh.nodes[subject] = n
	sh.pushFrontLocked(n)
	if sh.count.Add(1) > sh.size {
		for sh.count.Load() > sh.size && sh.lru.prev != n {
			sh.removeLocked(sh.lru.prev)
		}
	}
}

// sweepLocked drops up to subjectSweepLimit expired entries from the cold
// end of the list. An entry unused for longer than the TTL has expired, and
// so have all entries used before it: repeated sweeps drop every entry idle
// for longer than the TTL.
func (sh *subjectShard) sweepLocked(now time.Time) {
	for range subjectSweepLimit {
		n := sh.lru.prev
		if n == &sh.lru || now.Sub(n.fetched) < sh.ttl {
			return
		}
		sh.removeLocked(n)
	}
}

func (sh *subjectShard) pushFrontLocked(n *subjectNode) {
	n.prev, n.next = &sh.lru, sh.lru.next
	n.prev.next, n.next.prev = n, n
}

func (sh *subjectShard) moveToFrontLocked(n *subjectNode) {
	if sh.lru.next == n {
		return
	}
	n.prev.next, n.next.prev = n.next, n.prev
	sh.pushFrontLocked(n)
}

func (sh *subjectShard) removeLocked(n *subjectNode) {
	n.prev.next, n.next.prev = n.next, n.prev
	n.prev, n.next = nil, nil
	delete(sh.nodes, n.subject)
	sh.count.Add(-1)
}

// subjectAEAD is the AEAD handed out for a subject; it checks the subject's
// destroyed flag on every call.
type subjectAEAD struct {
	state   *subjectState
	aead    tink.AEAD
	wrapped [sha256.Size]byte // SHA-256 of the wrapped key it was unwrapped from
}

func (a *subjectAEAD) Encrypt(plaintext, associatedData []byte) ([]byte, error) {
	if a.state.destroyed.Load() {
		return nil, errSubjectDestroyed()
	}
	return a.aead.Encrypt(plaintext, associatedData)
}

func (a *subjectAEAD) Decrypt(ciphertext, associatedData []byte) ([]byte, error) {
	if a.state.destroyed.Load() {
		return nil, errSubjectDestroyed()
	}
	pt, err := a.aead.Decrypt(ciphertext, associatedData)
	if err != nil {
		return nil, errorf(ErrDecrypt, "ciphertext does not open under the subject key")
	}
	if a.state.destroyed.Load() { // destroyed during the call: release nothing
		return nil, errSubjectDestroyed()
	}
	return pt, nil
}

const subjectAEADSummary = "keys.SubjectAEAD{REDACTED}"

func (a *subjectAEAD) String() string               { return subjectAEADSummary }
func (a *subjectAEAD) GoString() string             { return subjectAEADSummary }
func (a *subjectAEAD) Format(f fmt.State, _ rune)   { _, _ = f.Write([]byte(subjectAEADSummary)) }
func (a *subjectAEAD) LogValue() slog.Value         { return slog.StringValue(subjectAEADSummary) }
func (a *subjectAEAD) MarshalJSON() ([]byte, error) { return json.Marshal(subjectAEADSummary) }
