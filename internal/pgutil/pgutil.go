// Package pgutil holds what the PostgreSQL adapters built on pgx share.
package pgutil

import (
	"context"
	"hash/fnv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// MigrateLocked runs stmts (typically CREATE ... IF NOT EXISTS) in one
// transaction that first takes a transaction-scoped advisory lock keyed by
// a 64-bit FNV-1a hash of lock: CREATE TABLE IF NOT EXISTS is not safe
// against itself running concurrently, and the lock makes concurrent
// migrations of the same tables wait for each other. The error is pgx's,
// unwrapped; callers add their own context.
func MigrateLocked(ctx context.Context, pool *pgxpool.Pool, lock string, stmts []string) error {
	h := fnv.New64a()
	h.Write([]byte(lock))
	key := int64(h.Sum64())
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, key); err != nil {
			return err
		}
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
}
