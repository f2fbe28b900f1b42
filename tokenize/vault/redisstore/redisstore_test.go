package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/internal/testsvc"
	"github.com/custos-dev/custos/tokenize/vault"
	"github.com/custos-dev/custos/tokenize/vault/redisstore"
	"github.com/custos-dev/custos/tokenize/vault/storetest"
)

func client(tb testing.TB) *redis.Client {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: testsvc.RedisAddr(tb), PoolSize: 8})
	if err := c.Ping(context.Background()).Err(); err != nil {
		c.Close()
		testsvc.Unavailable(tb, "Redis", err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

var prefixSeq atomic.Int64

// newPrefix returns a key prefix unique to this run, and deletes its keys
// when the test ends.
func newPrefix(tb testing.TB, c *redis.Client) string {
	var r [4]byte
	_, _ = rand.Read(r[:])
	prefix := fmt.Sprintf("custos-vault-test-%s-%d", hex.EncodeToString(r[:]), prefixSeq.Add(1))
	tb.Cleanup(func() { assert.NoError(tb, dropPrefix(c, prefix)) })
	return prefix
}

func dropPrefix(c *redis.Client, prefix string) error {
	ctx := context.Background()
	iter := c.Scan(ctx, 0, "{"+prefix+"}:*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil || len(keys) == 0 {
		return err
	}
	return c.Del(ctx, keys...).Err()
}

func keyCount(t *testing.T, c *redis.Client, prefix string) int {
	ctx := context.Background()
	n := 0
	iter := c.Scan(ctx, 0, "{"+prefix+"}:*", 1000).Iterator()
	for iter.Next(ctx) {
		n++
	}
	require.NoError(t, iter.Err())
	return n
}

func TestConformance(t *testing.T) {
	c := client(t)
	storetest.Run(t, func(t *testing.T) vault.Store {
		s, err := redisstore.New(c, newPrefix(t, c))
		require.NoError(t, err)
		return s
	})
}

func TestPrefixes(t *testing.T) {
	tests := []struct {
		prefix string
		ok     bool
	}{
		{"vault", true},
		{"app:tokens.v1-prod_2", true},
		{"", false},
		{"{tag}", false},
		{"with space", false},
		{"star*", false},
		{"ключ", false},
		{string(make([]byte, 65)), false},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			_, err := redisstore.New(nil, tt.prefix)
			if tt.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, redisstore.ErrInvalidPrefix)
			}
		})
	}
}

// Expiry maps to a key TTL: Redis drops an expired record by itself, and
// DeleteExpired then cleans its index entries, leaving no key behind.
func TestTTL(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	prefix := newPrefix(t, c)
	s, err := redisstore.New(c, prefix)
	require.NoError(t, err)
	now := time.Now()
	r := vault.Record{TokenHash: []byte("th"), Ciphertext: []byte("ct"), ValueHash: []byte("vh"), Convergent: true,
		CreatedAt: now, ExpiresAt: now.Add(300 * time.Millisecond)}
	require.NoError(t, s.Put(ctx, r))
	long := vault.Record{TokenHash: []byte("th2"), Ciphertext: []byte("ct"), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	require.NoError(t, s.Put(ctx, long))

	ttl, err := c.PTTL(ctx, "{"+prefix+"}:t:"+hex.EncodeToString([]byte("th"))).Result()
	require.NoError(t, err)
	assert.Greater(t, ttl, time.Duration(0))
	// The expiry is rounded up to the millisecond and Redis counts from its
	// own clock's millisecond: up to 1ms over.
	assert.LessOrEqual(t, ttl, 301*time.Millisecond)
	ttl, err = c.PTTL(ctx, "{"+prefix+"}:t:"+hex.EncodeToString([]byte("th2"))).Result()
	require.NoError(t, err)
	assert.Greater(t, ttl, 59*time.Minute)

	// Until the TTL fires the record is there.
	got, err := s.Get(ctx, []byte("th"))
	require.NoError(t, err)
	assert.False(t, got.Expired(now))
	require.Eventually(t, func() bool {
		_, err := s.Get(ctx, []byte("th"))
		return err != nil
	}, 5*time.Second, 20*time.Millisecond)
	_, err = s.Get(ctx, []byte("th"))
	assert.ErrorIs(t, err, vault.ErrNotFound)
	assert.False(t, time.Now().Before(r.ExpiresAt), "dropped before its expiry")
	_, err = s.GetByValue(ctx, []byte("vh"))
	assert.ErrorIs(t, err, vault.ErrNotFound)

	// The dropped record's index entries remain until the clean-up.
	assert.Equal(t, 3, keyCount(t, c, prefix), "record th2, value set of vh, expiry set")
	n, err := s.DeleteExpired(ctx, time.Now(), 100)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, 2, keyCount(t, c, prefix), "record th2 and the expiry set")
	require.NoError(t, s.Delete(ctx, []byte("th2")))
	assert.Equal(t, 0, keyCount(t, c, prefix))

	// The value is free again for a convergent record.
	r.TokenHash, r.CreatedAt, r.ExpiresAt = []byte("th3"), time.Now(), time.Now().Add(time.Hour)
	_, created, err := s.PutConvergent(ctx, r)
	require.NoError(t, err)
	assert.True(t, created)
}

func Example() {
	ctx := context.Background()
	addr := os.Getenv(testsvc.EnvRedisAddr)
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	s, err := redisstore.New(c, "custos-vault-example")
	if err != nil {
		panic(err)
	}

	created := time.Now()
	rec := vault.Record{
		TokenHash:  []byte("hmac-of-token"),
		Ciphertext: []byte("aead-of-value"),
		ValueHash:  []byte("hmac-of-value"),
		CreatedAt:  created,
		ExpiresAt:  created.Add(time.Minute),
	}
	fmt.Println(s.Put(ctx, rec))
	got, err := s.Get(ctx, []byte("hmac-of-token"))
	fmt.Println(string(got.Ciphertext), err)
	n, err := s.DeleteByValue(ctx, []byte("hmac-of-value"))
	fmt.Println(n, err)
	n, err = s.DeleteExpired(ctx, created.Add(time.Hour), 100)
	fmt.Println(n, err)
	// Output:
	// <nil>
	// aead-of-value <nil>
	// 1 <nil>
	// 0 <nil>
}

func BenchmarkStore(b *testing.B) {
	c := client(b)
	storetest.Benchmark(b, func(b *testing.B) vault.Store {
		s, err := redisstore.New(c, newPrefix(b, c))
		require.NoError(b, err)
		return s
	})
}
