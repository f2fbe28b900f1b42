package sqlsource_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/custos-dev/custos/retention"
	"github.com/custos-dev/custos/retention/sqlevidence"
	"github.com/custos-dev/custos/retention/sqlsource"
	"github.com/stretchr/testify/require"
)

// benchRows is the table size per benchmark iteration: 20,000 rows by
// default (cheap enough for CI's single iteration), more with
// CUSTOS_RETENTION_BENCH_ROWS=N.
func benchRows(b *testing.B) int {
	if s := os.Getenv("CUSTOS_RETENTION_BENCH_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(b, err)
		return n
	}
	return 20_000
}

type countSink struct{ n int }

func (c *countSink) WriteEvidence(_ context.Context, ds []retention.Disposition) error {
	c.n += len(ds)
	return nil
}

// rowAtATime is the peer: the same source, but one statement per row. With
// autocommit each statement is its own transaction, the way a naive handler
// (or an ORM's per-object delete) does it; without, the statements of a
// batch share one transaction and a prepared statement, a stronger peer.
type rowAtATime struct {
	db         *sql.DB
	query      string
	autocommit bool
}

func (h rowAtATime) Dispose(ctx context.Context, _ retention.Action, recs []retention.Record, out []retention.Outcome) error {
	if h.autocommit {
		for i, r := range recs {
			res, err := h.db.ExecContext(ctx, h.query, r.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				out[i] = retention.SkippedHeld
			}
		}
		return nil
	}
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck
	stmt, err := tx.PrepareContext(ctx, h.query)
	if err != nil {
		return err
	}
	for i, r := range recs {
		res, err := stmt.ExecContext(ctx, r.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			out[i] = retention.SkippedHeld
		}
	}
	return tx.Commit()
}

// BenchmarkSQLSweep sweeps a PostgreSQL table whose rows are all due, to
// delete or anonymize them, with the batch adapter at batch sizes 100,
// 1,000 and 10,000, and with two row-at-a-time peers (batches of 1,000
// read, one statement per row): "row-at-a-time" in autocommit, run on at
// most 400 rows since each row costs a commit, and "row-at-a-time-tx" with
// one transaction per batch. It reports rows/s for the whole sweep and
// dispose-rows/s for the time spent in the handler alone. Table refill is
// not timed.
func BenchmarkSQLSweep(b *testing.B) {
	db := openDB(b)
	ctx := context.Background()
	n := benchRows(b)
	pol := testPolicies(b)
	old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([]row, n)
	for i := range rows {
		c := old.Add(time.Duration(i) * time.Second)
		cat := "logs"
		if i%2 == 1 {
			cat = "profiles"
		}
		rows[i] = row{id: int64(i + 1), category: cat, created: &c}
	}
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	type variant struct {
		name     string
		category string
		batch    int
		rowByRow string // "", "autocommit" or "tx"
		pgSink   bool
	}
	var variants []variant
	for _, op := range []string{"delete", "anonymize"} {
		cat := map[string]string{"delete": "logs", "anonymize": "profiles"}[op]
		for _, bs := range []int{100, 1000, 10000} {
			variants = append(variants, variant{name: fmt.Sprintf("op=%s/batch=%d", op, bs), category: cat, batch: bs})
		}
		variants = append(variants,
			variant{name: fmt.Sprintf("op=%s/row-at-a-time", op), category: cat, batch: 1000, rowByRow: "autocommit"},
			variant{name: fmt.Sprintf("op=%s/row-at-a-time-tx", op), category: cat, batch: 1000, rowByRow: "tx"})
	}
	// Evidence in PostgreSQL, written in the delete's own transaction.
	variants = append(variants, variant{name: "op=delete/batch=1000/evidenced", category: "logs", batch: 1000, pgSink: true})

	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			table, holds := makeTable(b, db, "bench")
			// Every row of the benchmarked category.
			var mine []row
			for _, r := range rows {
				if r.category == v.category {
					mine = append(mine, r)
				}
			}
			for i := range mine {
				mine[i].id = int64(i + 1)
			}
			if v.rowByRow == "autocommit" {
				mine = mine[:min(len(mine), 400)]
			}
			cfg := tableConfig(table, holds)
			cfg.Category, cfg.CategoryColumn = v.category, ""
			src, err := sqlsource.New(db, cfg)
			require.NoError(b, err)
			var h retention.Handler = src
			if v.rowByRow != "" {
				held := "(COALESCE(t.legal_hold, false) OR EXISTS (SELECT 1 FROM " + holds + " h WHERE h.record_id = t.id))"
				q := "DELETE FROM " + table + " t WHERE t.id = $1::text::bigint AND NOT " + held
				if v.category == "profiles" {
					q = "UPDATE " + table + " t SET email = NULL, name = 'anonymized', anonymized_at = now() WHERE t.id = $1::text::bigint AND t.anonymized_at IS NULL AND NOT " + held
				}
				h = rowAtATime{db: db, query: q, autocommit: v.rowByRow == "autocommit"}
			}
			timed := &timedHandler{h: h}
			var handler retention.Handler = timed
			var sink retention.EvidenceSink = &countSink{}
			if v.pgSink {
				ev := table + "_evidence"
				require.NoError(b, sqlevidence.Migrate(ctx, db, ev))
				b.Cleanup(func() { exec(b, db, `DROP TABLE IF EXISTS `+ev) })
				pg, err := sqlevidence.New(db, ev)
				require.NoError(b, err)
				sink = pg
				eh := src.Evidenced(pg)
				timed.h = eh
				handler = timedEvidencing{timedHandler: timed, eh: eh}
			}
			s, err := retention.NewSweeper(pol, src, sink, retention.SweepConfig{BatchSize: v.batch},
				retention.WithHandler(retention.Delete, handler), retention.WithHandler(retention.Anonymize, handler),
				retention.WithClock(func() time.Time { return now }))
			require.NoError(b, err)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				exec(b, db, `TRUNCATE `+table)
				insertRows(b, db, table, mine)
				exec(b, db, `ANALYZE `+table)
				b.StartTimer()
				rep, err := s.Sweep(ctx)
				require.NoError(b, err)
				if rep.Done != len(mine) {
					b.Fatalf("done %d of %d", rep.Done, len(mine))
				}
			}
			b.ReportMetric(float64(len(mine))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(len(mine))*float64(b.N)/timed.d.Seconds(), "dispose-rows/s")
		})
	}
}

// timedHandler measures the time spent in a handler.
type timedHandler struct {
	h retention.Handler
	d time.Duration
}

func (t *timedHandler) Dispose(ctx context.Context, a retention.Action, recs []retention.Record, out []retention.Outcome) error {
	start := time.Now()
	err := t.h.Dispose(ctx, a, recs, out)
	t.d += time.Since(start)
	return err
}

// timedEvidencing measures the time spent in an evidencing handler.
type timedEvidencing struct {
	*timedHandler
	eh retention.EvidencingHandler
}

func (t timedEvidencing) DisposeWithEvidence(ctx context.Context, a retention.Action, recs []retention.Record, ev []retention.Disposition) error {
	start := time.Now()
	err := t.eh.DisposeWithEvidence(ctx, a, recs, ev)
	t.d += time.Since(start)
	return err
}
