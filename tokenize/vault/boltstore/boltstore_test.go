package boltstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/custos-dev/custos/tokenize/vault"
	"github.com/custos-dev/custos/tokenize/vault/boltstore"
	"github.com/custos-dev/custos/tokenize/vault/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) vault.Store {
		s, err := boltstore.Open(filepath.Join(t.TempDir(), "vault.db"))
		require.NoError(t, err)
		t.Cleanup(func() { assert.NoError(t, s.Close()) })
		return s
	})
}

// Records survive closing and reopening the file, and two stores in one
// database do not see each other's records.
func TestPersistenceAndBuckets(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vault.db")
	created := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	r := vault.Record{TokenHash: []byte("th"), Ciphertext: []byte("ct"), ValueHash: []byte("vh"), Convergent: true, CreatedAt: created}

	s, err := boltstore.Open(path)
	require.NoError(t, err)
	require.NoError(t, s.Put(ctx, r))
	require.NoError(t, s.Close())

	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	defer db.Close()
	s1, err := boltstore.New(db, boltstore.DefaultBucket)
	require.NoError(t, err)
	got, err := s1.GetByValue(ctx, []byte("vh"))
	require.NoError(t, err)
	assert.Equal(t, []byte("ct"), got.Ciphertext)

	s2, err := boltstore.New(db, "other")
	require.NoError(t, err)
	_, err = s2.Get(ctx, []byte("th"))
	assert.ErrorIs(t, err, vault.ErrNotFound)
	require.NoError(t, s2.Close(), "Close of a borrowed db")
	_, err = s1.Get(ctx, []byte("th"))
	assert.NoError(t, err, "db still open after Close of a New store")

	for _, name := range []string{"", string(make([]byte, bolt.MaxKeySize+1))} {
		_, err = boltstore.New(db, name)
		assert.ErrorIs(t, err, boltstore.ErrInvalidBucket)
	}
}

func TestOpenErrors(t *testing.T) {
	_, err := boltstore.Open(filepath.Join(t.TempDir(), "missing-dir", "vault.db"))
	assert.Error(t, err)
	notDB := filepath.Join(t.TempDir(), "junk")
	require.NoError(t, os.WriteFile(notDB, make([]byte, 8192), 0o600))
	_, err = boltstore.Open(notDB)
	assert.Error(t, err)
}

func Example() {
	dir, err := os.MkdirTemp("", "custos-vault")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	s, err := boltstore.Open(filepath.Join(dir, "vault.db"))
	if err != nil {
		panic(err)
	}
	defer s.Close()

	ctx := context.Background()
	created := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := vault.Record{
		TokenHash:  []byte("hmac-of-token"),
		Ciphertext: []byte("aead-of-value"),
		ValueHash:  []byte("hmac-of-value"),
		Convergent: true,
		CreatedAt:  created,
	}
	stored, created1, err := s.PutConvergent(ctx, rec)
	fmt.Println(string(stored.TokenHash), created1, err)
	rec.TokenHash = []byte("hmac-of-another-token")
	stored, created2, err := s.PutConvergent(ctx, rec)
	fmt.Println(string(stored.TokenHash), created2, err)
	n, err := s.DeleteByValue(ctx, []byte("hmac-of-value"))
	fmt.Println(n, err)
	// Output:
	// hmac-of-token true <nil>
	// hmac-of-token false <nil>
	// 1 <nil>
}

func BenchmarkStore(b *testing.B) {
	storetest.Benchmark(b, func(b *testing.B) vault.Store {
		s, err := boltstore.Open(filepath.Join(b.TempDir(), "vault.db"))
		require.NoError(b, err)
		b.Cleanup(func() { s.Close() })
		return s
	})
}
