// Package sqlevidence stores retention evidence (dispositions) in a
// PostgreSQL table through database/sql.
//
// Create the table once with [Migrate]; [New] returns a
// [retention.EvidenceSink] that appends each batch of dispositions with one
// INSERT. The table is meant to be append-only: grant the service INSERT
// and SELECT on it, not UPDATE or DELETE.
//
// The sink passes Go slices as array parameters (unnest($1::text[], ...)),
// which the pgx stdlib driver supports; it is written for PostgreSQL.
package sqlevidence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/sqlident"

	"github.com/custos-dev/custos/retention"
)

// ErrInvalidTable is returned for a table name that is not a plain
// (optionally schema-qualified) SQL identifier.
var ErrInvalidTable = errors.New("sqlevidence: invalid table name")

func quote(name string) (string, error) {
	q, ok := sqlident.Quote(name)
	if !ok {
		return "", fmt.Errorf("%w %q", ErrInvalidTable, name)
	}
	return q, nil
}

// Migrate creates the evidence table (and an index on record_id) when they
// do not exist. Columns: id (bigserial), record_id, category, rule, action,
// at (timestamptz), actor, outcome, early, written_at.
func Migrate(ctx context.Context, db *sql.DB, table string) error {
	q, err := quote(table)
	if err != nil {
		return err
	}
	// The index is named after the table; a name too long for an
	// identifier goes without the index.
	idx, ierr := quote(strings.ReplaceAll(table, ".", "_") + "_record_id_idx")
	if ierr != nil {
		idx = ""
	}
	stmts := []string{`CREATE TABLE IF NOT EXISTS ` + q + ` (
		id         bigserial PRIMARY KEY,
		record_id  text NOT NULL,
		category   text NOT NULL,
		rule       text NOT NULL,
		action     text NOT NULL,
		at         timestamptz NOT NULL,
		actor      text NOT NULL,
		outcome    text NOT NULL,
		early      boolean NOT NULL DEFAULT false,
		written_at timestamptz NOT NULL DEFAULT now()
	)`}
	if idx != "" {
		stmts = append(stmts, `CREATE INDEX IF NOT EXISTS `+idx+` ON `+q+` (record_id)`)
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("sqlevidence: migrating %s: %w", table, err)
		}
	}
	return nil
}

// Sink writes dispositions to a table made by [Migrate]. It is immutable
// and safe for concurrent use.
type Sink struct {
	db     *sql.DB
	table  string
	insert string
}

// New returns a sink that writes to table.
func New(db *sql.DB, table string) (*Sink, error) {
	if db == nil {
		return nil, errors.New("sqlevidence: nil *sql.DB")
	}
	q, err := quote(table)
	if err != nil {
		return nil, err
	}
	return &Sink{db: db, table: table, insert: `INSERT INTO ` + q +
		` (record_id, category, rule, action, at, actor, outcome, early)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::boolean[])`}, nil
}

// WriteEvidence appends ds with one statement (all or nothing).
func (s *Sink) WriteEvidence(ctx context.Context, ds []retention.Disposition) error {
	return s.write(ctx, s.db, ds)
}

// WriteEvidenceTx appends ds inside the caller's transaction, so that the
// evidence commits or rolls back together with the acts it records. The
// transaction must belong to the database that holds the table.
func (s *Sink) WriteEvidenceTx(ctx context.Context, tx *sql.Tx, ds []retention.Disposition) error {
	return s.write(ctx, tx, ds)
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *Sink) write(ctx context.Context, db execer, ds []retention.Disposition) error {
	if len(ds) == 0 {
		return nil
	}
	var (
		ids, cats, rules, acts, actors, outs = make([]string, len(ds)), make([]string, len(ds)), make([]string, len(ds)),
			make([]string, len(ds)), make([]string, len(ds)), make([]string, len(ds))
		ats   = make([]time.Time, len(ds))
		early = make([]bool, len(ds))
	)
	for i, d := range ds {
		ids[i], cats[i], rules[i], acts[i] = d.RecordID, d.Category, d.Rule, d.Action.String()
		ats[i], actors[i], outs[i], early[i] = d.Time, d.Actor, d.Outcome.String(), d.Early
	}
	if _, err := db.ExecContext(ctx, s.insert, ids, cats, rules, acts, ats, actors, outs, early); err != nil {
		return fmt.Errorf("sqlevidence: writing %d dispositions to %s: %w", len(ds), s.table, err)
	}
	return nil
}
