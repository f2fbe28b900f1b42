package sqlsource

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Checkpoints is a [retention.Checkpoints] in a PostgreSQL table, so that a
// sweep interrupted by a crash resumes where it stopped, in another process
// if need be. It is immutable and safe for concurrent use. Create the
// table with [MigrateCheckpoints].
type Checkpoints struct {
	db                *sql.DB
	load, save, clear string
}

// MigrateCheckpoints creates the checkpoint table (name text primary key,
// cursor text, saved_at timestamptz) when it does not exist.
func MigrateCheckpoints(ctx context.Context, db *sql.DB, table string) error {
	q, err := quote(table)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+q+` (
		name     text PRIMARY KEY,
		cursor   text NOT NULL,
		saved_at timestamptz NOT NULL DEFAULT now()
	)`)
	if err != nil {
		return fmt.Errorf("sqlsource: migrating %s: %w", table, err)
	}
	return nil
}

// NewCheckpoints returns checkpoints stored in table.
func NewCheckpoints(db *sql.DB, table string) (*Checkpoints, error) {
	if db == nil {
		return nil, fmt.Errorf("%w: nil *sql.DB", ErrInvalidConfig)
	}
	q, err := quote(table)
	if err != nil {
		return nil, err
	}
	return &Checkpoints{
		db:   db,
		load: `SELECT cursor FROM ` + q + ` WHERE name = $1`,
		save: `INSERT INTO ` + q + ` (name, cursor) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET cursor = EXCLUDED.cursor, saved_at = now()`,
		clear: `DELETE FROM ` + q + ` WHERE name = $1`,
	}, nil
}

// Load returns the saved cursor of a sweep.
func (c *Checkpoints) Load(ctx context.Context, name string) (string, bool, error) {
	var cur string
	err := c.db.QueryRowContext(ctx, c.load, name).Scan(&cur)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("sqlsource: loading checkpoint %q: %w", name, err)
	}
	return cur, true, nil
}

// Save stores the cursor of a sweep.
func (c *Checkpoints) Save(ctx context.Context, name, cursor string) error {
	if _, err := c.db.ExecContext(ctx, c.save, name, cursor); err != nil {
		return fmt.Errorf("sqlsource: saving checkpoint %q: %w", name, err)
	}
	return nil
}

// Clear forgets the cursor of a sweep.
func (c *Checkpoints) Clear(ctx context.Context, name string) error {
	if _, err := c.db.ExecContext(ctx, c.clear, name); err != nil {
		return fmt.Errorf("sqlsource: clearing checkpoint %q: %w", name, err)
	}
	return nil
}
