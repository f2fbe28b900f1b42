package sqlsource_test

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/custos-dev/custos/retention"
	"github.com/custos-dev/custos/retention/sqlevidence"
	"github.com/custos-dev/custos/retention/sqlsource"
)

func ExampleNew() {
	db, err := sql.Open("pgx", "postgres://localhost/app") // connects lazily
	if err != nil {
		panic(err)
	}
	defer db.Close()
	_, err = sqlsource.New(db, sqlsource.Config{
		Table: "public.sessions", IDType: "bigint", TimeColumn: "last_seen_at",
		Trigger: retention.LastActivity, Category: "sessions",
		HoldColumn: "legal_hold", AnonymizeSet: "ip = NULL, user_agent = NULL", DisposedColumn: "anonymized_at",
	})
	fmt.Println(err)
	_, err = sqlsource.New(db, sqlsource.Config{Table: "sessions; DROP TABLE users", TimeColumn: "ts", Category: "sessions"})
	fmt.Println(err)
	// Output:
	// <nil>
	// sqlsource: invalid config: identifier "sessions; DROP TABLE users" is not a plain SQL name
}

// Example_sweep sweeps an orders table nightly, with evidence in
// PostgreSQL. (It needs a database, so it has no output to check.)
func Example_sweep() {
	ctx := context.Background()
	db, err := sql.Open("pgx", "postgres://localhost/app")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	period, _ := retention.ParsePeriod("7y")
	pol, err := retention.New(retention.Config{Policies: []retention.Policy{{Category: "orders",
		Mode: retention.Compliance, Period: period, Trigger: retention.Created, Action: retention.Delete}}})
	if err != nil {
		panic(err)
	}
	orders, err := sqlsource.New(db, sqlsource.Config{Table: "orders", IDType: "bigint", TimeColumn: "created_at",
		Category: "orders", HoldsTable: "legal_holds", SkipNullTimes: true})
	if err != nil {
		panic(err)
	}
	if err := sqlevidence.Migrate(ctx, db, "retention_evidence"); err != nil {
		panic(err)
	}
	sink, _ := sqlevidence.New(db, "retention_evidence")
	s, err := retention.NewSweeper(pol, orders, sink, retention.SweepConfig{BatchSize: 1000, RecordsPerSecond: 20000},
		retention.WithHandler(retention.Delete, orders), retention.WithCheckpoints(&retention.MemoryCheckpoints{}))
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	rep, err := s.Sweep(ctx)
	fmt.Println(rep.Done, err)
}

func ExampleNewCheckpoints() {
	db, err := sql.Open("pgx", "postgres://localhost/app") // connects lazily
	if err != nil {
		panic(err)
	}
	defer db.Close()
	// At start-up: sqlsource.MigrateCheckpoints(ctx, db, "retention_checkpoints").
	cps, err := sqlsource.NewCheckpoints(db, "retention_checkpoints")
	fmt.Println(cps != nil, err)
	// Pass it to retention.NewSweeper with retention.WithCheckpoints(cps).
	// Output:
	// true <nil>
}
