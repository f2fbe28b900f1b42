package sqlevidence_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/testsvc"
	"github.com/custos-dev/custos/retention"
	"github.com/custos-dev/custos/retention/sqlevidence"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func openDB(tb testing.TB) *sql.DB {
	tb.Helper()
	db, err := sql.Open("pgx", testsvc.PostgresURL(tb))
	require.NoError(tb, err)
	tb.Cleanup(func() { db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		testsvc.Unavailable(tb, "PostgreSQL", err)
	}
	return db
}

func tableName(tb testing.TB, db *sql.DB) string {
	var b [4]byte
	_, err := rand.Read(b[:])
	require.NoError(tb, err)
	name := "retention_test_evidence_" + hex.EncodeToString(b[:])
	tb.Cleanup(func() { _, _ = db.Exec(`DROP TABLE IF EXISTS ` + name) })
	return name
}

func TestSink(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	table := tableName(t, db)
	require.NoError(t, sqlevidence.Migrate(ctx, db, table))
	require.NoError(t, sqlevidence.Migrate(ctx, db, "public."+table), "idempotent, schema-qualified")
	s, err := sqlevidence.New(db, table)
	require.NoError(t, err)
	at := time.Date(2026, 11, 21, 12, 0, 0, 123456000, time.UTC)
	ds := []retention.Disposition{
		{RecordID: "r1", Category: "orders", Rule: "orders-7y", Action: retention.Delete, Time: at, Actor: "nightly", Outcome: retention.Done},
		{RecordID: "r2", Category: "profiles", Rule: "profiles", Action: retention.Anonymize, Time: at, Actor: "alice", Outcome: retention.SkippedHeld, Early: true},
	}
	require.NoError(t, s.WriteEvidence(ctx, ds))
	require.NoError(t, s.WriteEvidence(ctx, nil))
	rows, err := db.Query(`SELECT record_id, category, rule, action, at, actor, outcome, early FROM ` + table + ` ORDER BY id`)
	require.NoError(t, err)
	var got []string
	for rows.Next() {
		var id, cat, rule, action, actor, outcome string
		var when time.Time
		var early bool
		require.NoError(t, rows.Scan(&id, &cat, &rule, &action, &when, &actor, &outcome, &early))
		got = append(got, fmt.Sprintf("%s %s %s %s %s %s %s %v", id, cat, rule, action, when.UTC().Format(time.RFC3339Nano), actor, outcome, early))
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []string{
		"r1 orders orders-7y delete 2026-11-21T12:00:00.123456Z nightly done false",
		"r2 profiles profiles anonymize 2026-11-21T12:00:00.123456Z alice skipped_held true",
	}, got)
}

func TestSinkConcurrent(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	table := tableName(t, db)
	require.NoError(t, sqlevidence.Migrate(ctx, db, table))
	s, err := sqlevidence.New(db, table)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 10 {
				batch := make([]retention.Disposition, 25)
				for j := range batch {
					batch[j] = retention.Disposition{RecordID: fmt.Sprintf("g%d-%d-%d", g, i, j), Category: "c", Rule: "c",
						Action: retention.Delete, Time: time.Now(), Actor: "a", Outcome: retention.Done}
				}
				assert.NoError(t, s.WriteEvidence(ctx, batch))
			}
		})
	}
	wg.Wait()
	var n, distinct int
	require.NoError(t, db.QueryRow(`SELECT count(*), count(DISTINCT record_id) FROM `+table).Scan(&n, &distinct))
	assert.Equal(t, 8*10*25, n)
	assert.Equal(t, n, distinct)
}

func TestRejects(t *testing.T) {
	db, err := sql.Open("pgx", "postgres://invalid.invalid/x")
	require.NoError(t, err)
	defer db.Close()
	for _, name := range []string{"", "a;b", `"x"`, "a.b.c", "evidence table", "1abc"} {
		_, err := sqlevidence.New(db, name)
		assert.ErrorIs(t, err, sqlevidence.ErrInvalidTable, name)
		assert.ErrorIs(t, sqlevidence.Migrate(context.Background(), db, name), sqlevidence.ErrInvalidTable, name)
	}
	_, err = sqlevidence.New(nil, "evidence")
	assert.Error(t, err)
}

func ExampleNew() {
	db, err := sql.Open("pgx", "postgres://localhost/app") // connects lazily
	if err != nil {
		panic(err)
	}
	defer db.Close()
	// At start-up: sqlevidence.Migrate(ctx, db, "retention_evidence").
	sink, err := sqlevidence.New(db, "retention_evidence")
	fmt.Println(sink != nil, err)
	_, err = sqlevidence.New(db, "evidence; DROP TABLE users")
	fmt.Println(err)
	// Output:
	// true <nil>
	// sqlevidence: invalid table name "evidence; DROP TABLE users"
}

// ExampleMigrate wires the evidence table into a sweep. (It needs a
// database, so it has no output to check.)
func ExampleMigrate() {
	ctx := context.Background()
	db, err := sql.Open("pgx", "postgres://localhost/app")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if err := sqlevidence.Migrate(ctx, db, "retention_evidence"); err != nil {
		panic(err)
	}
	sink, _ := sqlevidence.New(db, "retention_evidence")
	_ = sink.WriteEvidence(ctx, []retention.Disposition{{RecordID: "order-1", Category: "orders", Rule: "orders",
		Action: retention.Delete, Time: time.Now(), Actor: "nightly", Outcome: retention.Done}})
}
