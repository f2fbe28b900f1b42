// Package sqlsource sweeps a SQL table for retention: it is a
// [retention.Source] that pages through the table by its timestamp column,
// and a [retention.Handler] that deletes or anonymizes due rows in batches.
//
// It uses database/sql only. It is written and tested for PostgreSQL (with
// the pgx stdlib driver, which passes Go slices as arrays): batch statements
// take the IDs as one array parameter (id = ANY($1)), keyset pagination
// compares row values ((ts, id) > ($1, $2)), and RETURNING reports which
// rows were acted on. Other databases need a driver that accepts a []string
// parameter as an array, and these SQL forms.
//
// # Holds
//
// Holds come from a boolean column of the table, from a table of held
// record IDs, or both. Each DELETE and UPDATE re-checks the hold in its
// WHERE clause, so a hold placed after a row was read still protects it;
// the row is reported as [retention.SkippedHeld].
//
// # Indexes
//
// A sweep reads the table in (timestamp, id) order; an index on
// (timestamp column, id column) keeps each page cheap. Unless
// [Config.SkipNullTimes] is set, each sweep starts with the rows whose
// timestamp is NULL, in id order; a partial index on (id) WHERE the
// timestamp IS NULL keeps that cheap on a large table. The holds table
// wants an index on its record ID column.
//
// # Trust
//
// Table and column names are validated identifiers and quoted.
// [Config.AnonymizeSet] is a fragment of SQL taken as written: it must come
// from the program's configuration, never from user input.
package sqlsource

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/sqlident"

	"github.com/custos-dev/custos/retention"
	"github.com/custos-dev/custos/retention/sqlevidence"
)

// ErrInvalidConfig is returned by [New] for a configuration it cannot use.
var ErrInvalidConfig = errors.New("sqlsource: invalid config")

// ErrBadCursor is returned by [Table.Next] for a cursor it did not write.
var ErrBadCursor = errors.New("sqlsource: bad cursor")

// Config describes the table to sweep. The zero value is not usable: Table,
// TimeColumn and a category are required.
type Config struct {
	// Table is the table's name, optionally schema-qualified.
	Table string `json:"table" yaml:"table"`
	// IDColumn is the primary key column (default "id").
	IDColumn string `json:"id_column,omitempty" yaml:"id_column,omitempty"`
	// IDType is the SQL type of the ID column, used to cast the array of
	// IDs: text (default), varchar, uuid, integer or bigint.
	IDType string `json:"id_type,omitempty" yaml:"id_type,omitempty"`
	// TimeColumn holds the time that starts each row's retention period. A
	// NULL means the trigger has not happened: such a row is retained, unless
	// its policy has a retain-until date.
	TimeColumn string `json:"time_column" yaml:"time_column"`
	// SkipNullTimes skips rows whose time is NULL instead of reading them
	// (first, in id order). Set it when no policy of the table's categories
	// has a retain-until date: such rows are then always retained, and
	// reading them is wasted work.
	SkipNullTimes bool `json:"skip_null_times,omitempty" yaml:"skip_null_times,omitempty"`
	// Trigger says which trigger TimeColumn is (default created); it must
	// match the category's policy.
	Trigger retention.Trigger `json:"trigger,omitempty" yaml:"trigger,omitempty"`
	// Category is the category of every row, unless CategoryColumn names a
	// column holding each row's category.
	Category       string `json:"category,omitempty" yaml:"category,omitempty"`
	CategoryColumn string `json:"category_column,omitempty" yaml:"category_column,omitempty"`
	// SubjectColumn optionally names the column of the row's subject.
	SubjectColumn string `json:"subject_column,omitempty" yaml:"subject_column,omitempty"`
	// HoldColumn optionally names a boolean column; true means held.
	HoldColumn string `json:"hold_column,omitempty" yaml:"hold_column,omitempty"`
	// HoldsTable optionally names a table of held record IDs, in column
	// HoldsIDColumn (default "record_id") of the same type as the IDs.
	HoldsTable    string `json:"holds_table,omitempty" yaml:"holds_table,omitempty"`
	HoldsIDColumn string `json:"holds_id_column,omitempty" yaml:"holds_id_column,omitempty"`
	// AnonymizeSet is the SET list that anonymizes a row, for example
	// "email = NULL, name = 'anonymized'". Required for the anonymize action.
	AnonymizeSet string `json:"anonymize_set,omitempty" yaml:"anonymize_set,omitempty"`
	// DisposedColumn names a timestamp column that anonymization sets to
	// the current time; rows where it is not NULL are not read again.
	// Required with AnonymizeSet.
	DisposedColumn string `json:"disposed_column,omitempty" yaml:"disposed_column,omitempty"`
}

// Table is a SQL table as a retention source and handler. It is immutable
// and safe for concurrent use.
type Table struct {
	db        *sql.DB
	cfg       Config
	firstNull string // first page of rows whose time is NULL (by id)
	nextNull  string
	first     string // first page of rows with a time (by time, id)
	next      string
	del       string
	anon      string
	heldIDs   string
}

// quote validates a (possibly schema-qualified) identifier and quotes it.
func quote(name string) (string, error) {
	if strings.Count(name, ".") > 1 {
		return "", fmt.Errorf("%w: identifier %q has more than two parts", ErrInvalidConfig, name)
	}
	q, ok := sqlident.Quote(name)
	if !ok {
		return "", fmt.Errorf("%w: identifier %q is not a plain SQL name", ErrInvalidConfig, name)
	}
	return q, nil
}

var idTypes = map[string]bool{"text": true, "varchar": true, "uuid": true, "integer": true, "bigint": true}

// New validates cfg and prepares the statements for the table.
func New(db *sql.DB, cfg Config) (*Table, error) {
	if db == nil {
		return nil, fmt.Errorf("%w: nil *sql.DB", ErrInvalidConfig)
	}
	if cfg.IDColumn == "" {
		cfg.IDColumn = "id"
	}
	if cfg.IDType == "" {
		cfg.IDType = "text"
	}
	if cfg.Trigger == retention.TriggerUnknown {
		cfg.Trigger = retention.Created
	}
	if cfg.HoldsIDColumn == "" {
		cfg.HoldsIDColumn = "record_id"
	}
	switch {
	case !idTypes[cfg.IDType]:
		return nil, fmt.Errorf("%w: id type %q (want text, varchar, uuid, integer or bigint)", ErrInvalidConfig, cfg.IDType)
	case (cfg.Category == "") == (cfg.CategoryColumn == ""):
		return nil, fmt.Errorf("%w: set exactly one of category and category column", ErrInvalidConfig)
	case cfg.TimeColumn == "":
		return nil, fmt.Errorf("%w: no time column", ErrInvalidConfig)
	case (cfg.AnonymizeSet == "") != (cfg.DisposedColumn == ""):
		return nil, fmt.Errorf("%w: anonymize set and disposed column go together", ErrInvalidConfig)
	case strings.Contains(cfg.AnonymizeSet, ";"):
		return nil, fmt.Errorf("%w: anonymize set must be a single SET list", ErrInvalidConfig)
	}
	q := map[string]string{}
	for _, name := range []string{cfg.Table, cfg.IDColumn, cfg.TimeColumn, cfg.CategoryColumn, cfg.SubjectColumn,
		cfg.HoldColumn, cfg.HoldsTable, cfg.HoldsIDColumn, cfg.DisposedColumn} {
		if name == "" {
			continue
		}
		qn, err := quote(name)
		if err != nil {
			return nil, err
		}
		q[name] = qn
	}
	tbl, id, ts := q[cfg.Table], q[cfg.IDColumn], q[cfg.TimeColumn]
	held := []string{}
	if cfg.HoldColumn != "" {
		held = append(held, "COALESCE(t."+q[cfg.HoldColumn]+", false)")
	}
	if cfg.HoldsTable != "" {
		held = append(held, "EXISTS (SELECT 1 FROM "+q[cfg.HoldsTable]+" h WHERE h."+q[cfg.HoldsIDColumn]+" = t."+id+")")
	}
	heldExpr := "false"
	if len(held) > 0 {
		heldExpr = "(" + strings.Join(held, " OR ") + ")"
	}
	cat := "''"
	if cfg.CategoryColumn != "" {
		cat = "COALESCE(t." + q[cfg.CategoryColumn] + ", '')"
	}
	subj := "''"
	if cfg.SubjectColumn != "" {
		subj = "COALESCE(t." + q[cfg.SubjectColumn] + "::text, '')"
	}
	live := "true"
	if cfg.DisposedColumn != "" {
		live = "t." + q[cfg.DisposedColumn] + " IS NULL"
	}
	sel := "SELECT t." + id + "::text, t." + ts + ", " + cat + ", " + subj + ", " + heldExpr + " FROM " + tbl + " t WHERE " + live
	order := " ORDER BY t." + ts + ", t." + id + " LIMIT $1"
	orderNull := " ORDER BY t." + id + " LIMIT $1"
	ids := "$1::text[]"
	if cfg.IDType != "text" {
		ids += "::" + cfg.IDType + "[]"
	}
	t := &Table{
		db:      db,
		cfg:     cfg,
		first:   sel + " AND t." + ts + " IS NOT NULL" + order,
		next:    sel + " AND t." + ts + " IS NOT NULL AND (t." + ts + ", t." + id + ") > ($2, $3::text::" + cfg.IDType + ")" + order,
		del:     "DELETE FROM " + tbl + " t WHERE t." + id + " = ANY(" + ids + ") AND NOT " + heldExpr + " RETURNING t." + id + "::text",
		heldIDs: "SELECT t." + id + "::text FROM " + tbl + " t WHERE t." + id + " = ANY(" + ids + ") AND " + heldExpr,
	}
	if !cfg.SkipNullTimes {
		t.firstNull = sel + " AND t." + ts + " IS NULL" + orderNull
		t.nextNull = sel + " AND t." + ts + " IS NULL AND t." + id + " > $2::text::" + cfg.IDType + orderNull
	}
	if cfg.AnonymizeSet != "" {
		d := q[cfg.DisposedColumn]
		t.anon = "UPDATE " + tbl + " t SET " + cfg.AnonymizeSet + ", " + d + " = now() WHERE t." + id + " = ANY(" + ids +
			") AND t." + d + " IS NULL AND NOT " + heldExpr + " RETURNING t." + id + "::text"
	}
	return t, nil
}

// Next returns up to limit rows after cursor: first the rows whose time is
// NULL, in id order (unless [Config.SkipNullTimes]), then the others in
// (time, id) order. The cursor is "n|<id>" or "t|<time>|<id>".
func (t *Table) Next(ctx context.Context, cursor string, limit int) (retention.Batch, error) {
	c, err := parseCursor(cursor)
	if err != nil {
		return retention.Batch{}, err
	}
	switch {
	case c.start && t.firstNull != "":
		b, err := t.page(ctx, true, t.firstNull, limit)
		if err != nil || len(b.Records) > 0 {
			return b, err
		}
		return t.page(ctx, false, t.first, limit)
	case c.start:
		return t.page(ctx, false, t.first, limit)
	case c.null && t.nextNull != "":
		b, err := t.page(ctx, true, t.nextNull, limit, c.id)
		if err != nil || len(b.Records) > 0 {
			return b, err
		}
		return t.page(ctx, false, t.first, limit)
	case c.null:
		return retention.Batch{}, ErrBadCursor
	}
	return t.page(ctx, false, t.next, limit, c.at, c.id)
}

type cursor struct {
	start bool // the empty cursor
	null  bool // in the NULL-time phase
	at    time.Time
	id    string
}

func parseCursor(s string) (cursor, error) {
	if s == "" {
		return cursor{start: true}, nil
	}
	phase, rest, _ := strings.Cut(s, "|")
	switch phase {
	case "n":
		if rest == "" {
			return cursor{}, ErrBadCursor
		}
		return cursor{null: true, id: rest}, nil
	case "t":
		ts, id, ok := strings.Cut(rest, "|")
		if !ok || id == "" {
			return cursor{}, ErrBadCursor
		}
		at, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return cursor{}, ErrBadCursor
		}
		return cursor{at: at, id: id}, nil
	}
	return cursor{}, ErrBadCursor
}

func formatCursor(c cursor) string {
	if c.null {
		return "n|" + c.id
	}
	return "t|" + c.at.UTC().Format(time.RFC3339Nano) + "|" + c.id
}

func (t *Table) page(ctx context.Context, nullPhase bool, query string, limit int, args ...any) (retention.Batch, error) {
	rows, err := t.db.QueryContext(ctx, query, append([]any{limit}, args...)...)
	if err != nil {
		return retention.Batch{}, fmt.Errorf("sqlsource: reading %s: %w", t.cfg.Table, err)
	}
	defer rows.Close()
	b := retention.Batch{Records: make([]retention.Record, 0, min(limit, 4096))}
	var last time.Time
	for rows.Next() {
		var (
			r  retention.Record
			at sql.NullTime
		)
		if err := rows.Scan(&r.ID, &at, &r.Category, &r.Subject, &r.Held); err != nil {
			return retention.Batch{}, fmt.Errorf("sqlsource: reading %s: %w", t.cfg.Table, err)
		}
		if t.cfg.Category != "" {
			r.Category = t.cfg.Category
		}
		switch t.cfg.Trigger {
		case retention.Modified:
			r.Modified = at.Time
		case retention.LastActivity:
			r.Activity = at.Time
		case retention.Event:
			r.EventAt = at.Time
		default:
			r.Created = at.Time
		}
		b.Records = append(b.Records, r)
		last = at.Time
	}
	if err := rows.Err(); err != nil {
		return retention.Batch{}, fmt.Errorf("sqlsource: reading %s: %w", t.cfg.Table, err)
	}
	if n := len(b.Records); n > 0 {
		b.Next = formatCursor(cursor{null: nullPhase, at: last, id: b.Records[n-1].ID})
	}
	return b, nil
}

// Dispose deletes ([retention.Delete]) or anonymizes ([retention.Anonymize])
// the records in one transaction with one statement. Rows held at that
// moment are left alone and reported [retention.SkippedHeld]; rows already
// gone (or already anonymized) count as done. Other actions are an error:
// give them their own handlers.
func (t *Table) Dispose(ctx context.Context, action retention.Action, recs []retention.Record, out []retention.Outcome) error {
	return t.dispose(ctx, action, recs, func(i int, o retention.Outcome) { out[i] = o }, nil)
}

// Evidenced returns a handler that acts like [Table.Dispose] and also
// writes the dispositions of its acts to sink in the same transaction, so
// that an act and its evidence commit together or not at all. sink's table
// must be in the same database. Give the sweeper the same sink, for the
// evidence of holds skipped before acting.
func (t *Table) Evidenced(sink *sqlevidence.Sink) retention.EvidencingHandler {
	return evidenced{t: t, sink: sink}
}

type evidenced struct {
	t    *Table
	sink *sqlevidence.Sink
}

func (e evidenced) Dispose(ctx context.Context, action retention.Action, recs []retention.Record, out []retention.Outcome) error {
	return e.t.Dispose(ctx, action, recs, out)
}

func (e evidenced) DisposeWithEvidence(ctx context.Context, action retention.Action, recs []retention.Record, ev []retention.Disposition) error {
	return e.t.dispose(ctx, action, recs, func(i int, o retention.Outcome) { ev[i].Outcome = o },
		func(tx *sql.Tx) error { return e.sink.WriteEvidenceTx(ctx, tx, ev) })
}

func (t *Table) dispose(ctx context.Context, action retention.Action, recs []retention.Record,
	set func(i int, o retention.Outcome), inTx func(*sql.Tx) error) error {
	var stmt string
	switch action {
	case retention.Delete:
		stmt = t.del
	case retention.Anonymize:
		if t.anon == "" {
			return fmt.Errorf("sqlsource: table %s has no anonymize set", t.cfg.Table)
		}
		stmt = t.anon
	default:
		return fmt.Errorf("sqlsource: action %v is not handled by the table adapter", action)
	}
	ids := make([]string, len(recs))
	for i := range recs {
		ids[i] = recs[i].ID
	}
	tx, err := t.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlsource: %v on %s: %w", action, t.cfg.Table, err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	done, err := queryIDs(ctx, tx, stmt, ids)
	if err != nil {
		return fmt.Errorf("sqlsource: %v on %s: %w", action, t.cfg.Table, err)
	}
	if len(done) < len(ids) {
		held, err := queryIDs(ctx, tx, t.heldIDs, ids)
		if err != nil {
			return fmt.Errorf("sqlsource: %v on %s: %w", action, t.cfg.Table, err)
		}
		for i := range recs {
			if held[recs[i].ID] {
				set(i, retention.SkippedHeld)
			}
		}
	}
	if inTx != nil {
		if err := inTx(tx); err != nil {
			return fmt.Errorf("sqlsource: %v on %s: %w", action, t.cfg.Table, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlsource: %v on %s: %w", action, t.cfg.Table, err)
	}
	return nil
}

func queryIDs(ctx context.Context, tx *sql.Tx, stmt string, ids []string) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, stmt, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	got := make(map[string]bool)
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		got[id] = true
	}
	return got, rows.Err()
}
