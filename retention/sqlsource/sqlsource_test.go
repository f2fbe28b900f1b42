package sqlsource_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/testsvc"
	"github.com/custos-dev/custos/retention"
	"github.com/custos-dev/custos/retention/sqlevidence"
	"github.com/custos-dev/custos/retention/sqlsource"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func openDB(tb testing.TB) *sql.DB {
	tb.Helper()
	url := testsvc.PostgresURL(tb)
	db, err := sql.Open("pgx", url)
	require.NoError(tb, err)
	tb.Cleanup(func() { db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		testsvc.Unavailable(tb, "PostgreSQL", err)
	}
	return db
}

// uniqueName returns a table name prefix unique to this test run.
func uniqueName(tb testing.TB, what string) string {
	var b [4]byte
	_, err := rand.Read(b[:])
	require.NoError(tb, err)
	return "retention_test_" + what + "_" + hex.EncodeToString(b[:])
}

func exec(tb testing.TB, db *sql.DB, stmts ...string) {
	tb.Helper()
	for _, s := range stmts {
		_, err := db.Exec(s)
		require.NoError(tb, err, s)
	}
}

// makeTable creates a table of records and a holds table, dropped at the end.
func makeTable(tb testing.TB, db *sql.DB, what string) (table, holds string) {
	tb.Helper()
	table = uniqueName(tb, what)
	holds = table + "_holds"
	exec(tb, db,
		`CREATE TABLE `+table+` (id bigint PRIMARY KEY, category text, subject text, created_at timestamptz,
			legal_hold boolean NOT NULL DEFAULT false, email text, name text, anonymized_at timestamptz)`,
		`CREATE INDEX ON `+table+` (created_at, id)`,
		`CREATE TABLE `+holds+` (record_id bigint PRIMARY KEY)`)
	tb.Cleanup(func() { exec(tb, db, `DROP TABLE IF EXISTS `+table, `DROP TABLE IF EXISTS `+holds) })
	return table, holds
}

type row struct {
	id       int64
	category string
	created  *time.Time
	hold     bool
}

func insertRows(tb testing.TB, db *sql.DB, table string, rows []row) {
	tb.Helper()
	ids, cats, subs, emails := make([]int64, len(rows)), make([]string, len(rows)), make([]string, len(rows)), make([]string, len(rows))
	created, holds := make([]*time.Time, len(rows)), make([]bool, len(rows))
	for i, r := range rows {
		ids[i], cats[i], subs[i], emails[i] = r.id, r.category, fmt.Sprintf("s%d", r.id%1000), fmt.Sprintf("user%d@example.com", r.id)
		created[i], holds[i] = r.created, r.hold
	}
	_, err := db.Exec(`INSERT INTO `+table+` (id, category, subject, created_at, legal_hold, email, name)
		SELECT i, c, s, t, h, e, 'Name' FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::boolean[], $6::text[]) AS u(i, c, s, t, h, e)`,
		ids, cats, subs, created, holds, emails)
	require.NoError(tb, err)
}

func mustPeriod(tb testing.TB, s string) retention.Period {
	p, err := retention.ParsePeriod(s)
	require.NoError(tb, err)
	return p
}

func testPolicies(tb testing.TB) *retention.Policies {
	pol, err := retention.New(retention.Config{Policies: []retention.Policy{
		{Category: "logs", Mode: retention.Governance, Period: mustPeriod(tb, "90d"), Trigger: retention.Created, Action: retention.Delete},
		{Category: "orders", Mode: retention.Compliance, Period: mustPeriod(tb, "7y"), Trigger: retention.Created, Action: retention.Delete},
		{Category: "profiles", Mode: retention.Governance, Period: mustPeriod(tb, "2y"), Trigger: retention.Created, Action: retention.Anonymize},
		{Category: "tickets", Mode: retention.Governance, Period: mustPeriod(tb, "1y6mo"), Trigger: retention.Created, Action: retention.Delete},
		{Category: "legacy", Mode: retention.Governance, RetainUntil: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC), Action: retention.Delete},
	}})
	require.NoError(tb, err)
	return pol
}

func tableConfig(table, holds string) sqlsource.Config {
	return sqlsource.Config{Table: table, IDType: "bigint", TimeColumn: "created_at", CategoryColumn: "category",
		SubjectColumn: "subject", HoldColumn: "legal_hold", HoldsTable: holds,
		AnonymizeSet: "email = NULL, name = 'anonymized'", DisposedColumn: "anonymized_at"}
}

// TestSweepTable: 100,000 rows of mixed categories and holds; after the
// sweep the table's counts match what the evaluator says row by row, and
// the evidence table has one row per action.
func TestSweepTable(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	table, holds := makeTable(t, db, "sweep")
	evidence := table + "_evidence"
	require.NoError(t, sqlevidence.Migrate(ctx, db, evidence))
	require.NoError(t, sqlevidence.Migrate(ctx, db, evidence), "migration is idempotent")
	t.Cleanup(func() { exec(t, db, `DROP TABLE IF EXISTS `+evidence) })

	const n = 100_000
	rng := mrand.New(mrand.NewPCG(42, 42))
	cats := []string{"logs", "orders", "profiles", "tickets", "legacy", "mystery"}
	lo := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	hi := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC).UnixMicro()
	rows := make([]row, n)
	var heldIDs []int64
	for i := range rows {
		r := row{id: int64(i + 1), category: cats[rng.IntN(len(cats))], hold: rng.IntN(100) < 3}
		if rng.IntN(100) > 0 {
			c := time.UnixMicro(lo + rng.Int64N(hi-lo)).UTC()
			r.created = &c
		}
		if rng.IntN(100) < 2 {
			heldIDs = append(heldIDs, r.id)
		}
		rows[i] = r
	}
	insertRows(t, db, table, rows)
	_, err := db.Exec(`INSERT INTO `+holds+` SELECT unnest($1::bigint[]) ON CONFLICT DO NOTHING`, heldIDs)
	require.NoError(t, err)

	// Expected outcome: read the table with plain SQL and evaluate each row.
	pol := testPolicies(t)
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	want := map[string]int{}
	wantDeleted := map[string]int{}
	all, err := db.Query(`SELECT id::text, category, created_at, legal_hold OR EXISTS (SELECT 1 FROM ` + holds + ` h WHERE h.record_id = t.id) FROM ` + table + ` t`)
	require.NoError(t, err)
	for all.Next() {
		var (
			r       retention.Record
			created sql.NullTime
		)
		require.NoError(t, all.Scan(&r.ID, &r.Category, &created, &r.Held))
		r.Created = created.Time
		d, err := pol.Evaluate(&r, now)
		if err != nil {
			want["unknown"]++
			continue
		}
		switch {
		case d.Verdict == retention.Due:
			want[d.Action.String()]++
			if d.Action == retention.Delete {
				wantDeleted[r.Category]++
			}
		case d.Verdict == retention.Held && !d.Until.IsZero() && !now.Before(d.Until):
			want["held_due"]++
		case d.Verdict == retention.Held:
			want["held"]++
		default:
			want["retain"]++
		}
	}
	require.NoError(t, all.Err())
	require.Greater(t, want["delete"], 10000)
	require.Greater(t, want["anonymize"], 5000)
	require.Greater(t, want["held_due"], 1000)

	src, err := sqlsource.New(db, tableConfig(table, holds))
	require.NoError(t, err)
	sink, err := sqlevidence.New(db, evidence)
	require.NoError(t, err)
	// Acts and their evidence commit together; the sweeper's sink (the same
	// table) gets the evidence of holds skipped before acting.
	h := src.Evidenced(sink)
	s, err := retention.NewSweeper(pol, src, sink, retention.SweepConfig{BatchSize: 2000, Actor: "nightly"},
		retention.WithHandler(retention.Delete, h), retention.WithHandler(retention.Anonymize, h),
		retention.WithCheckpoints(&retention.MemoryCheckpoints{}), retention.WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	rep, err := s.Sweep(ctx)
	require.NoError(t, err)
	assert.True(t, rep.Complete)
	assert.Equal(t, want["delete"], rep.Due[retention.Delete])
	assert.Equal(t, want["anonymize"], rep.Due[retention.Anonymize])
	assert.Equal(t, want["held_due"], rep.HeldSkipped)
	assert.Equal(t, want["delete"]+want["anonymize"], rep.Done)
	assert.Zero(t, rep.Failed)

	// The table now.
	count := func(q string, args ...any) int {
		var c int
		require.NoError(t, db.QueryRow(q, args...).Scan(&c), q)
		return c
	}
	assert.Equal(t, n-want["delete"], count(`SELECT count(*) FROM `+table))
	for cat, del := range wantDeleted {
		var before int
		for _, r := range rows {
			if r.category == cat {
				before++
			}
		}
		assert.Equal(t, before-del, count(`SELECT count(*) FROM `+table+` WHERE category = $1`, cat), cat)
	}
	assert.Equal(t, want["anonymize"], count(`SELECT count(*) FROM `+table+` WHERE anonymized_at IS NOT NULL`))
	assert.Equal(t, want["anonymize"], count(`SELECT count(*) FROM `+table+` WHERE email IS NULL AND name = 'anonymized'`))
	assert.Zero(t, count(`SELECT count(*) FROM `+table+` WHERE anonymized_at IS NOT NULL AND category <> 'profiles'`))
	// Every held row is still there, untouched.
	assert.Zero(t, count(`SELECT count(*) FROM unnest($1::bigint[]) AS h(id) WHERE NOT EXISTS (SELECT 1 FROM `+table+` t WHERE t.id = h.id)`, heldIDs))
	assert.Zero(t, count(`SELECT count(*) FROM `+table+` t WHERE (legal_hold OR EXISTS (SELECT 1 FROM `+holds+` h WHERE h.record_id = t.id)) AND anonymized_at IS NOT NULL`))

	// The evidence: one row per action, one per held skip.
	assert.Equal(t, want["delete"]+want["anonymize"], count(`SELECT count(*) FROM `+evidence+` WHERE outcome = 'done'`))
	assert.Equal(t, want["delete"]+want["anonymize"], count(`SELECT count(DISTINCT record_id) FROM `+evidence+` WHERE outcome = 'done'`))
	assert.Equal(t, want["delete"], count(`SELECT count(*) FROM `+evidence+` WHERE outcome = 'done' AND action = 'delete'`))
	assert.Equal(t, want["held_due"], count(`SELECT count(*) FROM `+evidence+` WHERE outcome = 'skipped_held'`))
	assert.Equal(t, want["delete"]+want["anonymize"]+want["held_due"], count(`SELECT count(*) FROM `+evidence))
	assert.Zero(t, count(`SELECT count(*) FROM `+evidence+` e WHERE e.outcome = 'done' AND e.action = 'delete' AND EXISTS (SELECT 1 FROM `+table+` t WHERE t.id::text = e.record_id)`))
	assert.Equal(t, want["delete"]+want["anonymize"]+want["held_due"], count(`SELECT count(*) FROM `+evidence+` WHERE actor = 'nightly' AND at = $1`, now))

	// A second sweep finds nothing more to do.
	rep, err = s.Sweep(ctx)
	require.NoError(t, err)
	assert.Zero(t, rep.Done)
	assert.Equal(t, want["held_due"], rep.HeldSkipped)
}

// A hold placed after a row was read (between the page and the delete)
// still protects it.
func TestHoldPlacedDuringSweep(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	table, holds := makeTable(t, db, "race")
	old := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	insertRows(t, db, table, []row{{id: 1, category: "logs", created: &old}, {id: 2, category: "logs", created: &old},
		{id: 3, category: "profiles", created: &old}, {id: 4, category: "profiles", created: &old}})
	src, err := sqlsource.New(db, tableConfig(table, holds))
	require.NoError(t, err)
	b, err := src.Next(ctx, "", 10)
	require.NoError(t, err)
	require.Len(t, b.Records, 4)
	exec(t, db, `INSERT INTO `+holds+` VALUES (2)`, `UPDATE `+table+` SET legal_hold = true WHERE id = 4`)

	out := []retention.Outcome{retention.Done, retention.Done}
	require.NoError(t, src.Dispose(ctx, retention.Delete, b.Records[:2], out))
	assert.Equal(t, []retention.Outcome{retention.Done, retention.SkippedHeld}, out)
	out = []retention.Outcome{retention.Done, retention.Done}
	require.NoError(t, src.Dispose(ctx, retention.Anonymize, b.Records[2:], out))
	assert.Equal(t, []retention.Outcome{retention.Done, retention.SkippedHeld}, out)

	var ids []int64
	rows, err := db.Query(`SELECT id FROM ` + table + ` WHERE anonymized_at IS NULL ORDER BY id`)
	require.NoError(t, err)
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	assert.Equal(t, []int64{2, 4}, ids)

	// Acting again is idempotent.
	out = []retention.Outcome{retention.Done, retention.Done}
	require.NoError(t, src.Dispose(ctx, retention.Delete, b.Records[:2], out))
	assert.Equal(t, []retention.Outcome{retention.Done, retention.SkippedHeld}, out)
	assert.Error(t, src.Dispose(ctx, retention.Archive, b.Records[:1], out[:1]))
}

// Paging: a fixed category, a text ID, equal timestamps across pages, NULL
// timestamps skipped on request, and the trigger mapped to the right field.
func TestPaging(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	table := uniqueName(t, "paging")
	exec(t, db, `CREATE TABLE `+table+` (key text PRIMARY KEY, closed_at timestamptz)`)
	t.Cleanup(func() { exec(t, db, `DROP TABLE IF EXISTS `+table) })
	same := time.Date(2026, 1, 1, 0, 0, 0, 123456000, time.UTC)
	_, err := db.Exec(`INSERT INTO `+table+` SELECT 'k' || lpad(i::text, 3, '0'), CASE WHEN i % 10 = 0 THEN NULL ELSE $1::timestamptz END FROM generate_series(1, 95) i`, same)
	require.NoError(t, err)
	src, err := sqlsource.New(db, sqlsource.Config{Table: "public." + table, IDColumn: "key", TimeColumn: "closed_at",
		Trigger: retention.Event, Category: "accounts", SkipNullTimes: true})
	require.NoError(t, err)
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 20)
		b, err := src.Next(ctx, cursor, 7)
		require.NoError(t, err)
		if len(b.Records) == 0 {
			break
		}
		for _, r := range b.Records {
			assert.Equal(t, "accounts", r.Category)
			assert.Equal(t, same, r.EventAt.UTC())
			assert.True(t, r.Created.IsZero())
			got = append(got, r.ID)
		}
		cursor = b.Next
	}
	assert.Len(t, got, 95-9)
	assert.Equal(t, "k001", got[0])
	assert.Equal(t, "k095", got[len(got)-1])
	for i := 1; i < len(got); i++ {
		assert.Less(t, got[i-1], got[i])
	}
	_, err = src.Next(ctx, "garbage", 7)
	assert.ErrorIs(t, err, sqlsource.ErrBadCursor)
	for _, c := range []string{"yesterday|k001", "t|yesterday|k001", "t|2026-01-01T00:00:00Z", "n|k001", "x|k001"} {
		_, err = src.Next(ctx, c, 7)
		assert.ErrorIs(t, err, sqlsource.ErrBadCursor, c)
	}
	// Without SkipNullTimes the NULL rows come first, in key order.
	all, err := sqlsource.New(db, sqlsource.Config{Table: table, IDColumn: "key", TimeColumn: "closed_at", Category: "accounts"})
	require.NoError(t, err)
	got = got[:0]
	cursor = ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 30)
		b, err := all.Next(ctx, cursor, 4)
		require.NoError(t, err)
		if len(b.Records) == 0 {
			break
		}
		for _, r := range b.Records {
			got = append(got, r.ID)
		}
		cursor = b.Next
	}
	require.Len(t, got, 95)
	assert.Equal(t, []string{"k010", "k020", "k030", "k040", "k050", "k060", "k070", "k080", "k090", "k001", "k002"}, got[:11])
	assert.Error(t, src.Dispose(ctx, retention.Anonymize, []retention.Record{{ID: "k001"}}, []retention.Outcome{retention.Done}),
		"no anonymize set configured")
}

func TestNewRejects(t *testing.T) {
	db, err := sql.Open("pgx", "postgres://invalid.invalid/x")
	require.NoError(t, err)
	defer db.Close()
	good := sqlsource.Config{Table: "t", TimeColumn: "ts", Category: "c"}
	for name, f := range map[string]func(*sqlsource.Config){
		"no time column":       func(c *sqlsource.Config) { c.TimeColumn = "" },
		"no category":          func(c *sqlsource.Config) { c.Category = "" },
		"two categories":       func(c *sqlsource.Config) { c.CategoryColumn = "cat" },
		"injected table":       func(c *sqlsource.Config) { c.Table = "t; DROP TABLE x" },
		"quoted table":         func(c *sqlsource.Config) { c.Table = `"t"` },
		"three parts":          func(c *sqlsource.Config) { c.Table = "a.b.c" },
		"bad column":           func(c *sqlsource.Config) { c.TimeColumn = "ts)--" },
		"bad id type":          func(c *sqlsource.Config) { c.IDType = "int; --" },
		"anonymize no marker":  func(c *sqlsource.Config) { c.AnonymizeSet = "a = NULL" },
		"marker no anonymize":  func(c *sqlsource.Config) { c.DisposedColumn = "done_at" },
		"two statements":       func(c *sqlsource.Config) { c.AnonymizeSet = "a = NULL; DROP TABLE t"; c.DisposedColumn = "d" },
		"bad holds id column":  func(c *sqlsource.Config) { c.HoldsTable = "h"; c.HoldsIDColumn = "x y" },
		"bad subject column":   func(c *sqlsource.Config) { c.SubjectColumn = "über" },
		"bad disposed column":  func(c *sqlsource.Config) { c.AnonymizeSet = "a = NULL"; c.DisposedColumn = "1d" },
		"bad category column":  func(c *sqlsource.Config) { c.Category = ""; c.CategoryColumn = "" },
		"overlong column name": func(c *sqlsource.Config) { c.TimeColumn = fmt.Sprintf("%070d", 0) },
	} {
		t.Run(name, func(t *testing.T) {
			c := good
			f(&c)
			_, err := sqlsource.New(db, c)
			assert.ErrorIs(t, err, sqlsource.ErrInvalidConfig)
		})
	}
	_, err = sqlsource.New(db, good)
	assert.NoError(t, err)
	_, err = sqlsource.New(nil, good)
	assert.ErrorIs(t, err, sqlsource.ErrInvalidConfig)
}

// TestTableConcurrent hammers one Table from many goroutines: pages read
// concurrently equal pages read alone, and overlapping concurrent deletes
// remove every row exactly once.
func TestTableConcurrent(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	table, holds := makeTable(t, db, "conc")
	old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([]row, 2000)
	for i := range rows {
		c := old.Add(time.Duration(i%300) * time.Hour)
		rows[i] = row{id: int64(i + 1), category: "logs", created: &c, hold: i%97 == 0}
	}
	insertRows(t, db, table, rows)
	src, err := sqlsource.New(db, tableConfig(table, holds))
	require.NoError(t, err)

	readAll := func() []retention.Record {
		var out []retention.Record
		cursor := ""
		for {
			b, err := src.Next(ctx, cursor, 150)
			if !assert.NoError(t, err) || len(b.Records) == 0 {
				return out
			}
			out = append(out, b.Records...)
			cursor = b.Next
		}
	}
	want := readAll()
	require.Len(t, want, 2000)
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() { assert.Equal(t, want, readAll()) })
	}
	wg.Wait()

	// Overlapping deletes: goroutine g deletes records [g*300, g*300+600).
	var mu sync.Mutex
	skipped := map[string]bool{}
	for g := range 6 {
		wg.Go(func() {
			lo := g * 300
			hi := min(lo+600, len(want))
			recs := want[lo:hi]
			out := make([]retention.Outcome, len(recs))
			for i := range out {
				out[i] = retention.Done
			}
			assert.NoError(t, src.Dispose(ctx, retention.Delete, recs, out))
			mu.Lock()
			for i, o := range out {
				if o == retention.SkippedHeld {
					skipped[recs[i].ID] = true
				}
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	var left int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM `+table).Scan(&left))
	nHeld := 0
	for _, r := range rows {
		if r.hold {
			nHeld++
		}
	}
	assert.Equal(t, nHeld, left, "only held rows remain")
	assert.Len(t, skipped, nHeld)
}

// crashingHandler applies the first half of the records of its failAt-th
// call and then fails, like a process killed mid-batch.
type crashingHandler struct {
	h      retention.Handler
	calls  int
	failAt int
}

var errKilled = errors.New("killed")

func (c *crashingHandler) Dispose(ctx context.Context, a retention.Action, recs []retention.Record, out []retention.Outcome) error {
	c.calls++
	if c.calls == c.failAt {
		half := len(recs) / 2
		if err := c.h.Dispose(ctx, a, recs[:half], out[:half]); err != nil {
			return err
		}
		return errKilled
	}
	return c.h.Dispose(ctx, a, recs, out)
}

// TestSweepKilledAndRestarted: on PostgreSQL with checkpoints in a table, a
// sweep killed after a random number of batches and started again (as a
// new sweeper) leaves the table as an uninterrupted sweep does.
func TestSweepKilledAndRestarted(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	pol := testPolicies(t)
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	rng := mrand.New(mrand.NewPCG(3, 3))
	cats := []string{"logs", "orders", "profiles", "tickets", "legacy"}
	lo := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	rows := make([]row, 3000)
	for i := range rows {
		c := time.UnixMicro(lo + rng.Int64N(12*365*86400*1e6)).UTC()
		rows[i] = row{id: int64(i + 1), category: cats[rng.IntN(len(cats))], created: &c, hold: rng.IntN(20) == 0}
	}
	cpTable := uniqueName(t, "checkpoints")
	require.NoError(t, sqlsource.MigrateCheckpoints(ctx, db, cpTable))
	require.NoError(t, sqlsource.MigrateCheckpoints(ctx, db, cpTable))
	t.Cleanup(func() { exec(t, db, `DROP TABLE IF EXISTS `+cpTable) })

	snapshot := func(table string) []string {
		rs, err := db.Query(`SELECT id::text || ':' || coalesce(email, '-') || ':' || (anonymized_at IS NOT NULL)::text FROM ` + table + ` ORDER BY id`)
		require.NoError(t, err)
		defer rs.Close()
		var out []string
		for rs.Next() {
			var s string
			require.NoError(t, rs.Scan(&s))
			out = append(out, s)
		}
		return out
	}
	run := func(failAt int) []string {
		table, holds := makeTable(t, db, "kill")
		insertRows(t, db, table, rows)
		src, err := sqlsource.New(db, tableConfig(table, holds))
		require.NoError(t, err)
		cps, err := sqlsource.NewCheckpoints(db, cpTable)
		require.NoError(t, err)
		mk := func(h retention.Handler) *retention.Sweeper {
			s, err := retention.NewSweeper(pol, src, &countSink{}, retention.SweepConfig{BatchSize: 100, Name: table},
				retention.WithHandler(retention.Delete, h), retention.WithHandler(retention.Anonymize, h),
				retention.WithCheckpoints(cps), retention.WithClock(func() time.Time { return now }))
			require.NoError(t, err)
			return s
		}
		if failAt > 0 {
			_, err := mk(&crashingHandler{h: src, failAt: failAt}).Sweep(ctx)
			require.ErrorIs(t, err, errKilled)
		}
		rep, err := mk(src).Sweep(ctx)
		require.NoError(t, err)
		assert.Equal(t, failAt > 2, rep.Resumed, "resumed from the checkpoint") // the first batches hold two actions
		_, left, err := cps.Load(ctx, table)
		require.NoError(t, err)
		assert.False(t, left)
		return snapshot(table)
	}
	want := run(0)
	for range 3 {
		failAt := 3 + rng.IntN(40)
		assert.Equal(t, want, run(failAt), "killed at handler call %d", failAt)
	}
}

// An act whose evidence cannot be written is rolled back with it.
func TestEvidencedRollback(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	table, holds := makeTable(t, db, "rollback")
	old := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	insertRows(t, db, table, []row{{id: 1, category: "logs", created: &old}, {id: 2, category: "profiles", created: &old}})
	src, err := sqlsource.New(db, tableConfig(table, holds))
	require.NoError(t, err)
	missing, err := sqlevidence.New(db, table+"_no_such_table")
	require.NoError(t, err)
	h := src.Evidenced(missing)
	b, err := src.Next(ctx, "", 10)
	require.NoError(t, err)
	require.Len(t, b.Records, 2)
	ev := []retention.Disposition{{RecordID: "1", Outcome: retention.Done}}
	assert.Error(t, h.DisposeWithEvidence(ctx, retention.Delete, b.Records[:1], ev))
	ev = []retention.Disposition{{RecordID: "2", Outcome: retention.Done}}
	assert.Error(t, h.DisposeWithEvidence(ctx, retention.Anonymize, b.Records[1:], ev))
	var n, anon int
	require.NoError(t, db.QueryRow(`SELECT count(*), count(anonymized_at) FROM `+table).Scan(&n, &anon))
	assert.Equal(t, 2, n, "the delete was rolled back")
	assert.Zero(t, anon, "the anonymization was rolled back")

	// Through a sweeper: the failure is reported and recorded in its sink.
	pol := testPolicies(t)
	sink := &recordingSink{}
	s, err := retention.NewSweeper(pol, src, sink, retention.SweepConfig{},
		retention.WithHandler(retention.Delete, h), retention.WithHandler(retention.Anonymize, h))
	require.NoError(t, err)
	rep, err := s.Sweep(ctx)
	assert.Error(t, err)
	assert.Equal(t, 1, rep.Failed)
	require.Len(t, sink.ds, 1)
	assert.Equal(t, retention.Failed, sink.ds[0].Outcome)
}

type recordingSink struct{ ds []retention.Disposition }

func (r *recordingSink) WriteEvidence(_ context.Context, ds []retention.Disposition) error {
	r.ds = append(r.ds, ds...)
	return nil
}

func TestCheckpointsConcurrent(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	table := uniqueName(t, "cps")
	require.NoError(t, sqlsource.MigrateCheckpoints(ctx, db, table))
	t.Cleanup(func() { exec(t, db, `DROP TABLE IF EXISTS `+table) })
	cps, err := sqlsource.NewCheckpoints(db, table)
	require.NoError(t, err)
	_, ok, err := cps.Load(ctx, "none")
	require.NoError(t, err)
	assert.False(t, ok)
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			name := fmt.Sprint("sweep-", g)
			for i := range 20 {
				assert.NoError(t, cps.Save(ctx, name, fmt.Sprint("t|2026-01-01T00:00:00Z|", i)))
			}
			c, ok, err := cps.Load(ctx, name)
			assert.NoError(t, err)
			assert.True(t, ok)
			assert.Equal(t, "t|2026-01-01T00:00:00Z|19", c)
			if g%2 == 0 {
				assert.NoError(t, cps.Clear(ctx, name))
			}
		})
	}
	wg.Wait()
	for g := range 6 {
		_, ok, err := cps.Load(ctx, fmt.Sprint("sweep-", g))
		require.NoError(t, err)
		assert.Equal(t, g%2 == 1, ok)
	}
	_, err = sqlsource.NewCheckpoints(db, "bad name")
	assert.ErrorIs(t, err, sqlsource.ErrInvalidConfig)
}
