package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/custos-dev/custos/encrypt"
)

// errNoCustomer is returned for an unknown customer ID.
var errNoCustomer = errors.New("erasure: no such customer")

// row is one customer as the table stores it: the email and name encrypted
// under the customer's own data key, a blind index of the email to find the
// row, and the vault token of the card on file. Nothing in it is readable
// without the keys.
type row struct {
	ID        string
	Email     encrypt.Ciphertext
	Name      encrypt.Ciphertext
	EmailIdx  encrypt.Index // nil once erased
	CardToken string        // "" once erased
}

// table is the customer table. The program runs on a map by default and on a
// PostgreSQL table with -postgres; both behave the same.
type table interface {
	insert(ctx context.Context, r row) error
	get(ctx context.Context, id string) (row, error)
	// byEmailIndex returns the rows whose blind index equals idx: the
	// candidates, which the caller decrypts and filters.
	byEmailIndex(ctx context.Context, idx []byte) ([]row, error)
	// clearCardToken sets the card token of id to nothing if it is still
	// token, and reports whether it changed the row.
	clearCardToken(ctx context.Context, id, token string) (bool, error)
	// clearEmailIndex removes id's blind index and reports how many index
	// entries it removed (0 or 1).
	clearEmailIndex(ctx context.Context, id string) (int, error)
}

// memTable is a table in memory.
type memTable struct {
	mu   sync.Mutex
	rows map[string]row
}

func newMemTable() *memTable { return &memTable{rows: map[string]row{}} }

func (m *memTable) insert(_ context.Context, r row) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.rows[r.ID]; ok {
		return fmt.Errorf("erasure: customer %q exists", r.ID)
	}
	m.rows[r.ID] = cloneRow(r)
	return nil
}

func (m *memTable) get(_ context.Context, id string) (row, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rows[id]
	if !ok {
		return row{}, fmt.Errorf("%w: %q", errNoCustomer, id)
	}
	return cloneRow(r), nil
}

func (m *memTable) byEmailIndex(_ context.Context, idx []byte) ([]row, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []row
	for _, r := range m.rows {
		if r.EmailIdx != nil && encrypt.Equal(r.EmailIdx, idx) {
			out = append(out, cloneRow(r))
		}
	}
	slices.SortFunc(out, func(a, b row) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func (m *memTable) clearCardToken(_ context.Context, id, token string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rows[id]
	if !ok || r.CardToken != token || token == "" {
		return false, nil
	}
	r.CardToken = ""
	m.rows[id] = r
	return true, nil
}

func (m *memTable) clearEmailIndex(_ context.Context, id string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rows[id]
	if !ok || r.EmailIdx == nil {
		return 0, nil
	}
	r.EmailIdx = nil
	m.rows[id] = r
	return 1, nil
}

func cloneRow(r row) row {
	r.Email = slices.Clone(r.Email)
	r.Name = slices.Clone(r.Name)
	r.EmailIdx = slices.Clone(r.EmailIdx)
	return r
}

// sqlTable is the customer table in a SQL database (PostgreSQL here),
// through database/sql and the column types of package encrypt:
//
//	id         text PRIMARY KEY
//	email      bytea NOT NULL   per-subject ciphertext
//	name       bytea NOT NULL   per-subject ciphertext
//	email_idx  bytea            blind index (indexed), NULL once erased
//	card_token text             vault token, NULL once erased
type sqlTable struct {
	db   *sql.DB
	name string // a plain identifier, made by the program
}

// createSQLTable creates the customer table name in db.
func createSQLTable(ctx context.Context, db *sql.DB, name string) (*sqlTable, error) {
	stmts := []string{
		`CREATE TABLE ` + name + ` (
			id text PRIMARY KEY,
			email bytea NOT NULL,
			name bytea NOT NULL,
			email_idx bytea,
			card_token text)`,
		`CREATE INDEX ` + name + `_email_idx ON ` + name + ` (email_idx)`,
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return nil, fmt.Errorf("erasure: creating table %s: %w", name, err)
		}
	}
	return &sqlTable{db: db, name: name}, nil
}

func (t *sqlTable) drop(ctx context.Context) error {
	_, err := t.db.ExecContext(ctx, `DROP TABLE IF EXISTS `+t.name)
	return err
}

func (t *sqlTable) insert(ctx context.Context, r row) error {
	_, err := t.db.ExecContext(ctx, `INSERT INTO `+t.name+` (id, email, name, email_idx, card_token) VALUES ($1, $2, $3, $4, $5)`,
		r.ID, r.Email, r.Name, r.EmailIdx, nullString(r.CardToken))
	return err
}

const sqlCols = `id, email, name, email_idx, card_token`

func scanRow(s interface{ Scan(...any) error }) (row, error) {
	var (
		r   row
		tok sql.NullString
	)
	if err := s.Scan(&r.ID, &r.Email, &r.Name, &r.EmailIdx, &tok); err != nil {
		return row{}, err
	}
	r.CardToken = tok.String
	return r, nil
}

func (t *sqlTable) get(ctx context.Context, id string) (row, error) {
	r, err := scanRow(t.db.QueryRowContext(ctx, `SELECT `+sqlCols+` FROM `+t.name+` WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, fmt.Errorf("%w: %q", errNoCustomer, id)
	}
	return r, err
}

func (t *sqlTable) byEmailIndex(ctx context.Context, idx []byte) ([]row, error) {
	rows, err := t.db.QueryContext(ctx, `SELECT `+sqlCols+` FROM `+t.name+` WHERE email_idx = $1 ORDER BY id`, encrypt.Index(idx))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []row
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (t *sqlTable) clearCardToken(ctx context.Context, id, token string) (bool, error) {
	res, err := t.db.ExecContext(ctx, `UPDATE `+t.name+` SET card_token = NULL WHERE id = $1 AND card_token = $2`, id, token)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (t *sqlTable) clearEmailIndex(ctx context.Context, id string) (int, error) {
	res, err := t.db.ExecContext(ctx, `UPDATE `+t.name+` SET email_idx = NULL WHERE id = $1 AND email_idx IS NOT NULL`, id)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
