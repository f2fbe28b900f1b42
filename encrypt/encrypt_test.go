package encrypt

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/custos-dev/custos/access"
	"github.com/custos-dev/custos/keys"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var ctx = context.Background()

func newRoot(t testing.TB) *keys.Keyset {
	t.Helper()
	root, err := keys.New(keys.DerivationHKDFSHA256)
	require.NoError(t, err)
	return root
}

func newEncryptor(t testing.TB, opts ...Option) *Encryptor {
	t.Helper()
	e, err := New(newRoot(t), opts...)
	require.NoError(t, err)
	return e
}

func field(t testing.TB, e *Encryptor, table, name string, opts ...Option) *Field {
	t.Helper()
	f, err := e.Field(table, name, opts...)
	require.NoError(t, err)
	return f
}

func TestFieldRoundTrip(t *testing.T) {
	e := newEncryptor(t)
	f := field(t, e, "customers", "email")
	for _, v := range []string{"", "a", "ada@example.com", string(bytes.Repeat([]byte("x"), 5000)), "日本語"} {
		ct, err := f.Encrypt("row-1", []byte(v))
		require.NoError(t, err)
		assert.Len(t, ct, len(v)+Overhead)
		pt, err := f.Decrypt(ctx, "row-1", ct)
		require.NoError(t, err)
		assert.Equal(t, v, string(pt))
		text, err := f.EncryptString("row-1", v)
		require.NoError(t, err)
		got, err := f.DecryptString(ctx, "row-1", text)
		require.NoError(t, err)
		assert.Equal(t, v, got)
	}
	c1, _ := f.Encrypt("r", []byte("same"))
	c2, _ := f.Encrypt("r", []byte("same"))
	assert.NotEqual(t, c1, c2, "randomized")
}

func TestFieldKeyID(t *testing.T) {
	root := newRoot(t)
	e, err := New(root)
	require.NoError(t, err)
	ct, err := field(t, e, "t", "f").Encrypt("r", []byte("v"))
	require.NoError(t, err)
	id, err := KeyID(ct)
	require.NoError(t, err)
	assert.Equal(t, root.PrimaryID(), id)
	_, err = KeyID([]byte{0, 1})
	assert.ErrorIs(t, err, ErrInvalidCiphertext)
}

func TestFieldEveryBitFlipAndTruncationFails(t *testing.T) {
	f := field(t, newEncryptor(t), "customers", "email")
	ct, err := f.Encrypt("row-1", []byte("ada@example.com"))
	require.NoError(t, err)
	for i := range len(ct) * 8 {
		c := bytes.Clone(ct)
		c[i/8] ^= 1 << (i % 8)
		pt, err := f.Decrypt(ctx, "row-1", c)
		if !assert.Error(t, err, "bit %d", i) {
			continue
		}
		assert.Nil(t, pt)
		assert.True(t, errors.Is(err, ErrDecrypt) || errors.Is(err, ErrInvalidCiphertext), "bit %d: %v", i, err)
	}
	for n := range len(ct) {
		pt, err := f.Decrypt(ctx, "row-1", ct[:n])
		assert.Error(t, err, "truncated to %d", n)
		assert.Nil(t, pt)
	}
	// Appending fails too.
	_, err = f.Decrypt(ctx, "row-1", append(bytes.Clone(ct), 0))
	assert.ErrorIs(t, err, ErrDecrypt)
}

func TestFieldContextBinding(t *testing.T) {
	e := newEncryptor(t)
	email := field(t, e, "customers", "email")
	name := field(t, e, "customers", "name")
	otherTable := field(t, e, "suppliers", "email")
	ct, err := email.Encrypt("row-1", []byte("ada@example.com"))
	require.NoError(t, err)
	tests := []struct {
		name string
		f    *Field
		row  string
	}{
		{"other row", email, "row-2"},
		{"other column", name, "row-1"},
		{"other table", otherTable, "row-1"},
		{"empty row", email, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pt, err := tt.f.Decrypt(ctx, tt.row, ct)
			assert.ErrorIs(t, err, ErrDecrypt)
			assert.Nil(t, pt)
		})
	}
	// Same key, different associated data only: a Field built directly on
	// one AEAD for two columns still refuses a swap.
	ks, err := keys.New(keys.AES256GCM)
	require.NoError(t, err)
	a, err := ks.AEAD()
	require.NoError(t, err)
	f1, _ := NewField(a, "t", "a")
	f2, _ := NewField(a, "t", "b")
	f3, _ := NewField(a, "ta", "")
	assert.Nil(t, f3)
	c, err := f1.Encrypt("r", []byte("v"))
	require.NoError(t, err)
	_, err = f2.Decrypt(ctx, "r", c)
	assert.ErrorIs(t, err, ErrDecrypt)
	// Ambiguous concatenations are distinct contexts.
	g1, _ := NewField(a, "ab", "c")
	g2, _ := NewField(a, "a", "bc")
	c, _ = g1.Encrypt("r", []byte("v"))
	_, err = g2.Decrypt(ctx, "r", c)
	assert.ErrorIs(t, err, ErrDecrypt)
}

func TestFieldOtherKeysetFails(t *testing.T) {
	f1 := field(t, newEncryptor(t), "t", "f")
	f2 := field(t, newEncryptor(t), "t", "f")
	ct, err := f1.Encrypt("r", []byte("v"))
	require.NoError(t, err)
	_, err = f2.Decrypt(ctx, "r", ct)
	assert.ErrorIs(t, err, ErrDecrypt)
}

func TestFieldRotation(t *testing.T) {
	root := newRoot(t)
	e1, _ := New(root)
	ctOld, err := field(t, e1, "t", "f").Encrypt("r", []byte("old"))
	require.NoError(t, err)
	root2, newID, err := root.Add()
	require.NoError(t, err)
	root2, err = root2.Promote(newID)
	require.NoError(t, err)
	e2, _ := New(root2)
	f2 := field(t, e2, "t", "f")
	ctNew, err := f2.Encrypt("r", []byte("new"))
	require.NoError(t, err)
	id, _ := KeyID(ctNew)
	assert.Equal(t, newID, id)
	pt, err := f2.Decrypt(ctx, "r", ctOld)
	require.NoError(t, err, "old ciphertext decrypts after rotation")
	assert.Equal(t, "old", string(pt))
	root3, err := root2.Disable(root.PrimaryID())
	require.NoError(t, err)
	e3, _ := New(root3)
	_, err = field(t, e3, "t", "f").Decrypt(ctx, "r", ctOld)
	assert.ErrorIs(t, err, ErrDecrypt, "fails once its key is disabled")
}

func TestPadding(t *testing.T) {
	e := newEncryptor(t)
	f := field(t, e, "t", "f", WithPadding(16))
	for _, n := range []int{0, 1, 15, 16, 17, 31, 32} {
		v := bytes.Repeat([]byte{'x'}, n)
		ct, err := f.Encrypt("r", v)
		require.NoError(t, err)
		assert.Equal(t, (n/16+1)*16+Overhead, len(ct), "length %d", n)
		pt, err := f.Decrypt(ctx, "r", ct)
		require.NoError(t, err)
		assert.Equal(t, v, pt)
	}
	a, _ := field(t, e, "t", "f").Encrypt("r", []byte("a"))
	b, _ := field(t, e, "t", "f").Encrypt("r", []byte("abcdefghij"))
	pa, _ := f.Encrypt("r", []byte("a"))
	pb, _ := f.Encrypt("r", []byte("abcdefghij"))
	assert.NotEqual(t, len(a), len(b))
	assert.Equal(t, len(pa), len(pb), "padding hides the length class")
	// Unpadded ciphertext under a padded reader: refused, no plaintext.
	pt, err := f.Decrypt(ctx, "r", a)
	assert.ErrorIs(t, err, ErrDecrypt)
	assert.Nil(t, pt)
	_, err = e.Field("t", "f", WithPadding(5000))
	assert.ErrorIs(t, err, ErrInvalidParams)
	for _, bad := range [][]byte{{}, {1, 2, 3}, bytes.Repeat([]byte{0}, 16), append(bytes.Repeat([]byte{0}, 15), 1)} {
		_, err := unpad(bad, 16)
		assert.Error(t, err)
	}
}

func TestDeterministicField(t *testing.T) {
	e := newEncryptor(t)
	f, err := e.DeterministicField("customers", "ssn")
	require.NoError(t, err)
	c1, err := f.EncryptDeterministically([]byte("123-45-6789"))
	require.NoError(t, err)
	c2, err := f.EncryptDeterministically([]byte("123-45-6789"))
	require.NoError(t, err)
	assert.Equal(t, c1, c2)
	c3, _ := f.EncryptDeterministically([]byte("123-45-6780"))
	assert.NotEqual(t, c1, c3)
	pt, err := f.Decrypt(ctx, "row-9", c1)
	require.NoError(t, err)
	assert.Equal(t, "123-45-6789", string(pt))
	other, _ := e.DeterministicField("customers", "phone")
	co, _ := other.EncryptDeterministically([]byte("123-45-6789"))
	assert.NotEqual(t, c1, co, "other column, other ciphertext")
	_, err = other.Decrypt(ctx, "", c1)
	assert.ErrorIs(t, err, ErrDecrypt)
	for i := range len(c1) * 8 {
		c := bytes.Clone(c1)
		c[i/8] ^= 1 << (i % 8)
		pt, err := f.Decrypt(ctx, "", c)
		assert.Error(t, err, "bit %d", i)
		assert.Nil(t, pt)
	}
	for n := range len(c1) {
		_, err := f.Decrypt(ctx, "", c1[:n])
		assert.Error(t, err, "truncated to %d", n)
	}
	text, err := f.EncryptStringDeterministically("x")
	require.NoError(t, err)
	got, err := f.DecryptString(ctx, "", text)
	require.NoError(t, err)
	assert.Equal(t, "x", got)
}

type recorder struct {
	mu     sync.Mutex
	events []access.Event
}

func (r *recorder) Audit(_ context.Context, e access.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func TestDecryptIsAReveal(t *testing.T) {
	rbac, err := access.NewRBAC(access.Grant{Role: "support", Actions: []access.Action{access.ActionDecrypt}, Resources: []string{"customers.email"}, Purposes: []string{"support"}})
	require.NoError(t, err)
	rec := &recorder{}
	g := access.NewGuard(access.WithAuthorizer(rbac), access.WithAuditor(rec))
	e := newEncryptor(t, WithGuard(g))
	email := field(t, e, "customers", "email")
	name := field(t, e, "customers", "name")
	ct, _ := email.Encrypt("row-1", []byte("ada@example.com"))
	ctName, _ := name.Encrypt("row-1", []byte("Ada"))

	allowed := access.WithPurpose(access.WithPrincipal(ctx, access.Principal{ID: "alice", Roles: []string{"support"}}), "support")
	pt, err := email.Decrypt(allowed, "row-1", ct)
	require.NoError(t, err)
	assert.Equal(t, "ada@example.com", string(pt))
	_, err = name.Decrypt(allowed, "row-1", ctName)
	assert.ErrorIs(t, err, access.ErrDenied)
	_, err = email.Decrypt(ctx, "row-1", ct)
	assert.ErrorIs(t, err, access.ErrDenied, "no principal")
	_, err = email.Decrypt(allowed, "row-2", ct)
	assert.ErrorIs(t, err, ErrDecrypt)
	_, err = email.DecryptString(allowed, "row-1", "!!!")
	assert.ErrorIs(t, err, ErrInvalidCiphertext)

	require.Len(t, rec.events, 5, "one event per call")
	want := []access.Outcome{access.OutcomeAllowed, access.OutcomeDenied, access.OutcomeDenied, access.OutcomeFailed, access.OutcomeFailed}
	for i, ev := range rec.events {
		assert.Equal(t, want[i], ev.Outcome, "event %d", i)
		assert.Equal(t, access.ActionDecrypt, ev.Action)
	}
	assert.Equal(t, "customers.email", rec.events[0].Resource)
	assert.Equal(t, "row-1", rec.events[0].Subject)
	assert.Equal(t, "alice", rec.events[0].Principal)
	assert.Equal(t, "support", rec.events[0].Purpose)
	id, _ := KeyID(ct)
	assert.Equal(t, id, rec.events[0].KeyID)
}

func TestNewRejects(t *testing.T) {
	_, err := New(nil)
	assert.ErrorIs(t, err, ErrInvalidParams)
	ks, _ := keys.New(keys.AES256GCM)
	_, err = New(ks)
	assert.ErrorIs(t, err, ErrInvalidParams)
	_, err = NewField(nil, "t", "f")
	assert.ErrorIs(t, err, ErrInvalidParams)
	a, _ := ks.AEAD()
	_, err = NewField(a, "", "f")
	assert.ErrorIs(t, err, ErrInvalidParams)
	_, err = NewDeterministicField(nil, "t", "f")
	assert.ErrorIs(t, err, ErrInvalidParams)
}

func TestFieldConcurrent(t *testing.T) {
	f := field(t, newEncryptor(t), "t", "f", WithPadding(8))
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				row := string(rune('a'+w)) + string(rune('0'+i%10))
				v := []byte(row + "-value")
				ct, err := f.Encrypt(row, v)
				if err != nil {
					errs <- err
					return
				}
				pt, err := f.Decrypt(ctx, row, ct)
				if err != nil || !bytes.Equal(pt, v) {
					errs <- errors.New("mismatch")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestSubjectField(t *testing.T) {
	mk, err := keys.GenerateMasterKey()
	require.NoError(t, err)
	sk, err := keys.NewSubjectKeys(keys.NewMemorySubjectKeyStore(), mk)
	require.NoError(t, err)
	f, err := NewSubjectField(sk, "notes", "body")
	require.NoError(t, err)
	ct, err := f.Encrypt(ctx, "cust-1", []byte("note"))
	require.NoError(t, err)
	pt, err := f.Decrypt(ctx, "cust-1", ct)
	require.NoError(t, err)
	assert.Equal(t, "note", string(pt))
	_, err = f.Decrypt(ctx, "cust-2", ct)
	assert.Error(t, err)
	require.NoError(t, sk.Destroy(ctx, "cust-1"))
	pt, err = f.Decrypt(ctx, "cust-1", ct)
	assert.ErrorIs(t, err, keys.ErrKeyDestroyed)
	assert.Nil(t, pt)
	_, err = f.Encrypt(ctx, "cust-1", []byte("again"))
	assert.ErrorIs(t, err, keys.ErrKeyDestroyed)
}
