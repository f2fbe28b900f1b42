package tokenize_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/access"
	"github.com/custos-dev/custos/internal/testsvc"
	"github.com/custos-dev/custos/keys"
	"github.com/custos-dev/custos/tokenize/vault"
	"github.com/custos-dev/custos/tokenize/vault/boltstore"
	"github.com/custos-dev/custos/tokenize/vault/memstore"
	"github.com/custos-dev/custos/tokenize/vault/pgstore"
	"github.com/custos-dev/custos/tokenize/vault/redisstore"
)

// newRoot returns a fresh derivation root keyset.
func newRoot(tb testing.TB) *keys.Keyset {
	tb.Helper()
	root, err := keys.New(keys.DerivationHKDFSHA256)
	require.NoError(tb, err)
	return root
}

// rotate adds a key to root and makes it primary.
func rotate(tb testing.TB, root *keys.Keyset) (*keys.Keyset, uint32) {
	tb.Helper()
	r, id, err := root.Add()
	require.NoError(tb, err)
	r, err = r.Promote(id)
	require.NoError(tb, err)
	return r, id
}

// refLuhnValid is the Luhn check written out independently of the package:
// double every second digit from the right, add the digits, divisible by 10.
func refLuhnValid(s string) bool {
	sum, double := 0, false
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			continue
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// digits returns the ASCII digits of s.
func digits(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// randomPAN returns a random Luhn-valid card number of n digits, completed
// by trying each last digit against the reference check.
func randomPAN(tb testing.TB, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	for d := byte('0'); d <= '9'; d++ {
		b[n-1] = d
		if refLuhnValid(string(b)) {
			return string(b)
		}
	}
	tb.Fatal("no Luhn digit")
	return ""
}

// auditLog collects audit events.
type auditLog struct {
	mu     sync.Mutex
	events []access.Event
}

func (a *auditLog) Audit(_ context.Context, e access.Event) {
	a.mu.Lock()
	a.events = append(a.events, e)
	a.mu.Unlock()
}

func (a *auditLog) all() []access.Event {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]access.Event(nil), a.events...)
}

// storeKind names a vault store backend of the tests.
type storeKind struct {
	name string
	new  func(t testing.TB) vault.Store
}

var seq atomic.Int64

func uniqueName(prefix string) string {
	var r [4]byte
	_, _ = rand.Read(r[:])
	return fmt.Sprintf("%s_%s_%d", prefix, hex.EncodeToString(r[:]), seq.Add(1))
}

func memStore(testing.TB) vault.Store { return memstore.New() }

func boltStore(tb testing.TB) vault.Store {
	s, err := boltstore.Open(filepath.Join(tb.TempDir(), "vault.db"))
	require.NoError(tb, err)
	if c, ok := any(s).(interface{ Close() error }); ok {
		tb.Cleanup(func() { _ = c.Close() })
	}
	return s
}

var (
	pgOnce sync.Once
	pgPool *pgxpool.Pool
	pgErr  error
)

func pgStore(tb testing.TB) vault.Store {
	url := testsvc.PostgresURL(tb)
	pgOnce.Do(func() {
		cfg, err := pgxpool.ParseConfig(url)
		if err != nil {
			pgErr = err
			return
		}
		cfg.MaxConns = 16
		pgPool, pgErr = pgxpool.NewWithConfig(context.Background(), cfg)
		if pgErr == nil {
			pgErr = pgPool.Ping(context.Background())
		}
	})
	if pgErr != nil {
		testsvc.Unavailable(tb, "PostgreSQL", pgErr)
	}
	name := uniqueName("custos_tokenize_test")
	require.NoError(tb, pgstore.Migrate(context.Background(), pgPool, name))
	tb.Cleanup(func() {
		_, err := pgPool.Exec(context.Background(), "DROP TABLE IF EXISTS "+pgx.Identifier{name}.Sanitize())
		assert.NoError(tb, err)
	})
	s, err := pgstore.New(pgPool, name)
	require.NoError(tb, err)
	return s
}

func redisStore(tb testing.TB) vault.Store {
	c := redis.NewClient(&redis.Options{Addr: testsvc.RedisAddr(tb), PoolSize: 16})
	if err := c.Ping(context.Background()).Err(); err != nil {
		_ = c.Close()
		testsvc.Unavailable(tb, "Redis", err)
	}
	prefix := uniqueName("custos-tokenize-test")
	tb.Cleanup(func() {
		ctx := context.Background()
		iter := c.Scan(ctx, 0, "{"+prefix+"}:*", 1000).Iterator()
		var ks []string
		for iter.Next(ctx) {
			ks = append(ks, iter.Val())
		}
		if len(ks) > 0 {
			assert.NoError(tb, c.Del(ctx, ks...).Err())
		}
		_ = c.Close()
	})
	s, err := redisstore.New(c, prefix)
	require.NoError(tb, err)
	return s
}

var storeKinds = []storeKind{
	{"memstore", memStore},
	{"boltstore", boltStore},
	{"pgstore", pgStore},
	{"redisstore", redisStore},
}
