package encrypt

import (
	"bytes"
	"context"
	"testing"

	"github.com/custos-dev/custos/access"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type customer struct {
	ID       string `encrypt:",subject"`
	Email    string `encrypt:"email,index=email_idx"`
	EmailIdx Index  `encrypt:"email_idx,blindindex"`
	Name     string `encrypt:"name"`
	Phone    string `encrypt:"phone,index=phone_last4"`
	PhoneIdx int64  `encrypt:"phone_last4,blindindex"`
	Notes    []byte `encrypt:"notes"`
	Plain    string
}

func testSealer(t testing.TB, e *Encryptor, opts ...Option) *Sealer {
	t.Helper()
	email, err := e.BlindIndex(IndexSpec{Table: "customers", Field: "email", Name: "email_idx", Rows: 1 << 20, Transforms: []Transform{TrimSpace, Lowercase}})
	require.NoError(t, err)
	phone, err := e.BlindIndex(IndexSpec{Table: "customers", Field: "phone", Name: "phone_last4", Rows: 1 << 20, DomainSize: 10000, Bits: 12, Transforms: []Transform{DigitsOnly, LastN(4)}})
	require.NoError(t, err)
	s, err := e.Sealer("customers", []*BlindIndex{email, phone}, opts...)
	require.NoError(t, err)
	return s
}

func TestSealerRoundTrip(t *testing.T) {
	e := newEncryptor(t)
	s := testSealer(t, e)
	c := customer{ID: "cust-1", Email: "Ada@Example.com", Name: "Ada Lovelace", Phone: "+44 20 7946 0123", Notes: []byte("likes engines"), Plain: "kept"}
	orig := c
	require.NoError(t, s.Seal(&c))
	assert.NotEqual(t, orig.Email, c.Email)
	assert.NotContains(t, c.Email, "Ada")
	assert.NotEqual(t, orig.Notes, c.Notes)
	assert.Equal(t, "kept", c.Plain)
	assert.Len(t, c.EmailIdx, 2)
	want, err := s.Lookup("email_idx", "ada@example.com ")
	require.NoError(t, err)
	assert.True(t, Equal(want, c.EmailIdx))
	last4, _ := s.Lookup("phone_last4", "0123")
	assert.Equal(t, int64(IndexUint64(last4)), c.PhoneIdx)

	// Fields decrypt with the per-field keys directly too.
	ef, _ := e.Field("customers", "email")
	got, err := ef.DecryptString(ctx, "cust-1", c.Email)
	require.NoError(t, err)
	assert.Equal(t, "Ada@Example.com", got)

	sealed := c
	sealed.Notes = bytes.Clone(c.Notes)
	require.NoError(t, s.Open(ctx, &c))
	orig.EmailIdx, orig.PhoneIdx = c.EmailIdx, c.PhoneIdx
	assert.Equal(t, orig, c)

	// Moving a sealed value to another row fails, and Open leaves the
	// struct untouched.
	moved := sealed
	moved.ID = "cust-2"
	before := moved
	assert.ErrorIs(t, s.Open(ctx, &moved), ErrDecrypt)
	assert.Equal(t, before, moved)
	// Swapping two columns fails.
	swapped := sealed
	swapped.Email, swapped.Name = sealed.Name, sealed.Email
	assert.ErrorIs(t, s.Open(ctx, &swapped), ErrDecrypt)
}

func TestSealerErrors(t *testing.T) {
	e := newEncryptor(t)
	s := testSealer(t, e)
	assert.ErrorIs(t, s.Seal(customer{}), ErrInvalidParams)
	assert.ErrorIs(t, s.Seal((*customer)(nil)), ErrInvalidParams)
	c := customer{Email: "x@y", Phone: "12345"}
	assert.ErrorIs(t, s.Seal(&c), ErrInvalidInput, "empty subject")
	c = customer{ID: "1", Email: "x@y", Phone: "no digits"}
	before := c
	assert.ErrorIs(t, s.Seal(&c), ErrInvalidInput, "index input empty after transforms")
	assert.Equal(t, before, c, "unchanged on failure")

	type noSubject struct {
		A string `encrypt:"a"`
	}
	assert.ErrorIs(t, s.Seal(&noSubject{}), ErrInvalidParams)
	type badOpt struct {
		ID string `encrypt:",subject"`
		A  string `encrypt:"a,bogus"`
	}
	assert.ErrorIs(t, s.Seal(&badOpt{ID: "1"}), ErrInvalidParams)
	type badType struct {
		ID string `encrypt:",subject"`
		A  int    `encrypt:"a"`
	}
	assert.ErrorIs(t, s.Seal(&badType{ID: "1"}), ErrInvalidParams)
	type missingIndex struct {
		ID string `encrypt:",subject"`
		A  string `encrypt:"email,index=nope"`
	}
	assert.ErrorIs(t, s.Seal(&missingIndex{ID: "1"}), ErrInvalidParams)
	type noTarget struct {
		ID string `encrypt:",subject"`
		A  string `encrypt:"email,index=email_idx"`
	}
	assert.ErrorIs(t, s.Seal(&noTarget{ID: "1"}), ErrInvalidParams)
	type wrongField struct {
		ID  string `encrypt:",subject"`
		A   string `encrypt:"name,index=email_idx"`
		Idx []byte `encrypt:"email_idx,blindindex"`
	}
	assert.ErrorIs(t, s.Seal(&wrongField{ID: "1"}), ErrInvalidParams)
	type intSubject struct {
		ID  int64  `encrypt:",subject"`
		A   string `encrypt:"a"`
		Hex string
	}
	v := intSubject{ID: 42, A: "x"}
	require.NoError(t, s.Seal(&v))
	require.NoError(t, s.Open(ctx, &v))
	assert.Equal(t, "x", v.A)
	_, err := e.Sealer("", nil)
	assert.ErrorIs(t, err, ErrInvalidParams)
	other, _ := e.BlindIndex(IndexSpec{Table: "other", Field: "f", Name: "i", Rows: 1 << 16})
	_, err = e.Sealer("customers", []*BlindIndex{other})
	assert.ErrorIs(t, err, ErrInvalidParams)
	_, err = s.Lookup("nope", "x")
	assert.ErrorIs(t, err, ErrInvalidParams)
}

func TestSealerGuardedOpen(t *testing.T) {
	rec := &recorder{}
	rbac, _ := access.NewRBAC(access.Grant{Role: "support", Actions: []access.Action{access.ActionDecrypt}, Resources: []string{"customers.*"}})
	s := testSealer(t, newEncryptor(t), WithGuard(access.NewGuard(access.WithAuthorizer(rbac), access.WithAuditor(rec))))
	c := customer{ID: "c", Email: "a@b", Name: "n", Phone: "1234", Notes: []byte("x")}
	require.NoError(t, s.Seal(&c))
	sealed := c
	assert.ErrorIs(t, s.Open(context.Background(), &c), access.ErrDenied)
	assert.Equal(t, sealed, c)
	require.NoError(t, s.Open(access.WithPrincipal(ctx, access.Principal{ID: "u", Roles: []string{"support"}}), &c))
	assert.Equal(t, "a@b", c.Email)
	assert.Len(t, rec.events, 1+4, "one denied, then one per field")
}

func TestSealerConcurrent(t *testing.T) {
	s := testSealer(t, newEncryptor(t))
	done := make(chan error, 8)
	for w := range 8 {
		go func() {
			for i := range 50 {
				c := customer{ID: string(rune('a'+w)) + string(rune('0'+i%10)), Email: "e@x", Name: "n", Phone: "555 1234", Notes: []byte{byte(i)}}
				want := c
				if err := s.Seal(&c); err != nil {
					done <- err
					return
				}
				if err := s.Open(ctx, &c); err != nil {
					done <- err
					return
				}
				want.EmailIdx, want.PhoneIdx = c.EmailIdx, c.PhoneIdx
				if !assert.Equal(t, want, c) {
					done <- ErrDecrypt
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		assert.NoError(t, <-done)
	}
}

func TestSQLTypes(t *testing.T) {
	var c Ciphertext
	require.NoError(t, c.Scan([]byte{1, 2, 3, 4, 5, 6}))
	v, err := c.Value()
	require.NoError(t, err)
	assert.Equal(t, []byte{1, 2, 3, 4, 5, 6}, v)
	require.NoError(t, c.Scan(EncodeText([]byte{1, 0, 0, 0, 7, 9})))
	assert.Equal(t, Ciphertext{1, 0, 0, 0, 7, 9}, c)
	require.NoError(t, c.Scan(nil))
	v, _ = c.Value()
	assert.Nil(t, v)
	assert.ErrorIs(t, c.Scan([]byte{1}), ErrInvalidCiphertext)
	assert.ErrorIs(t, c.Scan(42), ErrInvalidCiphertext)
	assert.ErrorIs(t, c.Scan("!!"), ErrInvalidCiphertext)
	src := []byte{9, 9, 9, 9, 9}
	require.NoError(t, c.Scan(src))
	src[0] = 0
	assert.Equal(t, byte(9), c[0], "Scan copies")

	var x Index
	require.NoError(t, x.Scan([]byte{1, 2}))
	v, _ = x.Value()
	assert.Equal(t, []byte{1, 2}, v)
	require.NoError(t, x.Scan(nil))
	assert.Nil(t, x)
	assert.ErrorIs(t, x.Scan("x"), ErrInvalidInput)
	v, _ = x.Value()
	assert.Nil(t, v)
}
