package pgstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/internal/pgtest"
	"github.com/custos-dev/custos/internal/testsvc"
	"github.com/custos-dev/custos/tokenize/vault"
	"github.com/custos-dev/custos/tokenize/vault/pgstore"
	"github.com/custos-dev/custos/tokenize/vault/storetest"
)

// pool connects to the test server, or skips (fails when services are
// required) if there is none. maxConns 0 keeps pgxpool's default.
func pool(tb testing.TB, maxConns int32) *pgxpool.Pool {
	tb.Helper()
	return pgtest.Pool(tb, maxConns, nil)
}

// newTable migrates a table with a name unique to this run and drops it when
// the test ends.
func newTable(tb testing.TB, p *pgxpool.Pool) string {
	tb.Helper()
	name := pgtest.TableName("custos_vault_test")
	require.NoError(tb, pgstore.Migrate(context.Background(), p, name))
	tb.Cleanup(func() {
		_, err := p.Exec(context.Background(), "DROP TABLE IF EXISTS "+pgx.Identifier{name}.Sanitize())
		assert.NoError(tb, err)
	})
	return name
}

func newStore(tb testing.TB, p *pgxpool.Pool) (*pgstore.Store, string) {
	name := newTable(tb, p)
	s, err := pgstore.New(p, name)
	require.NoError(tb, err)
	return s, name
}

func TestConformance(t *testing.T) {
	p := pool(t, 8)
	storetest.Run(t, func(t *testing.T) vault.Store {
		s, _ := newStore(t, p)
		return s
	})
}

// A pool without a statement description cache (as some poolers need) runs
// the lookups of hash arrays in pgx's Exec mode instead: the suite passes
// there too.
func TestConformanceNoDescriptionCache(t *testing.T) {
	p := pgtest.Pool(t, 8, func(cfg *pgxpool.Config) {
		cfg.ConnConfig.DescriptionCacheCapacity = 0
		cfg.ConnConfig.StatementCacheCapacity = 0
		cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	})
	storetest.Run(t, func(t *testing.T) vault.Store {
		s, _ := newStore(t, p)
		return s
	})
}

func TestTableNames(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"tokens", true},
		{"Vault_2", true},
		{"_x", true},
		{"app.tokens", true},
		{"", false},
		{"2tokens", false},
		{"tokens; DROP TABLE x", false},
		{`to"kens`, false},
		{"a.b.c", false},
		{"app.", false},
		{".tokens", false},
		{"tökens", false},
		{"t-1", false},
		{string(make([]byte, pgstore.MaxTableNameLength+1)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pgstore.New(nil, tt.name)
			if tt.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, pgstore.ErrInvalidTable)
				assert.ErrorIs(t, pgstore.Migrate(context.Background(), nil, tt.name), pgstore.ErrInvalidTable)
			}
		})
	}
	long := "a"
	for len(long) < pgstore.MaxTableNameLength {
		long += "a"
	}
	_, err := pgstore.New(nil, long)
	assert.NoError(t, err)
}

// Migrate is idempotent and safe to run concurrently, and works in a schema.
func TestMigrate(t *testing.T) {
	ctx := context.Background()
	p := pool(t, 4)
	name := newTable(t, p)
	errs := make(chan error, 4)
	for range 4 {
		go func() { errs <- pgstore.Migrate(ctx, p, name) }()
	}
	for range 4 {
		assert.NoError(t, <-errs)
	}

	var r [4]byte
	_, _ = rand.Read(r[:])
	schema := "custos_vault_schema_" + hex.EncodeToString(r[:])
	_, err := p.Exec(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := p.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		assert.NoError(t, err)
	})
	require.NoError(t, pgstore.Migrate(ctx, p, schema+".tokens"))
	s, err := pgstore.New(p, schema+".tokens")
	require.NoError(t, err)
	_, err = s.Get(ctx, []byte{1})
	assert.ErrorIs(t, err, vault.ErrNotFound)
	var n int
	require.NoError(t, p.QueryRow(ctx,
		"SELECT count(*) FROM pg_indexes WHERE schemaname = $1 AND tablename = 'tokens'", schema).Scan(&n))
	assert.Equal(t, 4, n, "primary key and three indexes")

	// A store on a table that was never migrated fails with the driver's
	// error, not ErrNotFound.
	s, err = pgstore.New(p, "custos_vault_never_migrated")
	require.NoError(t, err)
	_, err = s.Get(ctx, []byte{1})
	assert.Error(t, err)
	assert.NotErrorIs(t, err, vault.ErrNotFound)
}

func Example() {
	ctx := context.Background()
	url := os.Getenv(testsvc.EnvPostgresURL)
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		panic(err)
	}
	defer pool.Close()
	const table = "custos_vault_example"
	if err := pgstore.Migrate(ctx, pool, table); err != nil {
		panic(err)
	}
	defer pool.Exec(ctx, "DROP TABLE "+table)
	s, err := pgstore.New(pool, table)
	if err != nil {
		panic(err)
	}

	created := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	recs := []vault.Record{
		{TokenHash: []byte("hmac-of-token-1"), Ciphertext: []byte("aead-1"), CreatedAt: created},
		{TokenHash: []byte("hmac-of-token-2"), Ciphertext: []byte("aead-2"), CreatedAt: created},
	}
	fmt.Println(s.PutBatch(ctx, recs))
	got, err := s.GetBatch(ctx, [][]byte{[]byte("hmac-of-token-2"), []byte("unknown")})
	fmt.Println(string(got[0].Ciphertext), got[1].TokenHash == nil, err)
	// Output:
	// <nil>
	// aead-2 true <nil>
}

func BenchmarkStore(b *testing.B) {
	p := pool(b, 4)
	storetest.Benchmark(b, func(b *testing.B) vault.Store {
		s, _ := newStore(b, p)
		return s
	})
}
