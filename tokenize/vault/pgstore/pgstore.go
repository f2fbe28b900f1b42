// Package pgstore keeps vault token records in a PostgreSQL table, shared by
// every instance of a service, through github.com/jackc/pgx/v5.
//
// # Schema
//
// Importing the package changes nothing: [Migrate] creates the table and its
// indexes (idempotently, under an advisory lock, so concurrent deployments
// may all call it), and [New] only checks the table name. The table is
//
//	token_hash  bytea PRIMARY KEY
//	ciphertext  bytea NOT NULL
//	value_hash  bytea                 (indexed; NULL when absent)
//	convergent  boolean NOT NULL      (UNIQUE (value_hash) WHERE convergent)
//	expires_at  timestamptz           (indexed; NULL for never)
//	created_at  timestamptz NOT NULL
//	metadata    jsonb NOT NULL        (an object of strings)
//
// The partial unique index makes convergent puts race-free across processes.
// timestamptz keeps microseconds, the precision documented in package vault.
//
// # Batches
//
// PutBatch writes all its records with one INSERT of unnested arrays: a
// single statement, so all records land or none does, in one round trip when
// no record collides. When one does, the batch is redone in a transaction
// that skips records already stored identically (a retried batch) and rolls
// back if any other collides.
package pgstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/custos-dev/custos/internal/pgutil"
	"github.com/custos-dev/custos/tokenize/vault"
	"github.com/custos-dev/custos/tokenize/vault/internal/rec"
)

// ErrInvalidTable means a table name is not a plain, optionally
// schema-qualified, identifier.
var ErrInvalidTable = errors.New("pgstore: invalid table name")

// MaxTableNameLength is the longest table name (without schema) accepted, so
// that the derived index names fit PostgreSQL's 63-byte identifiers.
const MaxTableNameLength = 48

// Store is a vault.Store on a PostgreSQL table. It is safe for concurrent
// use. The caller owns the pool.
type Store struct {
	pool *pgxpool.Pool
	q    queries
	// arrayMode runs the lookups of arrays of hashes (= ANY($1)) as unnamed
	// statements, planned for their actual arguments at every call: a
	// named statement's generic plan, chosen while the table was small,
	// scans the whole table (measured: 100 hashes took 1 ms on an empty
	// table and 40 ms at 16,000 rows until the next ANALYZE).
	arrayMode pgx.QueryExecMode
}

var _ vault.Store = (*Store)(nil)

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// table is a validated, possibly schema-qualified table name.
type table struct {
	ident pgx.Identifier
	name  string // the unqualified name
}

func parseTable(name string) (table, error) {
	parts := strings.Split(name, ".")
	if len(parts) > 2 {
		return table{}, fmt.Errorf("%w: more than one dot", ErrInvalidTable)
	}
	for i, p := range parts {
		max := 63
		if i == len(parts)-1 {
			max = MaxTableNameLength
		}
		if !identRE.MatchString(p) || len(p) > max {
			return table{}, fmt.Errorf("%w: part %d of length %d is not an identifier of at most %d ASCII letters, digits and underscores", ErrInvalidTable, i+1, len(p), max)
		}
	}
	return table{ident: pgx.Identifier(parts), name: parts[len(parts)-1]}, nil
}

// index returns the quoted name of one of the table's indexes.
func (t table) index(suffix string) string {
	return pgx.Identifier{t.name + "_" + suffix}.Sanitize()
}

// Migrate creates the table name (optionally schema-qualified) and its
// indexes if they do not exist. It is safe to call concurrently and
// repeatedly.
func Migrate(ctx context.Context, pool *pgxpool.Pool, name string) error {
	t, err := parseTable(name)
	if err != nil {
		return err
	}
	q := t.ident.Sanitize()
	stmts := []string{
		`CREATE TABLE IF NOT EXISTS ` + q + ` (
			token_hash bytea PRIMARY KEY CHECK (octet_length(token_hash) BETWEEN 1 AND 64),
			ciphertext bytea NOT NULL CHECK (octet_length(ciphertext) > 0),
			value_hash bytea CHECK (octet_length(value_hash) BETWEEN 1 AND 64),
			convergent boolean NOT NULL DEFAULT false,
			expires_at timestamptz,
			created_at timestamptz NOT NULL,
			metadata jsonb NOT NULL DEFAULT '{}',
			CHECK (NOT convergent OR value_hash IS NOT NULL)
		)`,
		`CREATE UNIQUE INDEX IF NOT EXISTS ` + t.index("convergent") + ` ON ` + q + ` (value_hash) WHERE convergent`,
		`CREATE INDEX IF NOT EXISTS ` + t.index("value") + ` ON ` + q + ` (value_hash) WHERE value_hash IS NOT NULL`,
		`CREATE INDEX IF NOT EXISTS ` + t.index("expires") + ` ON ` + q + ` (expires_at) WHERE expires_at IS NOT NULL`,
	}
	err = pgutil.MigrateLocked(ctx, pool, "custos-vault:"+strings.Join(t.ident, "."), stmts)
	if err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	return nil
}

// New returns a store on the table name (optionally schema-qualified),
// which Migrate must have created. New does not contact the server.
func New(pool *pgxpool.Pool, name string) (*Store, error) {
	t, err := parseTable(name)
	if err != nil {
		return nil, err
	}
	// QueryExecModeCacheDescribe: the unnamed statement in one round trip,
	// binary results; it needs the description cache, else plain Exec mode.
	mode := pgx.QueryExecModeCacheDescribe
	if pool != nil && pool.Config().ConnConfig.DescriptionCacheCapacity == 0 {
		mode = pgx.QueryExecModeExec
	}
	return &Store{pool: pool, q: newQueries(t.ident.Sanitize()), arrayMode: mode}, nil
}

const cols = `token_hash, ciphertext, value_hash, convergent, expires_at, created_at, metadata`

type queries struct {
	insert, insertBatch, insertBatchSkip   string
	get, getMany, getConflicts, getByValue string
	getConflictsMany, getByValueMany       string
	del, delByValue, delDead, delExpired   string
}

func newQueries(t string) queries {
	unnest := ` SELECT th, ct, vh, conv, exp, cre, md::jsonb FROM unnest($1::bytea[], $2::bytea[], $3::bytea[], $4::bool[], $5::timestamptz[], $6::timestamptz[], $7::text[]) WITH ORDINALITY AS u(th, ct, vh, conv, exp, cre, md, ord) ORDER BY ord`
	return queries{
		insert:           `INSERT INTO ` + t + ` (` + cols + `) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
		insertBatch:      `INSERT INTO ` + t + ` (` + cols + `)` + unnest,
		insertBatchSkip:  `INSERT INTO ` + t + ` (` + cols + `)` + unnest + ` ON CONFLICT DO NOTHING RETURNING token_hash`,
		get:              `SELECT ` + cols + ` FROM ` + t + ` WHERE token_hash = $1`,
		getMany:          `SELECT ` + cols + ` FROM ` + t + ` WHERE token_hash = ANY($1)`,
		getConflicts:     `SELECT ` + cols + ` FROM ` + t + ` WHERE token_hash = $1 OR (convergent AND value_hash = $2)`,
		getByValue:       `SELECT ` + cols + ` FROM ` + t + ` WHERE convergent AND value_hash = $1`,
		getConflictsMany: `SELECT ` + cols + ` FROM ` + t + ` WHERE token_hash = ANY($1) OR (convergent AND value_hash = ANY($2))`,
		getByValueMany:   `SELECT ` + cols + ` FROM ` + t + ` WHERE convergent AND value_hash = ANY($1)`,
		del:              `DELETE FROM ` + t + ` WHERE token_hash = $1`,
		delByValue:       `DELETE FROM ` + t + ` WHERE value_hash = $1`,
		delDead:          `DELETE FROM ` + t + ` WHERE token_hash = $1 AND convergent AND expires_at <= $2`,
		delExpired: `DELETE FROM ` + t + ` WHERE expires_at <= $1 AND token_hash IN (SELECT token_hash FROM ` + t +
			` WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
	}
}

// args returns the insert arguments of the normalized record n.
func args(n vault.Record) ([]any, error) {
	md, err := metadataJSON(n.Metadata)
	if err != nil {
		return nil, err
	}
	return []any{n.TokenHash, n.Ciphertext, n.ValueHash, n.Convergent, expiresArg(n.ExpiresAt), n.CreatedAt, md}, nil
}

func expiresArg(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func metadataJSON(m map[string]string) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("pgstore: encode metadata: %w", err)
	}
	return string(b), nil
}

// scan reads one row of cols.
func scan(row pgx.Row) (vault.Record, error) {
	var (
		r   vault.Record
		exp *time.Time
		md  map[string]string
	)
	if err := row.Scan(&r.TokenHash, &r.Ciphertext, &r.ValueHash, &r.Convergent, &exp, &r.CreatedAt, &md); err != nil {
		return vault.Record{}, err
	}
	r.CreatedAt = r.CreatedAt.UTC()
	if exp != nil {
		r.ExpiresAt = exp.UTC()
	}
	if len(md) > 0 {
		r.Metadata = md
	}
	if len(r.ValueHash) == 0 {
		r.ValueHash = nil
	}
	return r, nil
}

func collect(rows pgx.Rows) ([]vault.Record, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (vault.Record, error) { return scan(row) })
}

// wrap adds the package name to a driver error; context errors stay
// matchable with errors.Is.
func wrap(op string, err error) error {
	return fmt.Errorf("pgstore: %s: %w", op, err)
}

// maxAttempts bounds the retries of an insert whose conflicting row was
// deleted before it could be read.
const maxAttempts = 10

var errUnsettled = errors.New("pgstore: conflicting rows kept changing")

// Put implements vault.Store.
func (s *Store) Put(ctx context.Context, r vault.Record) error {
	n, err := rec.Prepare(r)
	if err != nil {
		return err
	}
	a, err := args(n)
	if err != nil {
		return err
	}
	for range maxAttempts {
		tag, err := s.pool.Exec(ctx, s.q.insert, a...)
		if err != nil {
			return wrap("put", err)
		}
		if tag.RowsAffected() == 1 {
			return nil
		}
		tok, conv, err := s.conflicts(ctx, n)
		if err != nil {
			return err
		}
		switch {
		case tok != nil && rec.Equal(*tok, n):
			return nil
		case tok != nil:
			return fmt.Errorf("%w: token hash taken", vault.ErrExists)
		case conv != nil:
			return fmt.Errorf("%w: convergent value taken", vault.ErrExists)
		}
		// The conflicting row is gone: try again.
	}
	return errUnsettled
}

// conflicts returns the record with n's token hash and, if n is convergent,
// the convergent record with n's value hash.
func (s *Store) conflicts(ctx context.Context, n vault.Record) (tok, conv *vault.Record, err error) {
	vh := n.ValueHash
	if !n.Convergent {
		vh = nil
	}
	rows, _ := s.pool.Query(ctx, s.q.getConflicts, n.TokenHash, vh)
	recs, err := collect(rows)
	if err != nil {
		return nil, nil, wrap("read conflicts", err)
	}
	for i := range recs {
		if string(recs[i].TokenHash) == string(n.TokenHash) {
			tok = &recs[i]
		}
		if n.Convergent && recs[i].Convergent && string(recs[i].ValueHash) == string(n.ValueHash) {
			conv = &recs[i]
		}
	}
	return tok, conv, nil
}

// PutConvergent implements vault.Store.
func (s *Store) PutConvergent(ctx context.Context, r vault.Record) (vault.Record, bool, error) {
	n, err := rec.Prepare(r)
	if err != nil {
		return vault.Record{}, false, err
	}
	if !n.Convergent {
		return vault.Record{}, false, fmt.Errorf("%w: PutConvergent of a record without the Convergent flag", vault.ErrInvalidRecord)
	}
	a, err := args(n)
	if err != nil {
		return vault.Record{}, false, err
	}
	for range maxAttempts {
		tag, err := s.pool.Exec(ctx, s.q.insert, a...)
		if err != nil {
			return vault.Record{}, false, wrap("put convergent", err)
		}
		if tag.RowsAffected() == 1 {
			return rec.Clone(n), true, nil
		}
		tok, conv, err := s.conflicts(ctx, n)
		if err != nil {
			return vault.Record{}, false, err
		}
		switch {
		case conv != nil && !conv.Expired(n.CreatedAt):
			return *conv, false, nil
		case tok != nil && (conv == nil || string(tok.TokenHash) != string(conv.TokenHash)):
			return vault.Record{}, false, fmt.Errorf("%w: token hash taken", vault.ErrExists)
		case conv != nil:
			// Expired: delete it (if no one else did) and try again.
			if _, err := s.pool.Exec(ctx, s.q.delDead, conv.TokenHash, n.CreatedAt); err != nil {
				return vault.Record{}, false, wrap("delete expired convergent record", err)
			}
		}
	}
	return vault.Record{}, false, errUnsettled
}

// PutBatch implements vault.Store.
func (s *Store) PutBatch(ctx context.Context, recs []vault.Record) error {
	ns, err := rec.PrepareBatch(recs)
	if err != nil {
		return err
	}
	if len(ns) == 0 {
		return ctx.Err()
	}
	a, err := batchArgs(ns)
	if err != nil {
		return err
	}
	// Fast path: one statement, atomic, fails whole on any collision.
	_, err = s.pool.Exec(ctx, s.q.insertBatch, a...)
	if err == nil {
		return nil
	}
	if pe := (*pgconn.PgError)(nil); !errors.As(err, &pe) || pe.Code != "23505" {
		return wrap("put batch", err)
	}
	// Some record collides: redo in a transaction that tells identical
	// records (a retry) from real collisions.
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, s.q.insertBatchSkip, a...)
		inserted, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
		if err != nil {
			return wrap("put batch", err)
		}
		if len(inserted) == len(ns) {
			return nil
		}
		fresh := make(map[string]bool, len(inserted))
		for _, th := range inserted {
			fresh[string(th)] = true
		}
		var check [][]byte
		for _, n := range ns {
			check = append(check, n.TokenHash)
		}
		rows, _ = tx.Query(ctx, s.q.getMany, s.arrayMode, check)
		stored, err := collect(rows)
		if err != nil {
			return wrap("put batch: read collisions", err)
		}
		byHash := make(map[string]vault.Record, len(stored))
		for _, r := range stored {
			byHash[string(r.TokenHash)] = r
		}
		for i, n := range ns {
			th := string(n.TokenHash)
			if fresh[th] {
				delete(fresh, th) // a later record with th was not inserted
				continue
			}
			if old, ok := byHash[th]; ok && rec.Equal(old, n) {
				continue
			}
			return &vault.BatchError{Index: i, Err: vault.ErrExists}
		}
		return nil
	})
	return err
}

// PutConvergentBatch implements vault.Store. The records go in the order
// of their value hashes, so that overlapping batches take the unique
// index's entries in one order and do not deadlock. When no record meets a
// stored one, that is one INSERT of unnested arrays, one round trip. When
// one does, the batch is redone in a transaction: an INSERT that skips
// conflicting records, a read of what they met (a live convergent record of
// the value is returned; an expired one is deleted and the record inserted
// again; a token hash of another record rolls everything back).
func (s *Store) PutConvergentBatch(ctx context.Context, recs []vault.Record) ([]vault.Record, []bool, error) {
	ns, stored, created, done, err := rec.ConvergentBatch(ctx, recs)
	if done {
		return stored, created, err
	}
	// The records go in another order: a token hash repeated in the batch
	// is reported here, at its later record, as a store that works in
	// order would.
	seen := make(map[string]int, len(ns))
	for i, n := range ns {
		if j, ok := seen[string(n.TokenHash)]; ok && !rec.Equal(ns[j], n) {
			return nil, nil, &vault.BatchError{Index: i, Err: fmt.Errorf("%w: token hash repeated in the batch", vault.ErrExists)}
		}
		seen[string(n.TokenHash)] = i
	}
	order := make([]int, len(ns))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return bytes.Compare(ns[i].ValueHash, ns[j].ValueHash) })
	a, err := batchArgs(pick(ns, order))
	if err != nil {
		return nil, nil, err
	}
	_, err = s.pool.Exec(ctx, s.q.insertBatch, a...)
	if err == nil {
		for i, n := range ns {
			stored[i], created[i] = rec.Clone(n), true
		}
		return stored, created, nil
	}
	if pe := (*pgconn.PgError)(nil); !errors.As(err, &pe) || pe.Code != "23505" {
		return nil, nil, wrap("put convergent batch", err)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		clear(stored)
		clear(created)
		pending := order
		for range maxAttempts {
			a, err := batchArgs(pick(ns, pending))
			if err != nil {
				return err
			}
			rows, _ := tx.Query(ctx, s.q.insertBatchSkip, a...)
			inserted, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
			if err != nil {
				return wrap("put convergent batch", err)
			}
			fresh := make(map[string]bool, len(inserted))
			for _, th := range inserted {
				fresh[string(th)] = true
			}
			var rest []int
			for _, i := range pending {
				if th := string(ns[i].TokenHash); fresh[th] {
					delete(fresh, th) // a later record with th was not inserted
					stored[i], created[i] = rec.Clone(ns[i]), true
				} else {
					rest = append(rest, i)
				}
			}
			if len(rest) == 0 {
				return nil
			}
			ths, vhs := make([][]byte, len(rest)), make([][]byte, len(rest))
			for j, i := range rest {
				ths[j], vhs[j] = ns[i].TokenHash, ns[i].ValueHash
			}
			rows, _ = tx.Query(ctx, s.q.getConflictsMany, s.arrayMode, ths, vhs)
			met, err := collect(rows)
			if err != nil {
				return wrap("put convergent batch: read conflicts", err)
			}
			byTH := make(map[string]vault.Record, len(met))
			byVH := make(map[string]vault.Record, len(met))
			for _, r := range met {
				byTH[string(r.TokenHash)] = r
				if r.Convergent {
					byVH[string(r.ValueHash)] = r
				}
			}
			pending = pending[:0:0]
			for _, i := range rest {
				n := ns[i]
				conv, hasConv := byVH[string(n.ValueHash)]
				tok, hasTok := byTH[string(n.TokenHash)]
				switch {
				case hasConv && !conv.Expired(n.CreatedAt):
					stored[i] = rec.Clone(conv)
				case hasTok && (!hasConv || !bytes.Equal(tok.TokenHash, conv.TokenHash)):
					return &vault.BatchError{Index: i, Err: fmt.Errorf("%w: token hash taken", vault.ErrExists)}
				case hasConv:
					// Expired: delete it (if no one else did) and insert again.
					if _, err := tx.Exec(ctx, s.q.delDead, conv.TokenHash, n.CreatedAt); err != nil {
						return wrap("put convergent batch: delete expired convergent record", err)
					}
					pending = append(pending, i)
				default:
					// The conflicting row is gone: insert again.
					pending = append(pending, i)
				}
			}
			if len(pending) == 0 {
				return nil
			}
		}
		return errUnsettled
	})
	if err != nil {
		return nil, nil, err
	}
	return stored, created, nil
}

// pick returns the records of ns at the indexes idx, in that order.
func pick(ns []vault.Record, idx []int) []vault.Record {
	out := make([]vault.Record, len(idx))
	for j, i := range idx {
		out[j] = ns[i]
	}
	return out
}

func batchArgs(ns []vault.Record) ([]any, error) {
	var (
		th   = make([][]byte, len(ns))
		ct   = make([][]byte, len(ns))
		vh   = make([][]byte, len(ns))
		conv = make([]bool, len(ns))
		exp  = make([]*time.Time, len(ns))
		cre  = make([]time.Time, len(ns))
		md   = make([]string, len(ns))
	)
	for i, n := range ns {
		th[i], ct[i], vh[i], conv[i], exp[i], cre[i] = n.TokenHash, n.Ciphertext, n.ValueHash, n.Convergent, expiresArg(n.ExpiresAt), n.CreatedAt
		m, err := metadataJSON(n.Metadata)
		if err != nil {
			return nil, err
		}
		md[i] = m
	}
	return []any{th, ct, vh, conv, exp, cre, md}, nil
}

// Get implements vault.Store.
func (s *Store) Get(ctx context.Context, tokenHash []byte) (vault.Record, error) {
	if err := rec.CheckHash("TokenHash", tokenHash); err != nil {
		return vault.Record{}, err
	}
	r, err := scan(s.pool.QueryRow(ctx, s.q.get, tokenHash))
	if errors.Is(err, pgx.ErrNoRows) {
		return vault.Record{}, vault.ErrNotFound
	}
	if err != nil {
		return vault.Record{}, wrap("get", err)
	}
	return r, nil
}

// GetBatch implements vault.Store.
func (s *Store) GetBatch(ctx context.Context, tokenHashes [][]byte) ([]vault.Record, error) {
	if err := rec.CheckHashes(tokenHashes); err != nil {
		return nil, err
	}
	if len(tokenHashes) == 0 {
		return []vault.Record{}, ctx.Err()
	}
	rows, _ := s.pool.Query(ctx, s.q.getMany, s.arrayMode, tokenHashes)
	stored, err := collect(rows)
	if err != nil {
		return nil, wrap("get batch", err)
	}
	byHash := make(map[string]int, len(stored))
	for i, r := range stored {
		byHash[string(r.TokenHash)] = i
	}
	out := make([]vault.Record, len(tokenHashes))
	for i, th := range tokenHashes {
		if j, ok := byHash[string(th)]; ok {
			out[i] = rec.Clone(stored[j])
		}
	}
	return out, nil
}

// GetByValue implements vault.Store.
func (s *Store) GetByValue(ctx context.Context, valueHash []byte) (vault.Record, error) {
	if err := rec.CheckHash("ValueHash", valueHash); err != nil {
		return vault.Record{}, err
	}
	r, err := scan(s.pool.QueryRow(ctx, s.q.getByValue, valueHash))
	if errors.Is(err, pgx.ErrNoRows) {
		return vault.Record{}, vault.ErrNotFound
	}
	if err != nil {
		return vault.Record{}, wrap("get by value", err)
	}
	return r, nil
}

// GetByValueBatch implements vault.Store.
func (s *Store) GetByValueBatch(ctx context.Context, valueHashes [][]byte) ([]vault.Record, error) {
	if err := rec.CheckValueHashes(valueHashes); err != nil {
		return nil, err
	}
	if len(valueHashes) == 0 {
		return []vault.Record{}, ctx.Err()
	}
	rows, _ := s.pool.Query(ctx, s.q.getByValueMany, s.arrayMode, valueHashes)
	stored, err := collect(rows)
	if err != nil {
		return nil, wrap("get by value batch", err)
	}
	byHash := make(map[string]int, len(stored))
	for i, r := range stored {
		byHash[string(r.ValueHash)] = i
	}
	out := make([]vault.Record, len(valueHashes))
	for i, vh := range valueHashes {
		if j, ok := byHash[string(vh)]; ok {
			out[i] = rec.Clone(stored[j])
		}
	}
	return out, nil
}

// Delete implements vault.Store.
func (s *Store) Delete(ctx context.Context, tokenHash []byte) error {
	if err := rec.CheckHash("TokenHash", tokenHash); err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, s.q.del, tokenHash); err != nil {
		return wrap("delete", err)
	}
	return nil
}

// DeleteByValue implements vault.Store.
func (s *Store) DeleteByValue(ctx context.Context, valueHash []byte) (int, error) {
	if err := rec.CheckHash("ValueHash", valueHash); err != nil {
		return 0, err
	}
	tag, err := s.pool.Exec(ctx, s.q.delByValue, valueHash)
	if err != nil {
		return 0, wrap("delete by value", err)
	}
	return int(tag.RowsAffected()), nil
}

// DeleteExpired implements vault.Store. Concurrent calls skip each other's
// rows rather than wait for them.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error) {
	if err := rec.CheckLimit(limit); err != nil {
		return 0, err
	}
	// timestamptz keeps microseconds: rounding now down keeps every stored
	// (whole-microsecond) expiry comparison exact.
	tag, err := s.pool.Exec(ctx, s.q.delExpired, rec.FloorMicro(now), limit)
	if err != nil {
		return 0, wrap("delete expired", err)
	}
	return int(tag.RowsAffected()), nil
}
