// Package pgtest connects tests to the PostgreSQL server named by
// CUSTOS_POSTGRES_URL (see internal/testsvc).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/custos-dev/custos/internal/testsvc"
)

// Pool connects to the test server and closes the pool when the test ends,
// or skips the test (fails it when services are required) if there is no
// server. maxConns 0 keeps pgxpool's default; configure, when not nil, can
// change the configuration before the pool is made.
func Pool(tb testing.TB, maxConns int32, configure func(*pgxpool.Config)) *pgxpool.Pool {
	tb.Helper()
	cfg, err := pgxpool.ParseConfig(testsvc.PostgresURL(tb))
	if err != nil {
		tb.Fatalf("pgtest: parsing CUSTOS_POSTGRES_URL: %v", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	if configure != nil {
		configure(cfg)
	}
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	if err := p.Ping(context.Background()); err != nil {
		p.Close()
		testsvc.Unavailable(tb, "PostgreSQL", err)
	}
	tb.Cleanup(p.Close)
	return p
}

var tableSeq atomic.Int64

// TableName returns prefix followed by a random tag and a sequence number:
// a table name no other test, in this process or another, is using.
func TableName(prefix string) string {
	var r [4]byte
	_, _ = rand.Read(r[:])
	return fmt.Sprintf("%s_%s_%d", prefix, hex.EncodeToString(r[:]), tableSeq.Add(1))
}
