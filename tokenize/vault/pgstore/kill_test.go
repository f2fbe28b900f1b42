package pgstore_test

import (
	"context"
	crand "crypto/rand"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/tokenize/vault"
	"github.com/custos-dev/custos/tokenize/vault/pgstore"
)

func batchOf(t *testing.T, n int) []vault.Record {
	created := time.Now().UTC()
	recs := make([]vault.Record, n)
	for i := range recs {
		th, ct, vh := make([]byte, 32), make([]byte, 48), make([]byte, 32)
		for _, b := range [][]byte{th, ct, vh} {
			_, err := crand.Read(b)
			require.NoError(t, err)
		}
		recs[i] = vault.Record{TokenHash: th, Ciphertext: ct, ValueHash: vh, CreatedAt: created,
			ExpiresAt: created.Add(time.Hour), Metadata: map[string]string{"n": "x"}}
	}
	return recs
}

// assertExactly checks that the table holds exactly recs, each unchanged:
// no mapping lost, none duplicated, nothing extra.
func assertExactly(t *testing.T, s *pgstore.Store, admin interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, table string, recs []vault.Record) {
	t.Helper()
	ctx := context.Background()
	var count int
	require.NoError(t, admin.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&count))
	assert.Equal(t, len(recs), count, "rows in table")
	for start := 0; start < len(recs); start += vault.MaxBatchSize {
		chunk := recs[start:min(start+vault.MaxBatchSize, len(recs))]
		hs := make([][]byte, len(chunk))
		for i, r := range chunk {
			hs[i] = r.TokenHash
		}
		got, err := s.GetBatch(ctx, hs)
		require.NoError(t, err)
		for i := range chunk {
			if !assert.Equal(t, chunk[i].Ciphertext, got[i].Ciphertext, "record %d", start+i) {
				return
			}
		}
	}
}

// A connection killed while a batch is half inserted (blocked on a row
// another transaction holds) fails the batch and stores none of it; the
// retry stores all of it, once.
func TestBatchConnectionKilled(t *testing.T) {
	ctx := context.Background()
	admin := pool(t, 2)
	single := pool(t, 1) // one connection, so its backend PID is the batch's
	s, table := newStore(t, single)
	recs := batchOf(t, 1000)
	const blocked = 500

	var pid uint32
	require.NoError(t, single.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid))

	// Hold recs[blocked]'s key in an open transaction, so the batch's insert
	// waits there with rows 0..499 already written.
	blocker, err := admin.Begin(ctx)
	require.NoError(t, err)
	_, err = blocker.Exec(ctx, "INSERT INTO "+pgx.Identifier{table}.Sanitize()+
		" (token_hash, ciphertext, created_at) VALUES ($1, 'x', now())", recs[blocked].TokenHash)
	require.NoError(t, err)

	done := make(chan error, 1)
	go func() { done <- s.PutBatch(ctx, recs) }()

	// Wait until the batch's backend is blocked on the lock, then kill it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting bool
		require.NoError(t, admin.QueryRow(ctx,
			"SELECT coalesce(bool_or(wait_event_type = 'Lock'), false) FROM pg_stat_activity WHERE pid = $1", pid).Scan(&waiting))
		if waiting {
			break
		}
		require.True(t, time.Now().Before(deadline), "batch never blocked")
		time.Sleep(5 * time.Millisecond)
	}
	var killed bool
	require.NoError(t, admin.QueryRow(ctx, "SELECT pg_terminate_backend($1)", pid).Scan(&killed))
	require.True(t, killed)

	err = <-done
	require.Error(t, err, "batch on a killed connection")
	assert.NotErrorIs(t, err, vault.ErrExists)
	assert.Contains(t, err.Error(), "pgstore: ")
	require.NoError(t, blocker.Rollback(ctx))

	// Nothing of the batch is stored.
	assertExactly(t, s, admin, table, nil)

	// The retry (the pool replaces the dead connection) stores it all.
	var retryErr error
	for range 3 {
		if retryErr = s.PutBatch(ctx, recs); retryErr == nil {
			break
		}
	}
	require.NoError(t, retryErr)
	assertExactly(t, s, admin, table, recs)
}

// Connections killed at random moments of a batch (before, during, or after
// its commit) never lose or duplicate a mapping once the batch is retried
// until it succeeds, the ambiguous case of a commit whose answer was lost
// included.
func TestBatchConnectionKilledAtRandom(t *testing.T) {
	ctx := context.Background()
	admin := pool(t, 2)
	single := pool(t, 1)
	s, table := newStore(t, single)
	rng := rand.New(rand.NewPCG(7, 11))
	var all []vault.Record
	failed := 0
	for round := range 15 {
		recs := batchOf(t, 500)
		var pid uint32
		for {
			if err := single.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err == nil {
				break
			}
		}
		done := make(chan error, 1)
		go func() { done <- s.PutBatch(ctx, recs) }()
		time.Sleep(time.Duration(rng.IntN(40000)) * time.Microsecond)
		_, err := admin.Exec(ctx, "SELECT pg_terminate_backend($1)", pid)
		require.NoError(t, err)
		if err := <-done; err != nil {
			failed++
			assert.NotErrorIs(t, err, vault.ErrExists, "round %d", round)
		}
		var retryErr error
		for range 5 {
			if retryErr = s.PutBatch(ctx, recs); retryErr == nil {
				break
			}
			if errors.Is(retryErr, vault.ErrExists) {
				break
			}
		}
		require.NoError(t, retryErr, "round %d retry", round)
		all = append(all, recs...)
	}
	t.Logf("%d of 15 first attempts failed", failed)
	assertExactly(t, s, admin, table, all)
}
