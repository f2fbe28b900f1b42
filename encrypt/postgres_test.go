package encrypt

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/custos-dev/custos/internal/testsvc"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pgCustomer is the row shape: encrypted columns as text and bytea, the
// email blind index as bytea and the phone index as bigint.
type pgCustomer struct {
	ID       string     `encrypt:",subject"`
	Email    string     `encrypt:"email,index=email_idx"`
	EmailIdx Index      `encrypt:"email_idx,blindindex"`
	Name     string     `encrypt:"name"`
	Phone    string     `encrypt:"phone,index=phone_last4"`
	PhoneIdx int64      `encrypt:"phone_last4,blindindex"`
	Notes    Ciphertext `encrypt:"notes"`
}

func TestPostgresRoundTrip(t *testing.T) {
	url := testsvc.PostgresURL(t)
	db, err := sql.Open("pgx", url)
	require.NoError(t, err)
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		testsvc.Unavailable(t, "PostgreSQL", err)
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	table := "custos_encrypt_test_" + hex.EncodeToString(suffix)
	_, err = db.ExecContext(ctx, fmt.Sprintf(`CREATE TABLE %s (
		id text PRIMARY KEY, email text NOT NULL, email_idx bytea NOT NULL, name text NOT NULL,
		phone text NOT NULL, phone_idx bigint NOT NULL, notes bytea)`, table))
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = db.ExecContext(ctx, "DROP TABLE "+table) })
	_, err = db.ExecContext(ctx, fmt.Sprintf("CREATE INDEX ON %s (email_idx)", table))
	require.NoError(t, err)

	e := newEncryptor(t)
	email, err := e.BlindIndex(IndexSpec{Table: "customers", Field: "email", Name: "email_idx", Rows: 1 << 16, Transforms: []Transform{TrimSpace, Lowercase}})
	require.NoError(t, err)
	phone, err := e.BlindIndex(IndexSpec{Table: "customers", Field: "phone", Name: "phone_last4", Rows: 1 << 16, DomainSize: 10000, Bits: 10, Transforms: []Transform{DigitsOnly, LastN(4)}})
	require.NoError(t, err)
	s, err := e.Sealer("customers", []*BlindIndex{email, phone})
	require.NoError(t, err)

	people := []pgCustomer{
		{ID: "c1", Email: "Ada@Example.com", Name: "Ada Lovelace", Phone: "+44 20 7946 0123", Notes: Ciphertext("engines")},
		{ID: "c2", Email: "grace@example.com", Name: "Grace Hopper", Phone: "+1 555 010 4567", Notes: nil},
		{ID: "c3", Email: "alan@example.org", Name: "Alan Turing", Phone: "+44 161 496 0999", Notes: Ciphertext("morphogenesis")},
	}
	for _, p := range people {
		c := p
		require.NoError(t, s.Seal(&c))
		_, err := db.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s (id, email, email_idx, name, phone, phone_idx, notes) VALUES ($1,$2,$3,$4,$5,$6,$7)", table),
			c.ID, c.Email, c.EmailIdx, c.Name, c.Phone, c.PhoneIdx, c.Notes)
		require.NoError(t, err)
	}

	// Nothing in the table is readable.
	var raw string
	require.NoError(t, db.QueryRowContext(ctx, fmt.Sprintf("SELECT string_agg(email || name || phone || coalesce(encode(notes, 'escape'), ''), '') FROM %s", table)).Scan(&raw))
	for _, p := range people {
		assert.NotContains(t, raw, p.Email)
		assert.NotContains(t, raw, p.Name)
	}

	// Find by index: candidates from the index, then decrypt and filter.
	find := func(addr string) []pgCustomer {
		idx, err := s.Lookup("email_idx", addr)
		require.NoError(t, err)
		rows, err := db.QueryContext(ctx, fmt.Sprintf("SELECT id, email, email_idx, name, phone, phone_idx, notes FROM %s WHERE email_idx = $1", table), Index(idx))
		require.NoError(t, err)
		defer rows.Close()
		var out []pgCustomer
		for rows.Next() {
			var c pgCustomer
			require.NoError(t, rows.Scan(&c.ID, &c.Email, &c.EmailIdx, &c.Name, &c.Phone, &c.PhoneIdx, &c.Notes))
			require.NoError(t, s.Open(ctx, &c))
			if email.Match(c.EmailIdx, []byte(addr)) {
				out = append(out, c)
			}
		}
		require.NoError(t, rows.Err())
		return out
	}
	got := find("  ADA@example.com")
	require.Len(t, got, 1)
	assert.Equal(t, "c1", got[0].ID)
	assert.Equal(t, "Ada Lovelace", got[0].Name)
	assert.Equal(t, "+44 20 7946 0123", got[0].Phone)
	assert.Equal(t, Ciphertext("engines"), got[0].Notes)
	got = find("grace@example.com")
	require.Len(t, got, 1)
	assert.Nil(t, got[0].Notes, "NULL round-trips")
	assert.Empty(t, find("nobody@example.com"))

	// Find by phone last four (bigint index).
	idx, err := s.Lookup("phone_last4", "0999")
	require.NoError(t, err)
	var id string
	require.NoError(t, db.QueryRowContext(ctx, fmt.Sprintf("SELECT id FROM %s WHERE phone_idx = $1", table), int64(IndexUint64(idx))).Scan(&id))
	assert.Equal(t, "c3", id)
}
