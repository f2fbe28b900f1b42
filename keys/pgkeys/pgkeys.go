// Package pgkeys keeps per-subject data keys ([keys.SubjectKeyStore]) in
// PostgreSQL, through github.com/jackc/pgx/v5, so that crypto-shredding
// survives restarts and holds across every instance of a service.
//
// # Schema
//
// Importing the package changes nothing: [Migrate] creates two tables
// (idempotently, under an advisory lock, so concurrent deployments may all
// call it), and [New] only checks the name. For the name "subject_keys":
//
//	subject_keys             subject bytea PRIMARY KEY, wrapped bytea NOT NULL, created_at timestamptz NOT NULL
//	subject_keys_tombstones  subject bytea PRIMARY KEY, destroyed_at timestamptz NOT NULL
//
// Subjects are stored as bytes, so any Go string of up to
// [MaxSubjectLength] bytes is a subject. The wrapped keys are what
// [keys.SubjectKeys] stores: data keys encrypted under its KEK, never keys
// in clear.
//
// # Tombstones and backups
//
// Keys and tombstones live in separate tables so that restoring the keys
// table from a backup taken before an erasure does not bring the subject
// back: [Store.Get] and [Store.Create] refuse a subject with a tombstone even
// when its key row is present again. The tombstones table must therefore
// never be restored to an older state, and never be truncated. A restore of
// the whole database to a point before an erasure undoes that erasure; run
// the erasure again after such a restore (the erasure log says which).
//
// # Concurrency
//
// Create and Destroy of one subject are serialized across every process by
// a transaction-scoped advisory lock on the keys table's OID and a hash of
// the subject (pg_advisory_xact_lock(int4, int4); two subjects that hash
// alike merely wait for each other). Create checks the tombstone and inserts in one statement after
// taking the lock, and Destroy deletes the key and records the tombstone in
// one statement after taking it, so once Destroy has returned no key row
// remains and none can be created; Get reads the key and the tombstone in
// one snapshot. Each call is one round trip (the lock and the statement are
// sent as one pipeline, which PostgreSQL runs as one implicit transaction),
// so a connection pooler must keep a transaction on one connection
// (PgBouncer's transaction or session mode, not statement mode).
package pgkeys

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/custos-dev/custos/internal/pgutil"
	"github.com/custos-dev/custos/internal/sqlident"
	"github.com/custos-dev/custos/keys"
)

// ErrInvalidTable means a table name is not a plain, optionally
// schema-qualified, identifier of at most [MaxTableNameLength] characters.
var ErrInvalidTable = errors.New("pgkeys: invalid table name")

// TombstoneSuffix is appended to the table name to name the tombstones
// table.
const TombstoneSuffix = "_tombstones"

// MaxTableNameLength is the longest table name (without schema) accepted,
// so that the tombstones table's name fits PostgreSQL's 63-byte
// identifiers.
const MaxTableNameLength = 63 - len(TombstoneSuffix)

// MaxSubjectLength is the longest subject, in bytes, a [Store] accepts;
// longer ones fail with [keys.ErrInvalidParams].
const MaxSubjectLength = 1024

// Store is a [keys.SubjectKeyStore] on two PostgreSQL tables made by
// [Migrate]. It is safe for concurrent use, by many goroutines and by many
// processes sharing the tables. The caller owns the pool.
type Store struct {
	pool *pgxpool.Pool
	q    queries
}

var _ keys.SubjectKeyStore = (*Store)(nil)

// tables returns the quoted names of the keys and tombstones tables.
func tables(name string) (keysTable, tombTable string, err error) {
	k, ok := sqlident.Quote(name)
	t, ok2 := sqlident.Quote(name + TombstoneSuffix)
	if !ok || !ok2 {
		return "", "", fmt.Errorf("%w %q: want a plain identifier of at most %d ASCII letters, digits and underscores, optionally schema-qualified", ErrInvalidTable, name, MaxTableNameLength)
	}
	return k, t, nil
}

// Migrate creates the keys table name (optionally schema-qualified) and its
// tombstones table (name + [TombstoneSuffix]) if they do not exist. It is
// safe to call concurrently and repeatedly.
func Migrate(ctx context.Context, pool *pgxpool.Pool, name string) error {
	k, t, err := tables(name)
	if err != nil {
		return err
	}
	if pool == nil {
		return fmt.Errorf("%w: pgkeys: nil pool", keys.ErrInvalidParams)
	}
	stmts := []string{
		`CREATE TABLE IF NOT EXISTS ` + k + ` (
			subject bytea PRIMARY KEY,
			wrapped bytea NOT NULL,
			created_at timestamptz NOT NULL DEFAULT now()
		)`,
		`CREATE TABLE IF NOT EXISTS ` + t + ` (
			subject bytea PRIMARY KEY,
			destroyed_at timestamptz NOT NULL DEFAULT now()
		)`,
	}
	err = pgutil.MigrateLocked(ctx, pool, "custos/keys/pgkeys/migrate\x00"+name, stmts)
	if err != nil {
		return wrap(ctx, "migrate", err)
	}
	return nil
}

// New returns a store on the tables that [Migrate] made for name. New does
// not contact the server.
func New(pool *pgxpool.Pool, name string) (*Store, error) {
	k, t, err := tables(name)
	if err != nil {
		return nil, err
	}
	if pool == nil {
		return nil, fmt.Errorf("%w: pgkeys: nil pool", keys.ErrInvalidParams)
	}
	return &Store{pool: pool, q: newQueries(k, t)}, nil
}

type queries struct {
	lock, create, get, destroy, tombstone string
}

func newQueries(k, t string) queries {
	return queries{
		// The lock's first half is the keys table's OID, the same in every
		// process whatever the spelling of its name (schema-qualified or
		// found through the search path); the second is the subject's hash.
		// k is a validated, quoted identifier: it holds no single quote.
		lock: `SELECT pg_advisory_xact_lock('` + k + `'::regclass::oid::int4, $1)`,
		// One snapshot, taken after the lock: the tombstone check and the
		// insert see the same state, and every Destroy of the subject has
		// either committed before it or waits for it.
		create: `WITH t AS (SELECT EXISTS (SELECT 1 FROM ` + t + ` WHERE subject = $1) AS dead),
			i AS (INSERT INTO ` + k + ` (subject, wrapped) SELECT $1, $2 FROM t WHERE NOT t.dead
				ON CONFLICT (subject) DO NOTHING RETURNING 1)
			SELECT (SELECT dead FROM t), EXISTS (SELECT 1 FROM i)`,
		get: `SELECT EXISTS (SELECT 1 FROM ` + t + ` WHERE subject = $1), (SELECT wrapped FROM ` + k + ` WHERE subject = $1)`,
		destroy: `WITH d AS (DELETE FROM ` + k + ` WHERE subject = $1)
			INSERT INTO ` + t + ` (subject) VALUES ($1) ON CONFLICT (subject) DO NOTHING`,
		tombstone: `SELECT destroyed_at FROM ` + t + ` WHERE subject = $1`,
	}
}

// subjectLockKey returns the second half of the subject's advisory lock
// key: a 32-bit FNV-1a hash, the same in every process. Subjects that hash
// alike only wait for each other.
func subjectLockKey(subject string) int32 {
	h := fnv.New32a()
	h.Write([]byte(subject))
	return int32(h.Sum32())
}

func checkSubject(subject string) error {
	if len(subject) > MaxSubjectLength {
		return fmt.Errorf("%w: pgkeys: subject of %d bytes is longer than %d", keys.ErrInvalidParams, len(subject), MaxSubjectLength)
	}
	return nil
}

// Create implements [keys.SubjectKeyStore]: it stores wrapped as the
// subject's key, or fails with [keys.ErrKeyExists] when the subject has a
// key and [keys.ErrKeyDestroyed] when it has a tombstone. An empty wrapped
// key fails with [keys.ErrInvalidParams].
func (s *Store) Create(ctx context.Context, subject string, wrapped []byte) error {
	if err := checkSubject(subject); err != nil {
		return err
	}
	if len(wrapped) == 0 {
		return fmt.Errorf("%w: pgkeys: empty wrapped key", keys.ErrInvalidParams)
	}
	var dead, inserted bool
	err := s.locked(ctx, "create", subject, s.q.create, []any{[]byte(subject), wrapped}, &dead, &inserted)
	switch {
	case err != nil:
		return err
	case dead:
		return fmt.Errorf("%w: pgkeys: subject was erased", keys.ErrKeyDestroyed)
	case !inserted:
		return fmt.Errorf("%w: pgkeys: subject already has a key", keys.ErrKeyExists)
	}
	return nil
}

// Get implements [keys.SubjectKeyStore]: it returns the subject's wrapped
// key, or fails with [keys.ErrKeyDestroyed] when the subject has a
// tombstone (even if its key row is present again) and [keys.ErrKeyNotFound]
// when it has neither. The returned slice is the caller's.
func (s *Store) Get(ctx context.Context, subject string) ([]byte, error) {
	if err := checkSubject(subject); err != nil {
		return nil, err
	}
	var (
		dead    bool
		wrapped []byte
	)
	if err := s.pool.QueryRow(ctx, s.q.get, []byte(subject)).Scan(&dead, &wrapped); err != nil {
		return nil, wrap(ctx, "get", err)
	}
	switch {
	case dead:
		return nil, fmt.Errorf("%w: pgkeys: subject was erased", keys.ErrKeyDestroyed)
	case wrapped == nil:
		return nil, fmt.Errorf("%w: pgkeys: no key for subject", keys.ErrKeyNotFound)
	}
	return wrapped, nil
}

// Destroy implements [keys.SubjectKeyStore]: in one transaction it deletes
// the subject's key row and records a tombstone (keeping the first one's
// time when there is one already). Destroying a subject without a key
// records the tombstone too; destroying twice is not an error.
func (s *Store) Destroy(ctx context.Context, subject string) error {
	if err := checkSubject(subject); err != nil {
		return err
	}
	return s.locked(ctx, "destroy", subject, s.q.destroy, []any{[]byte(subject)})
}

// Tombstone reports when the subject's key was first destroyed, and whether
// it was. The time comes from the server's clock.
func (s *Store) Tombstone(ctx context.Context, subject string) (time.Time, bool, error) {
	if err := checkSubject(subject); err != nil {
		return time.Time{}, false, err
	}
	var at time.Time
	err := s.pool.QueryRow(ctx, s.q.tombstone, []byte(subject)).Scan(&at)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return time.Time{}, false, nil
	case err != nil:
		return time.Time{}, false, wrap(ctx, "tombstone", err)
	}
	return at.UTC(), true, nil
}

// locked runs query with args after taking the subject's advisory lock, in
// one implicit transaction (a pipeline of two statements and one Sync: one
// round trip). If dest is given, query returns one row scanned into it.
// It returns once the transaction has committed.
func (s *Store) locked(ctx context.Context, op, subject, query string, args []any, dest ...any) error {
	b := &pgx.Batch{}
	b.Queue(s.q.lock, subjectLockKey(subject))
	b.Queue(query, args...)
	br := s.pool.SendBatch(ctx, b)
	_, err := br.Exec()
	if err == nil {
		if len(dest) > 0 {
			err = br.QueryRow().Scan(dest...)
		} else {
			_, err = br.Exec()
		}
	}
	// Close reads up to the end of the pipeline, where the implicit
	// transaction commits; its error counts as much as the statements'.
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return wrap(ctx, op, err)
	}
	return nil
}

// wrap adds the package name and the operation to a driver error. Context
// errors stay matchable with errors.Is (also when the server reported the
// cancellation), and a server error stays matchable
// as a *pgconn.PgError with its code, message and names, but without the
// fields that may quote row values (Detail, Where, Hint, queries).
func wrap(ctx context.Context, op string, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		err = &pgconn.PgError{
			Severity:            pe.Severity,
			SeverityUnlocalized: pe.SeverityUnlocalized,
			Code:                pe.Code,
			Message:             pe.Message,
			SchemaName:          pe.SchemaName,
			TableName:           pe.TableName,
			ColumnName:          pe.ColumnName,
			DataTypeName:        pe.DataTypeName,
			ConstraintName:      pe.ConstraintName,
		}
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("pgkeys: %s: %w: %w", op, cerr, err)
	}
	return fmt.Errorf("pgkeys: %s: %w", op, err)
}
