package keys

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newSubjectKeys(t *testing.T, store SubjectKeyStore, opts ...SubjectOption) *SubjectKeys {
	t.Helper()
	sk, err := NewSubjectKeys(store, mustMasterKey(t), opts...)
	require.NoError(t, err)
	return sk
}

func TestSubjectKeys(t *testing.T) {
	store := NewMemorySubjectKeyStore()
	sk := newSubjectKeys(t, store)

	_, err := sk.ExistingAEAD(ctx, "alice")
	assert.ErrorIs(t, err, ErrKeyNotFound)
	a, err := sk.AEAD(ctx, "alice")
	require.NoError(t, err)
	b, err := sk.AEAD(ctx, "bob")
	require.NoError(t, err)
	ct, err := a.Encrypt([]byte("alice's note"), []byte("notes.body"))
	require.NoError(t, err)
	a2, err := sk.ExistingAEAD(ctx, "alice")
	require.NoError(t, err)
	pt, err := a2.Decrypt(ct, []byte("notes.body"))
	require.NoError(t, err)
	assert.Equal(t, "alice's note", string(pt))
	_, err = b.Decrypt(ct, []byte("notes.body"))
	assert.ErrorIs(t, err, ErrDecrypt, "bob's key must not open alice's data")

	// Swapping wrapped keys between subjects fails (subject is associated data).
	wa, err := store.Get(ctx, "alice")
	require.NoError(t, err)
	store.mu.Lock()
	store.keys["carol"] = wa
	store.mu.Unlock()
	_, err = sk.ExistingAEAD(ctx, "carol")
	assert.ErrorIs(t, err, ErrDecrypt)

	// A second instance sharing the store sees the same key.
	sk2, err := NewSubjectKeys(store, sk.kek)
	require.NoError(t, err)
	a3, err := sk2.ExistingAEAD(ctx, "alice")
	require.NoError(t, err)
	pt, err = a3.Decrypt(ct, []byte("notes.body"))
	require.NoError(t, err)
	assert.Equal(t, "alice's note", string(pt))

	// Destroy: the AEAD obtained before fails, and so does a new lookup.
	require.NoError(t, sk.Destroy(ctx, "alice"))
	_, err = a.Decrypt(ct, []byte("notes.body"))
	assert.ErrorIs(t, err, ErrKeyDestroyed)
	_, err = a.Encrypt([]byte("x"), nil)
	assert.ErrorIs(t, err, ErrKeyDestroyed)
	_, err = sk.ExistingAEAD(ctx, "alice")
	assert.ErrorIs(t, err, ErrKeyDestroyed)
	_, err = sk.AEAD(ctx, "alice")
	assert.ErrorIs(t, err, ErrKeyDestroyed, "no new key for an erased subject")
	require.NoError(t, sk.Destroy(ctx, "alice"), "idempotent")
	_, ok := store.Tombstone("alice")
	assert.True(t, ok)

	// Restoring the old wrapped key from a backup is refused.
	assert.ErrorIs(t, store.Create(ctx, "alice", wa), ErrKeyDestroyed)
	store.mu.Lock()
	store.keys["alice"] = wa // as if a backup restore wrote it back directly
	store.mu.Unlock()
	_, err = store.Get(ctx, "alice")
	assert.ErrorIs(t, err, ErrKeyDestroyed)
	sk3, err := NewSubjectKeys(store, sk.kek)
	require.NoError(t, err)
	_, err = sk3.ExistingAEAD(ctx, "alice")
	assert.ErrorIs(t, err, ErrKeyDestroyed)

	// Bob is unaffected.
	ctb, err := b.Encrypt([]byte("bob"), nil)
	require.NoError(t, err)
	b2, err := sk.ExistingAEAD(ctx, "bob")
	require.NoError(t, err)
	pt, err = b2.Decrypt(ctb, nil)
	require.NoError(t, err)
	assert.Equal(t, "bob", string(pt))

	_, err = sk.AEAD(ctx, "")
	assert.ErrorIs(t, err, ErrInvalidParams)
	assert.ErrorIs(t, sk.Destroy(ctx, ""), ErrInvalidParams)
	_, err = NewSubjectKeys(nil, mustMasterKey(t))
	assert.ErrorIs(t, err, ErrInvalidParams)
	assert.Equal(t, "keys.SubjectAEAD{REDACTED}", fmt.Sprint(b))
}

func TestSubjectKeysTTLAcrossInstances(t *testing.T) {
	store := NewMemorySubjectKeyStore()
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	kek := mustMasterKey(t)
	one, err := NewSubjectKeys(store, kek, WithSubjectClock(clock), WithCacheTTL(time.Minute))
	require.NoError(t, err)
	two, err := NewSubjectKeys(store, kek, WithSubjectClock(clock), WithCacheTTL(time.Minute))
	require.NoError(t, err)
	a, err := one.AEAD(ctx, "s")
	require.NoError(t, err)
	ct, err := a.Encrypt([]byte("v"), nil)
	require.NoError(t, err)
	a2, err := two.ExistingAEAD(ctx, "s")
	require.NoError(t, err)
	require.NoError(t, one.Destroy(ctx, "s"))
	// Within the TTL the other instance's cache may still serve the key...
	_, err = a2.Decrypt(ct, nil)
	assert.NoError(t, err)
	// ...but after it, the tombstone is seen, including by the old AEAD.
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	_, err = two.ExistingAEAD(ctx, "s")
	assert.ErrorIs(t, err, ErrKeyDestroyed)
	_, err = a2.Decrypt(ct, nil)
	assert.ErrorIs(t, err, ErrKeyDestroyed)
}

// TestCryptoShreddingConcurrent: many readers decrypt while one subject is
// destroyed; after Destroy returns, every decrypt of that subject fails with
// ErrKeyDestroyed and the others keep working.
func TestCryptoShreddingConcurrent(t *testing.T) {
	store := NewMemorySubjectKeyStore()
	sk := newSubjectKeys(t, store, WithCacheTTL(0))
	subjects := []string{"s0", "s1", "s2", "s3"}
	cts := map[string][]byte{}
	for _, s := range subjects {
		a, err := sk.AEAD(ctx, s)
		require.NoError(t, err)
		cts[s], err = a.Encrypt([]byte("value-of-"+s), []byte(s))
		require.NoError(t, err)
	}
	var destroyed atomic.Bool
	var wg sync.WaitGroup
	var bad atomic.Int64
	stop := make(chan struct{})
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				s := subjects[(w+i)%len(subjects)]
				after := destroyed.Load() // read before the attempt
				a, err := sk.ExistingAEAD(ctx, s)
				var pt []byte
				if err == nil {
					pt, err = a.Decrypt(cts[s], []byte(s))
				}
				switch {
				case s == "s0" && after:
					if !errors.Is(err, ErrKeyDestroyed) {
						bad.Add(1)
					}
				case s == "s0":
					if err != nil && !errors.Is(err, ErrKeyDestroyed) {
						bad.Add(1)
					}
				default:
					if err != nil || string(pt) != "value-of-"+s {
						bad.Add(1)
					}
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	require.NoError(t, sk.Destroy(context.Background(), "s0"))
	destroyed.Store(true)
	time.Sleep(20 * time.Millisecond)
	close(stop)
	wg.Wait()
	assert.Zero(t, bad.Load())
}
