package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-dev/custos/access"
	"github.com/custos-dev/custos/encrypt"
	"github.com/custos-dev/custos/internal/testsvc"
	"github.com/custos-dev/custos/keys"
	"github.com/custos-dev/custos/keys/pgkeys"
	"github.com/custos-dev/custos/retention"
	"github.com/custos-dev/custos/tokenize"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	ctx     = context.Background()
	support = as(ctx, supportAgent, "support")
	billing = as(ctx, billingAgent, "billing")
	job     = as(ctx, erasureJob, "erasure")
	// clock is the fixed time of the retention components in tests.
	clock = time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)
)

func fixedNow() time.Time { return clock }

func TestRun(t *testing.T) {
	var out, audit bytes.Buffer
	require.NoError(t, run(ctx, &out, &audit, config{Dir: t.TempDir(), Now: fixedNow}))
	s := out.String()
	assert.Regexp(t, `(?m)^  c1  email \d+ bytes, name \d+ bytes \(key of c1\), email_idx [0-9a-f]+, card token [a-z2-7]{26}$`, s)
	assert.Contains(t, s, `Find by email " ADA@example.com": [c1]`)
	assert.Contains(t, s, "Legal hold hold-17 on c3 by legal:dana (litigation 2026-041)")
	assert.Contains(t, s, `Erasure request req-1 for c1: erased
  key shredded: true
  erased from vault tokens: 2
  erased from blind index: 1
  out of reach: key: other service instances may still use a cached copy of the data key until 2026-11-21T09:31:00Z (cache TTL 1m0s)
  out of reach: database backups: email and name are encrypted under the subject key, unreadable once it is destroyed
`)
	assert.Contains(t, s, "c1 profile:       encrypt: customers.email: keys: key destroyed (key destroyed: true)")
	assert.Regexp(t, `c1 row:           email \d+ bytes, name \d+ bytes, email_idx none, card token ""`, s)
	assert.Contains(t, s, "payment token:    tokenize: token not found")
	assert.Contains(t, s, "find ada@example.com: 0 customer(s)")
	assert.Contains(t, s, "c2 untouched:     Grace Hopper <grace@example.com>, card ending 4444")
	assert.Contains(t, s, "Erasure request req-2 for c3: queued, holds [hold-17]")
	assert.Contains(t, s, "queued: req-2 for c3")
	assert.Contains(t, s, "c3 still readable: alan@example.org")

	// The audit trail names who did what, never a value or a token.
	a := audit.String()
	assert.Equal(t, 1, strings.Count(a, "event.act=place_hold"))
	assert.Equal(t, 2, strings.Count(a, "event.act=erasure"))
	assert.Contains(t, a, "principal=erasure-job roles=[privacy] purpose=erasure action=detokenize resource=customers.card")
	tokens := regexp.MustCompile(`[a-z2-7]{26}`).FindAllString(s, -1)
	require.Len(t, tokens, 4)
	secrets := append(tokens, "4111 1111 1111 1111", "4111111111111111", "5555 5555 5555 4444", "3782 822463 10005", "Ada Lovelace", "Grace Hopper", "Alan Turing")
	for _, c := range customers {
		secrets = append(secrets, c.Email)
	}
	for _, v := range secrets {
		assert.NotContains(t, a, v)
	}
}

func TestErasureMemory(t *testing.T) {
	a, err := newApp(ctx, config{Dir: t.TempDir(), Now: fixedNow})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, a.Close()) })
	testErasure(t, a, nil)
}

func TestErasurePostgres(t *testing.T) {
	url := testsvc.PostgresURL(t)
	db, err := sql.Open("pgx", url)
	require.NoError(t, err)
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		testsvc.Unavailable(t, "PostgreSQL", err)
	}
	a, err := newApp(ctx, config{PostgresURL: url, Now: fixedNow})
	require.NoError(t, err)
	closed := false
	t.Cleanup(func() {
		if !closed {
			_ = a.Close()
		}
	})
	tbl := a.table.(*sqlTable).name
	vaultTbl := strings.Replace(tbl, "customers", "vault", 1)
	keysTbl := strings.Replace(tbl, "customers", "keys", 1)
	tombTbl := keysTbl + pgkeys.TombstoneSuffix
	backupTbl := keysTbl + "_backup"
	t.Cleanup(func() { _, _ = db.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+backupTbl) })

	testErasure(t, a, func() {
		// A backup of the subject keys, taken before the erasure.
		_, err := db.ExecContext(ctx, "CREATE TABLE "+backupTbl+" AS SELECT * FROM "+keysTbl)
		require.NoError(t, err)
	})

	// The key store holds no key of an erased customer, only tombstones.
	subjects := func(table string) []string {
		rows, err := db.QueryContext(ctx, "SELECT convert_from(subject, 'UTF8') FROM "+table+" ORDER BY 1")
		require.NoError(t, err)
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			require.NoError(t, rows.Scan(&s))
			out = append(out, s)
		}
		require.NoError(t, rows.Err())
		return out
	}
	assert.Equal(t, []string{"c1", "c2", "c3"}, subjects(backupTbl))
	assert.Equal(t, []string{"c2"}, subjects(keysTbl))
	assert.Equal(t, []string{"c1", "c3"}, subjects(tombTbl))

	// The keys table is restored from the backup, and the service restarts:
	// a new pool, store and SubjectKeys on the same tables and KEK. The
	// erased customers stay erased; the others are readable.
	_, err = db.ExecContext(ctx, "INSERT INTO "+keysTbl+" SELECT * FROM "+backupTbl+" ON CONFLICT DO NOTHING")
	require.NoError(t, err)
	require.Equal(t, []string{"c1", "c2", "c3"}, subjects(keysTbl))
	pool, err := pgxpool.New(ctx, url)
	require.NoError(t, err)
	defer pool.Close()
	store, err := pgkeys.New(pool, keysTbl)
	require.NoError(t, err)
	sk, err := keys.NewSubjectKeys(store, a.kek)
	require.NoError(t, err)
	email, err := encrypt.NewSubjectField(sk, "customers", "email")
	require.NoError(t, err)
	for _, c := range customers {
		r, err := a.table.get(ctx, c.ID)
		require.NoError(t, err)
		pt, err := email.Decrypt(ctx, c.ID, r.Email)
		if c.ID == "c2" {
			require.NoError(t, err)
			assert.Equal(t, c.Email, string(pt))
			continue
		}
		assert.ErrorIs(t, err, keys.ErrKeyDestroyed, c.ID)
		assert.Nil(t, pt, c.ID)
	}

	// The table holds no plaintext, and the erased row keeps only
	// ciphertexts under a destroyed key.
	var raw string
	require.NoError(t, db.QueryRowContext(ctx, "SELECT string_agg(encode(email, 'escape') || encode(name, 'escape') || coalesce(card_token, ''), '') FROM "+tbl).Scan(&raw))
	for _, c := range customers {
		assert.NotContains(t, raw, c.Email)
		assert.NotContains(t, raw, c.Name)
		assert.NotContains(t, raw, c.Card)
	}
	var idxNull, tokNull bool
	require.NoError(t, db.QueryRowContext(ctx, "SELECT email_idx IS NULL, card_token IS NULL FROM "+tbl+" WHERE id = 'c1'").Scan(&idxNull, &tokNull))
	assert.True(t, idxNull)
	assert.True(t, tokNull)
	var vaultRows int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*) FROM "+vaultTbl).Scan(&vaultRows))
	assert.Equal(t, 2, vaultRows, "c2's card token and payment token; c1's and c3's were erased")

	// Close drops both tables.
	require.NoError(t, a.Close())
	closed = true
	for _, name := range []string{tbl, vaultTbl, keysTbl, tombTbl} {
		var reg sql.NullString
		require.NoError(t, db.QueryRowContext(ctx, "SELECT to_regclass($1)::text", name).Scan(&reg))
		assert.False(t, reg.Valid, "table %s dropped", name)
	}
}

// testErasure checks issue 7's erasure criteria on the real components:
// after erasing a subject its ciphertexts fail with keys.ErrKeyDestroyed,
// its tokens are gone, its blind-index lookups find nothing, other subjects
// are untouched, and a held subject is refused and queued. beforeErase, if
// not nil, runs just before the first erasure.
func testErasure(t *testing.T, a *app, beforeErase func()) {
	for _, c := range customers {
		require.NoError(t, a.signUp(ctx, c))
	}
	pay1, err := a.checkout(ctx, customers[0].Card)
	require.NoError(t, err)
	pay2, err := a.checkout(ctx, customers[1].Card)
	require.NoError(t, err)
	rows := map[string]row{}
	for _, c := range customers {
		rows[c.ID], err = a.table.get(ctx, c.ID)
		require.NoError(t, err)
	}
	backup := rows["c1"] // a copy taken before the erasure, as in a backup

	// Everything works before.
	for _, c := range customers {
		checkReadable(t, a, c, rows[c.ID])
	}
	got, err := a.cards.Detokenize(billing, pay1)
	require.NoError(t, err)
	require.Equal(t, customers[0].Card, got)

	hold, err := a.governor.PlaceHold(ctx, a.holds, retention.Hold{ID: "hold-17", Subject: "c3", Reason: "litigation"},
		retention.Privilege{Actor: legalActor, Reason: "preservation notice"})
	require.NoError(t, err)

	if beforeErase != nil {
		beforeErase()
	}
	rep, err := a.eraser.Erase(job, retention.ErasureRequest{ID: "req-1", Subject: "c1", Actor: privacyActor, At: clock})
	require.NoError(t, err)
	assert.Equal(t, retention.ErasureReport{
		RequestID: "req-1", Subject: "c1", Time: clock, Status: retention.Erased, KeyShredded: true,
		Erased: []retention.ErasedItem{{Store: "vault tokens", Count: 2}, {Store: "blind index", Count: 1}},
		OutOfReach: []string{
			"key: other service instances may still use a cached copy of the data key until 2026-11-21T09:31:00Z (cache TTL 1m0s)",
			"database backups: email and name are encrypted under the subject key, unreadable once it is destroyed",
		},
	}, rep)

	t.Run("ciphertexts fail with ErrKeyDestroyed", func(t *testing.T) {
		cur, err := a.table.get(ctx, "c1")
		require.NoError(t, err)
		assert.Equal(t, backup.Email, cur.Email, "the row keeps its ciphertexts")
		for _, ct := range []struct {
			name string
			f    *encrypt.SubjectField
			ct   []byte
		}{{"email", a.email, cur.Email}, {"name", a.name, cur.Name}, {"backup email", a.email, backup.Email}, {"backup name", a.name, backup.Name}} {
			pt, err := ct.f.Decrypt(support, "c1", ct.ct)
			assert.ErrorIs(t, err, keys.ErrKeyDestroyed, ct.name)
			assert.Nil(t, pt, ct.name)
		}
		// Another instance sharing the key store, with a cold cache, fails
		// too: the store keeps a tombstone.
		sk2, err := keys.NewSubjectKeys(a.keyStore, a.kek)
		require.NoError(t, err)
		f2, err := encrypt.NewSubjectField(sk2, "customers", "email")
		require.NoError(t, err)
		_, err = f2.Decrypt(ctx, "c1", backup.Email)
		assert.ErrorIs(t, err, keys.ErrKeyDestroyed)
		pt, err := f2.Decrypt(ctx, "c2", rows["c2"].Email)
		require.NoError(t, err)
		assert.Equal(t, customers[1].Email, string(pt))
		// No new key can be made for the subject.
		_, err = a.email.Encrypt(ctx, "c1", []byte("new@example.com"))
		assert.ErrorIs(t, err, keys.ErrKeyDestroyed)
	})
	t.Run("tokens are gone", func(t *testing.T) {
		for _, tok := range []string{backup.CardToken, pay1} {
			v, err := a.cards.Detokenize(billing, tok)
			assert.ErrorIs(t, err, tokenize.ErrNotFound)
			assert.Empty(t, v)
		}
		cur, err := a.table.get(ctx, "c1")
		require.NoError(t, err)
		assert.Empty(t, cur.CardToken)
	})
	t.Run("blind-index lookups find nothing", func(t *testing.T) {
		for _, q := range []string{"ada@example.com", " ADA@Example.com "} {
			ids, err := a.findByEmail(support, q)
			require.NoError(t, err)
			assert.Empty(t, ids, q)
			idx, err := a.emailIdx.ComputeString(q)
			require.NoError(t, err)
			cands, err := a.table.byEmailIndex(ctx, idx)
			require.NoError(t, err)
			for _, r := range cands {
				assert.NotEqual(t, "c1", r.ID, "the index no longer points at c1")
			}
		}
		cur, err := a.table.get(ctx, "c1")
		require.NoError(t, err)
		assert.Nil(t, cur.EmailIdx)
	})
	t.Run("others untouched", func(t *testing.T) {
		for _, c := range customers[1:] {
			checkReadable(t, a, c, rows[c.ID])
		}
		got, err := a.cards.Detokenize(billing, pay2)
		require.NoError(t, err)
		assert.Equal(t, customers[1].Card, got)
	})
	t.Run("running the request again is safe", func(t *testing.T) {
		rep, err := a.eraser.Erase(job, retention.ErasureRequest{ID: "req-1", Subject: "c1", Actor: privacyActor, At: clock})
		require.NoError(t, err)
		assert.Equal(t, retention.Erased, rep.Status)
		assert.True(t, rep.KeyShredded)
		assert.Equal(t, []retention.ErasedItem{{Store: "vault tokens", Count: 0}, {Store: "blind index", Count: 0}}, rep.Erased)
	})
	t.Run("held subject is refused and queued", func(t *testing.T) {
		rep, err := a.eraser.Erase(job, retention.ErasureRequest{ID: "req-2", Subject: "c3", Actor: privacyActor, At: clock})
		assert.ErrorIs(t, err, retention.ErrHeld)
		assert.Equal(t, retention.ErasureReport{RequestID: "req-2", Subject: "c3", Time: clock, Status: retention.Queued, Holds: []string{"hold-17"}}, rep)
		pending := a.queue.Pending()
		require.Len(t, pending, 1)
		assert.Equal(t, "req-2", pending[0].ID)
		assert.Equal(t, "c3", pending[0].Subject)
		checkReadable(t, a, customers[2], rows["c3"])

		// Once the hold is lifted, the queued request runs.
		require.NoError(t, a.governor.LiftHold(ctx, a.holds, hold.ID, retention.Privilege{Actor: legalActor, Reason: "case closed"}))
		rep, err = a.eraser.Erase(job, pending[0])
		require.NoError(t, err)
		assert.Equal(t, retention.Erased, rep.Status)
		assert.Equal(t, []retention.ErasedItem{{Store: "vault tokens", Count: 1}, {Store: "blind index", Count: 1}}, rep.Erased)
		_, _, err = a.profile(support, "c3")
		assert.ErrorIs(t, err, keys.ErrKeyDestroyed)
		checkReadable(t, a, customers[1], rows["c2"])
	})
}

// checkReadable checks that c can be decrypted, detokenized and found.
func checkReadable(t *testing.T, a *app, c customer, r row) {
	t.Helper()
	email, name, err := a.profile(support, c.ID)
	require.NoError(t, err, c.ID)
	assert.Equal(t, c.Email, email)
	assert.Equal(t, c.Name, name)
	card, err := a.cards.Detokenize(billing, r.CardToken)
	require.NoError(t, err, c.ID)
	assert.Equal(t, c.Card, card)
	ids, err := a.findByEmail(support, strings.ToUpper(c.Email))
	require.NoError(t, err)
	assert.Equal(t, []string{c.ID}, ids)
}

// A retry after a half-done attempt: the tokens were deleted but the row
// still names the card token. The retry clears it and reports 0.
func TestCardTokensRetry(t *testing.T) {
	a, err := newApp(ctx, config{Dir: t.TempDir(), Now: fixedNow})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, a.Close()) })
	require.NoError(t, a.signUp(ctx, customers[0]))
	n, err := a.cards.DeleteValue(ctx, customers[0].Card)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	rep, err := a.eraser.Erase(job, retention.ErasureRequest{ID: "r", Subject: "c1", Actor: privacyActor})
	require.NoError(t, err)
	assert.Equal(t, []retention.ErasedItem{{Store: "vault tokens", Count: 0}, {Store: "blind index", Count: 1}}, rep.Erased)
	r, err := a.table.get(ctx, "c1")
	require.NoError(t, err)
	assert.Empty(t, r.CardToken)

	// Without the erasure role the card cannot be read back: the step
	// fails, the others still run, and the report says Partial.
	require.NoError(t, a.signUp(ctx, customers[1]))
	rep, err = a.eraser.Erase(support, retention.ErasureRequest{ID: "r2", Subject: "c2", Actor: privacyActor})
	assert.ErrorIs(t, err, access.ErrDenied)
	assert.Equal(t, retention.Partial, rep.Status)
	assert.Equal(t, []string{"vault tokens"}, rep.Failed)
	assert.True(t, rep.KeyShredded)
	// Run again with the right principal: the tokens go.
	rep, err = a.eraser.Erase(job, retention.ErasureRequest{ID: "r2", Subject: "c2", Actor: privacyActor})
	require.NoError(t, err)
	assert.Equal(t, []retention.ErasedItem{{Store: "vault tokens", Count: 1}, {Store: "blind index", Count: 0}}, rep.Erased)
}

// Erasures of many subjects at once, from many goroutines, end in the same
// state as one by one: exactly the erased subjects are unreadable.
func TestConcurrentErasure(t *testing.T) {
	a, err := newApp(ctx, config{Dir: t.TempDir(), Now: fixedNow})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, a.Close()) })
	const n = 24
	var all []customer
	for i := range n {
		// Distinct card numbers: DeleteValue removes every token of a number.
		c := customer{ID: fmt.Sprintf("k%02d", i), Email: fmt.Sprintf("user%d@example.com", i), Name: fmt.Sprintf("User %d", i), Card: fmt.Sprintf("4000 0000 0000 %04d", i)}
		all = append(all, c)
		require.NoError(t, a.signUp(ctx, c))
	}
	var wg sync.WaitGroup
	errs := make([]error, 2*n)
	for i := 0; i < n; i += 2 {
		for j := range 2 { // each erased twice, concurrently
			wg.Go(func() {
				_, errs[2*i+j] = a.eraser.Erase(job, retention.ErasureRequest{ID: all[i].ID, Subject: all[i].ID, Actor: privacyActor})
			})
		}
	}
	wg.Wait()
	for i, c := range all {
		require.NoError(t, errors.Join(errs[2*i], errs[2*i+1]), c.ID)
		_, _, err := a.profile(support, c.ID)
		if i%2 == 0 {
			assert.ErrorIs(t, err, keys.ErrKeyDestroyed, c.ID)
			ids, err := a.findByEmail(support, c.Email)
			require.NoError(t, err)
			assert.Empty(t, ids, c.ID)
		} else {
			require.NoError(t, err, c.ID)
			checkReadable(t, a, c, mustGet(t, a, c.ID))
		}
	}
}

func mustGet(t *testing.T, a *app, id string) row {
	t.Helper()
	r, err := a.table.get(ctx, id)
	require.NoError(t, err)
	return r
}
