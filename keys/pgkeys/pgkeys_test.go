package pgkeys_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/internal/pgtest"
	"github.com/custos-dev/custos/internal/testsvc"
	"github.com/custos-dev/custos/keys"
	"github.com/custos-dev/custos/keys/keystoretest"
	"github.com/custos-dev/custos/keys/pgkeys"
)

var ctx = context.Background()

// TestMain leaves the examples out of the run when no PostgreSQL is
// configured or reachable (an example cannot skip itself), unless services
// are required; the tests skip or fail on their own through testsvc.
func TestMain(m *testing.M) {
	flag.Parse()
	if reason := postgresMissing(); reason != "" && !testsvc.Required() {
		skip := "^Example"
		if cur := flag.Lookup("test.skip").Value.String(); cur != "" {
			skip = cur + "|" + skip
		}
		if err := flag.Set("test.skip", skip); err != nil {
			fmt.Fprintln(os.Stderr, "pgkeys:", err)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "pgkeys: skipping the examples: %s\n", reason)
	}
	os.Exit(m.Run())
}

func postgresMissing() string {
	url := os.Getenv(testsvc.EnvPostgresURL)
	if url == "" {
		return "PostgreSQL not configured; set " + testsvc.EnvPostgresURL
	}
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(c, url)
	if err != nil {
		return "PostgreSQL unreachable: " + err.Error()
	}
	_ = conn.Close(c)
	return ""
}

// pool connects to the test server, or skips (fails when services are
// required) if there is none. maxConns 0 keeps pgxpool's default.
func pool(tb testing.TB, maxConns int32) *pgxpool.Pool {
	tb.Helper()
	return pgtest.Pool(tb, maxConns, nil)
}

// newTable migrates tables with a name unique to this run and drops them
// when the test ends.
func newTable(tb testing.TB, p *pgxpool.Pool) string {
	tb.Helper()
	name := pgtest.TableName("custos_keys_test")
	require.NoError(tb, pgkeys.Migrate(ctx, p, name))
	tb.Cleanup(func() { dropTables(tb, p, name) })
	return name
}

func dropTables(tb testing.TB, p *pgxpool.Pool, name string) {
	_, err := p.Exec(context.Background(), "DROP TABLE IF EXISTS "+pgx.Identifier{name}.Sanitize()+", "+pgx.Identifier{name + pgkeys.TombstoneSuffix}.Sanitize())
	assert.NoError(tb, err)
}

func newStore(tb testing.TB, p *pgxpool.Pool) (*pgkeys.Store, string) {
	tb.Helper()
	name := newTable(tb, p)
	s, err := pgkeys.New(p, name)
	require.NoError(tb, err)
	return s, name
}

// restoreKey writes a key row behind the store's back, as restoring the
// keys table from a backup would.
func restoreKey(p *pgxpool.Pool, name string) func(context.Context, string, []byte) error {
	return func(ctx context.Context, subject string, wrapped []byte) error {
		_, err := p.Exec(ctx, "INSERT INTO "+pgx.Identifier{name}.Sanitize()+" (subject, wrapped) VALUES ($1, $2) ON CONFLICT (subject) DO UPDATE SET wrapped = EXCLUDED.wrapped", []byte(subject), wrapped)
		return err
	}
}

func hasKey(p *pgxpool.Pool, name string) func(context.Context, string) (bool, error) {
	return func(ctx context.Context, subject string) (bool, error) {
		var ok bool
		err := p.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+pgx.Identifier{name}.Sanitize()+" WHERE subject = $1)", []byte(subject)).Scan(&ok)
		return ok, err
	}
}

func TestConformance(t *testing.T) {
	p := pool(t, 8)
	keystoretest.Run(t, func(t *testing.T) keystoretest.Harness {
		s, name := newStore(t, p)
		return keystoretest.Harness{Store: s, RestoreKey: restoreKey(p, name), HasKey: hasKey(p, name)}
	})
}

// Two pools stand for two service instances, which name the table
// differently (one through the search path, one schema-qualified): a Create
// in one and a Destroy in the other, racing, leave no key behind in either,
// and every subject keeps exactly one key when the instances race to create
// it.
func TestTwoInstances(t *testing.T) {
	p1, p2 := pool(t, 4), pool(t, 4)
	s1, name := newStore(t, p1)
	s2, err := pgkeys.New(p2, "public."+name)
	require.NoError(t, err)
	has := hasKey(p1, name)
	const n = 100
	var wg sync.WaitGroup
	errs := make([]error, 3*n)
	for i := range n {
		sub := fmt.Sprintf("subject-%d", i)
		wg.Go(func() { errs[3*i] = s1.Create(ctx, sub, []byte("one")) })
		wg.Go(func() { errs[3*i+1] = s2.Create(ctx, sub, []byte("two")) })
		if i%2 == 0 {
			wg.Go(func() { errs[3*i+2] = s2.Destroy(ctx, sub) })
		}
	}
	wg.Wait()
	for i := range n {
		sub := fmt.Sprintf("subject-%d", i)
		require.NoError(t, errs[3*i+2], sub)
		ok, err := has(ctx, sub)
		require.NoError(t, err)
		if i%2 == 0 {
			assert.False(t, ok, "%s: key left after Destroy", sub)
			_, err := s1.Get(ctx, sub)
			assert.ErrorIs(t, err, keys.ErrKeyDestroyed, sub)
			continue
		}
		wins := 0
		for _, err := range errs[3*i : 3*i+2] {
			if err == nil {
				wins++
			} else {
				assert.ErrorIs(t, err, keys.ErrKeyExists, sub)
			}
		}
		assert.Equal(t, 1, wins, sub)
		w1, err := s1.Get(ctx, sub)
		require.NoError(t, err)
		w2, err := s2.Get(ctx, sub)
		require.NoError(t, err)
		assert.Equal(t, w1, w2)
		assert.True(t, ok)
	}
}

// keys.SubjectKeys on PostgreSQL: a key survives a restart (a new pool, a
// new store, a new SubjectKeys), and shredding holds in every instance and
// against a restored backup of the keys table.
func TestSubjectKeys(t *testing.T) {
	p := pool(t, 4)
	s, name := newStore(t, p)
	kek, err := keys.GenerateMasterKey()
	require.NoError(t, err)
	sk, err := keys.NewSubjectKeys(s, kek)
	require.NoError(t, err)
	ad := []byte("customers.email")
	cts := map[string][]byte{}
	for _, sub := range []string{"c1", "c2"} {
		a, err := sk.AEAD(ctx, sub)
		require.NoError(t, err)
		cts[sub], err = a.Encrypt([]byte(sub+"@example.com"), ad)
		require.NoError(t, err)
	}
	backup := keysTable(t, p, name)
	require.Len(t, backup, 2)

	// A restart: everything new but the tables and the KEK.
	restart := func() *keys.SubjectKeys {
		p2 := pool(t, 2)
		s2, err := pgkeys.New(p2, name)
		require.NoError(t, err)
		sk2, err := keys.NewSubjectKeys(s2, kek)
		require.NoError(t, err)
		return sk2
	}
	sk2 := restart()
	for sub, ct := range cts {
		a, err := sk2.ExistingAEAD(ctx, sub)
		require.NoError(t, err)
		pt, err := a.Decrypt(ct, ad)
		require.NoError(t, err)
		assert.Equal(t, sub+"@example.com", string(pt))
	}

	require.NoError(t, sk.Destroy(ctx, "c1"))
	assert.NotContains(t, keysTable(t, p, name), "c1")
	at, ok, err := s.Tombstone(ctx, "c1")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.WithinDuration(t, time.Now(), at, time.Minute)
	_, ok, err = s.Tombstone(ctx, "c2")
	require.NoError(t, err)
	assert.False(t, ok)

	// The keys table comes back from the backup: c1 stays erased.
	for sub, w := range backup {
		require.NoError(t, restoreKey(p, name)(ctx, sub, w))
	}
	require.Contains(t, keysTable(t, p, name), "c1")
	sk3 := restart()
	_, err = sk3.ExistingAEAD(ctx, "c1")
	assert.ErrorIs(t, err, keys.ErrKeyDestroyed)
	_, err = sk3.AEAD(ctx, "c1")
	assert.ErrorIs(t, err, keys.ErrKeyDestroyed)
	a, err := sk3.ExistingAEAD(ctx, "c2")
	require.NoError(t, err)
	pt, err := a.Decrypt(cts["c2"], ad)
	require.NoError(t, err)
	assert.Equal(t, "c2@example.com", string(pt))
}

// keysTable returns the keys table's rows.
func keysTable(t *testing.T, p *pgxpool.Pool, name string) map[string][]byte {
	t.Helper()
	rows, err := p.Query(ctx, "SELECT subject, wrapped FROM "+pgx.Identifier{name}.Sanitize())
	require.NoError(t, err)
	out := map[string][]byte{}
	for rows.Next() {
		var sub, w []byte
		require.NoError(t, rows.Scan(&sub, &w))
		out[string(sub)] = w
	}
	require.NoError(t, rows.Err())
	return out
}

func TestTableNames(t *testing.T) {
	p := &pgxpool.Pool{} // never contacted
	max := strings.Repeat("a", pgkeys.MaxTableNameLength)
	tests := []struct {
		name string
		ok   bool
	}{
		{"subject_keys", true},
		{"Keys_2", true},
		{"_k", true},
		{"app.subject_keys", true},
		{max, true},
		{"app." + max, true},
		{max + "a", false},
		{"", false},
		{"2keys", false},
		{"keys; DROP TABLE x", false},
		{`ke"ys`, false},
		{"a.b.c", false},
		{"app.", false},
		{".keys", false},
		{"këys", false},
		{"k-1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pgkeys.New(p, tt.name)
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, pgkeys.ErrInvalidTable)
			assert.ErrorIs(t, pgkeys.Migrate(ctx, p, tt.name), pgkeys.ErrInvalidTable)
		})
	}
	_, err := pgkeys.New(nil, "subject_keys")
	assert.ErrorIs(t, err, keys.ErrInvalidParams)
	assert.ErrorIs(t, pgkeys.Migrate(ctx, nil, "subject_keys"), keys.ErrInvalidParams)
}

// Migrate is idempotent and safe to run concurrently, and works in a schema.
func TestMigrate(t *testing.T) {
	p := pool(t, 4)
	name := newTable(t, p)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = pgkeys.Migrate(ctx, p, name) })
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))

	// Fresh tables, migrated concurrently.
	var r [4]byte
	_, _ = rand.Read(r[:])
	fresh := "custos_keys_fresh_" + hex.EncodeToString(r[:])
	t.Cleanup(func() { dropTables(t, p, fresh) })
	for i := range errs {
		wg.Go(func() { errs[i] = pgkeys.Migrate(ctx, p, fresh) })
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))

	schema := "custos_keys_schema_" + hex.EncodeToString(r[:])
	_, err := p.Exec(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := p.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		assert.NoError(t, err)
	})
	require.NoError(t, pgkeys.Migrate(ctx, p, schema+".subject_keys"))
	s, err := pgkeys.New(p, schema+".subject_keys")
	require.NoError(t, err)
	require.NoError(t, s.Create(ctx, "a", []byte{1}))
	require.NoError(t, s.Destroy(ctx, "a"))
	var n int
	require.NoError(t, p.QueryRow(ctx, "SELECT count(*) FROM "+schema+".subject_keys_tombstones").Scan(&n))
	assert.Equal(t, 1, n)
}

func TestInvalidArguments(t *testing.T) {
	p := pool(t, 2)
	s, name := newStore(t, p)
	long := strings.Repeat("x", pgkeys.MaxSubjectLength+1)
	assert.ErrorIs(t, s.Create(ctx, long, []byte{1}), keys.ErrInvalidParams)
	_, err := s.Get(ctx, long)
	assert.ErrorIs(t, err, keys.ErrInvalidParams)
	assert.ErrorIs(t, s.Destroy(ctx, long), keys.ErrInvalidParams)
	_, _, err = s.Tombstone(ctx, long)
	assert.ErrorIs(t, err, keys.ErrInvalidParams)
	assert.NotContains(t, err.Error(), "xxxx")

	assert.ErrorIs(t, s.Create(ctx, "a", nil), keys.ErrInvalidParams)
	assert.ErrorIs(t, s.Create(ctx, "a", []byte{}), keys.ErrInvalidParams)
	_, err = s.Get(ctx, "a")
	assert.ErrorIs(t, err, keys.ErrKeyNotFound, "a refused Create stores nothing")

	// The longest subject works, and the empty one is a subject like any.
	max := strings.Repeat("m", pgkeys.MaxSubjectLength)
	for _, sub := range []string{max, ""} {
		require.NoError(t, s.Create(ctx, sub, []byte(name)))
		w, err := s.Get(ctx, sub)
		require.NoError(t, err)
		assert.Equal(t, []byte(name), w)
		require.NoError(t, s.Destroy(ctx, sub))
	}
}

// Driver and server errors name the operation, keep their code, and show
// no subject or key.
func TestErrors(t *testing.T) {
	p := pool(t, 2)
	s, err := pgkeys.New(p, "custos_keys_never_migrated")
	require.NoError(t, err)
	const sub = "subject-secret-4711"
	w := []byte("wrapped-secret-0815")
	errs := []error{s.Create(ctx, sub, w), s.Destroy(ctx, sub)}
	_, err = s.Get(ctx, sub)
	errs = append(errs, err)
	_, _, err = s.Tombstone(ctx, sub)
	errs = append(errs, err)
	for _, err := range errs {
		require.Error(t, err)
		assert.NotErrorIs(t, err, keys.ErrKeyNotFound)
		assert.True(t, strings.HasPrefix(err.Error(), "pgkeys: "), err.Error())
		var pe *pgconn.PgError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "42P01", pe.Code) // undefined_table
		assert.Empty(t, pe.Detail)
		for _, secret := range []string{sub, string(w), hex.EncodeToString([]byte(sub)), hex.EncodeToString(w)} {
			assert.NotContains(t, err.Error(), secret)
			assert.NotContains(t, fmt.Sprintf("%+v", err), secret)
		}
	}

	// A deadline that passes while the server works is reported as such.
	s2, name := newStore(t, p)
	require.NoError(t, s2.Create(ctx, sub, w))
	lockCtx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	tx, err := p.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	_, err = tx.Exec(ctx, "LOCK TABLE "+pgx.Identifier{name}.Sanitize()+" IN ACCESS EXCLUSIVE MODE")
	require.NoError(t, err)
	err = s2.Destroy(lockCtx, sub)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	require.NoError(t, tx.Rollback(ctx))
	got, err := s2.Get(ctx, sub)
	require.NoError(t, err, "a Destroy that timed out changed nothing")
	assert.Equal(t, w, got)
}

// The store's Get is one round trip: with a second connection blocked on
// the key row, Get still answers (it takes no lock), and the answer is
// consistent.
func TestGetTakesNoLock(t *testing.T) {
	p := pool(t, 4)
	s, name := newStore(t, p)
	w := []byte("wrapped")
	require.NoError(t, s.Create(ctx, "a", w))
	tx, err := p.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	_, err = tx.Exec(ctx, "SELECT * FROM "+pgx.Identifier{name}.Sanitize()+" FOR UPDATE")
	require.NoError(t, err)
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	got, err := s.Get(c, "a")
	require.NoError(t, err)
	assert.True(t, bytes.Equal(w, got))
}
