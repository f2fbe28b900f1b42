package encrypt

import (
	"bytes"
	"crypto/rand"
	"io"
	"testing"

	"github.com/custos-dev/custos/access"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStream(t *testing.T) {
	e := newEncryptor(t)
	s, err := e.Stream("backups")
	require.NoError(t, err)
	data := make([]byte, 2<<20+12345) // three segments
	_, _ = rand.Read(data)
	var buf bytes.Buffer
	w, err := s.NewWriter(&buf, "backup-2026-11-21")
	require.NoError(t, err)
	for off := 0; off < len(data); off += 100000 {
		_, err := w.Write(data[off:min(off+100000, len(data))])
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	ct := buf.Bytes()

	r, err := s.NewReader(ctx, bytes.NewReader(ct), "backup-2026-11-21")
	require.NoError(t, err)
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(data, got))

	readAll := func(t *testing.T, ct []byte, id string) ([]byte, error) {
		r, err := s.NewReader(ctx, bytes.NewReader(ct), id)
		if err != nil {
			return nil, err
		}
		return io.ReadAll(r)
	}
	t.Run("other object", func(t *testing.T) {
		_, err := readAll(t, ct, "backup-other")
		assert.ErrorIs(t, err, ErrDecrypt)
	})
	t.Run("flipped bit in each segment", func(t *testing.T) {
		for _, pos := range []int{100, 1 << 20, 2<<20 + 100, len(ct) - 1} {
			c := bytes.Clone(ct)
			c[pos] ^= 1
			_, err := readAll(t, c, "backup-2026-11-21")
			assert.ErrorIs(t, err, ErrDecrypt, "pos %d", pos)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		for _, n := range []int{0, 10, 1 << 20, len(ct) - 1} {
			_, err := readAll(t, ct[:n], "backup-2026-11-21")
			assert.Error(t, err, "truncated to %d", n)
		}
	})
	t.Run("other key", func(t *testing.T) {
		s2, _ := newEncryptor(t).Stream("backups")
		r, err := s2.NewReader(ctx, bytes.NewReader(ct), "backup-2026-11-21")
		if err == nil {
			_, err = io.ReadAll(r)
		}
		assert.ErrorIs(t, err, ErrDecrypt)
	})
	t.Run("guarded", func(t *testing.T) {
		rec := &recorder{}
		rbac, _ := access.NewRBAC(access.Grant{Role: "ops", Actions: []access.Action{access.ActionDecrypt}, Resources: []string{"backups"}})
		g := access.NewGuard(access.WithAuthorizer(rbac), access.WithAuditor(rec))
		gs, err := NewStream(s.s, "backups", WithGuard(g))
		require.NoError(t, err)
		_, err = gs.NewReader(ctx, bytes.NewReader(ct), "backup-2026-11-21")
		assert.ErrorIs(t, err, access.ErrDenied)
		r, err := gs.NewReader(access.WithPrincipal(ctx, access.Principal{ID: "op", Roles: []string{"ops"}}), bytes.NewReader(ct), "backup-2026-11-21")
		require.NoError(t, err)
		got, err := io.ReadAll(r)
		require.NoError(t, err)
		assert.Equal(t, len(data), len(got))
		require.Len(t, rec.events, 2)
		assert.Equal(t, access.OutcomeDenied, rec.events[0].Outcome)
		assert.Equal(t, access.OutcomeAllowed, rec.events[1].Outcome)
	})
}
