package keys

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// SubjectKeyStore stores one wrapped data key per subject (e.g. a customer
// ID) and the tombstones of destroyed ones. Implementations must be safe for
// concurrent use; database-backed ones are shared by every instance of a
// service.
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
// single-process use. It is safe for concurrent use.
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
func (m *MemorySubjectKeyStore) Create(_ context.Context, subject string, wrapped []byte) error {
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
func (m *MemorySubjectKeyStore) Get(_ context.Context, subject string) ([]byte, error) {
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
func (m *MemorySubjectKeyStore) Destroy(_ context.Context, subject string) error {
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

// SubjectKeys hands out one AEAD per subject, backed by a data key (a Tink
// AES-256-GCM keyset) wrapped under a KEK and kept in a [SubjectKeyStore].
// Destroying a subject's key makes every ciphertext of that subject
// unreadable, wherever it is copied: this is crypto-shredding.
//
// Unwrapped keys are cached. An AEAD returned before [SubjectKeys.Destroy]
// fails with [ErrKeyDestroyed] from the moment Destroy starts, so no cache of
// this instance outlives the key. Other instances sharing the store notice
// the tombstone when their cache entry expires (see [WithCacheTTL]).
//
// A SubjectKeys is safe for concurrent use. It never prints key material.
type SubjectKeys struct {
	store SubjectKeyStore
	kek   tink.AEAD
	ttl   time.Duration
	now   func() time.Time

	mu    sync.Mutex
	cache map[string]*subjectEntry
}

type subjectEntry struct {
	aead      tink.AEAD
	fetched   time.Time
	destroyed atomic.Bool
}

// SubjectOption configures [NewSubjectKeys].
type SubjectOption func(*SubjectKeys)

// WithCacheTTL sets how long an unwrapped key is used before the store is
// asked again (default one minute; 0 asks the store on every lookup). It
// bounds how long another instance that shares the store may still decrypt
// after a Destroy elsewhere.
func WithCacheTTL(d time.Duration) SubjectOption { return func(s *SubjectKeys) { s.ttl = d } }

// WithSubjectClock sets the clock used for cache expiry.
func WithSubjectClock(now func() time.Time) SubjectOption {
	return func(s *SubjectKeys) { s.now = now }
}

// NewSubjectKeys returns per-subject keys kept in store and wrapped under kek
// (for example a [MasterKey], a KMS AEAD, or an AEAD derived from a root
// keyset with purpose "subject-keys").
func NewSubjectKeys(store SubjectKeyStore, kek tink.AEAD, opts ...SubjectOption) (*SubjectKeys, error) {
	if store == nil || kek == nil {
		return nil, errorf(ErrInvalidParams, "subject keys need a store and a KEK")
	}
	s := &SubjectKeys{store: store, kek: kek, ttl: time.Minute, now: time.Now, cache: make(map[string]*subjectEntry)}
	for _, o := range opts {
		o(s)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

func subjectAD(subject string) []byte {
	return append([]byte("custos/keys/subject/v1\x00"), subject...)
}

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

func (s *SubjectKeys) get(ctx context.Context, subject string, create bool) (tink.AEAD, error) {
	if subject == "" {
		return nil, errorf(ErrInvalidParams, "subject is empty")
	}
	s.mu.Lock()
	e := s.cache[subject]
	s.mu.Unlock()
	if e != nil {
		if e.destroyed.Load() {
			return nil, errorf(ErrKeyDestroyed, "subject was erased")
		}
		if s.ttl > 0 && s.now().Sub(e.fetched) < s.ttl {
			return &subjectAEAD{subject: subject, e: e}, nil
		}
	}
	a, err := s.load(ctx, subject, create)
	if err != nil {
		if errors.Is(err, ErrKeyDestroyed) {
			s.markDestroyed(subject)
		}
		return nil, err
	}
	ne := &subjectEntry{aead: a, fetched: s.now()}
	s.mu.Lock()
	if cur := s.cache[subject]; cur != nil && cur.destroyed.Load() {
		// Destroyed while we were loading.
		s.mu.Unlock()
		return nil, errorf(ErrKeyDestroyed, "subject was erased")
	}
	s.cache[subject] = ne
	s.mu.Unlock()
	return &subjectAEAD{subject: subject, e: ne}, nil
}

func (s *SubjectKeys) load(ctx context.Context, subject string, create bool) (tink.AEAD, error) {
	for range 3 {
		w, err := s.store.Get(ctx, subject)
		switch {
		case err == nil:
			return s.unwrap(subject, w)
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
			return aead.New(h)
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

func (s *SubjectKeys) markDestroyed(subject string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.cache[subject]
	if e == nil {
		e = &subjectEntry{}
		s.cache[subject] = e
	}
	e.destroyed.Store(true)
}

// Destroy erases the subject's key: first in this instance's cache (so every
// AEAD handed out for the subject fails from now on with [ErrKeyDestroyed]),
// then in the store, which keeps a tombstone. Destroying twice is not an
// error.
func (s *SubjectKeys) Destroy(ctx context.Context, subject string) error {
	if subject == "" {
		return errorf(ErrInvalidParams, "subject is empty")
	}
	s.markDestroyed(subject)
	if err := s.store.Destroy(ctx, subject); err != nil {
		return fmt.Errorf("keys: destroying subject key: %w", err)
	}
	return nil
}

func (s *SubjectKeys) String() string {
	s.mu.Lock()
	n := len(s.cache)
	s.mu.Unlock()
	return "keys.SubjectKeys{cached=" + strconv.Itoa(n) + "}"
}

// LogValue logs a redacted summary.
func (s *SubjectKeys) LogValue() slog.Value { return slog.StringValue(s.String()) }

// subjectAEAD checks the destroyed flag on every call.
type subjectAEAD struct {
	subject string
	e       *subjectEntry
}

func (a *subjectAEAD) Encrypt(plaintext, associatedData []byte) ([]byte, error) {
	if a.e.destroyed.Load() {
		return nil, errorf(ErrKeyDestroyed, "subject was erased")
	}
	return a.e.aead.Encrypt(plaintext, associatedData)
}

func (a *subjectAEAD) Decrypt(ciphertext, associatedData []byte) ([]byte, error) {
	if a.e.destroyed.Load() {
		return nil, errorf(ErrKeyDestroyed, "subject was erased")
	}
	pt, err := a.e.aead.Decrypt(ciphertext, associatedData)
	if err != nil {
		return nil, errorf(ErrDecrypt, "ciphertext does not open under the subject key")
	}
	if a.e.destroyed.Load() { // destroyed during the call: release nothing
		return nil, errorf(ErrKeyDestroyed, "subject was erased")
	}
	return pt, nil
}

func (a *subjectAEAD) String() string { return "keys.SubjectAEAD{REDACTED}" }
