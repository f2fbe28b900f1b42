package encrypt

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type memTable struct {
	rows    map[string][]byte
	failAt  int // Next fails on this call (1-based), 0 never
	calls   int
	sinkErr error
}

func (m *memTable) Next(_ context.Context, cursor string, limit int) ([]Record, error) {
	m.calls++
	if m.calls == m.failAt {
		return nil, errors.New("db down")
	}
	var ids []string
	for id := range m.rows {
		if id > cursor {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	if len(ids) > limit {
		ids = ids[:limit]
	}
	var out []Record
	for _, id := range ids {
		out = append(out, Record{Row: id, Ciphertext: m.rows[id]})
	}
	return out, nil
}

func (m *memTable) sink(_ context.Context, recs []Record) error {
	if m.sinkErr != nil {
		return m.sinkErr
	}
	for _, r := range recs {
		m.rows[r.Row] = r.Ciphertext
	}
	return nil
}

func TestReencrypt(t *testing.T) {
	root := newRoot(t)
	e1, _ := New(root)
	f1 := field(t, e1, "t", "f")
	tbl := &memTable{rows: map[string][]byte{}}
	for i := range 25 {
		row := fmt.Sprintf("row-%02d", i)
		tbl.rows[row], _ = f1.Encrypt(row, []byte("value-"+row))
	}
	root2, newID, err := root.Add()
	require.NoError(t, err)
	root2, err = root2.Promote(newID)
	require.NoError(t, err)
	e2, _ := New(root2)
	f2 := field(t, e2, "t", "f")
	for i := 25; i < 30; i++ { // already under the new key
		row := fmt.Sprintf("row-%02d", i)
		tbl.rows[row], _ = f2.Encrypt(row, []byte("value-"+row))
	}
	tbl.rows["row-99"] = []byte{1, 0, 0, 0, 1, 2, 3} // garbage

	// First run: the source fails on its third call; stats and cursor say
	// how far it got.
	tbl.failAt = 3
	st, err := Reencrypt(ctx, f2, tbl, tbl.sink, ReencryptOptions{BatchSize: 10})
	require.Error(t, err)
	assert.Equal(t, ReencryptStats{Scanned: 20, Rewritten: 20, Cursor: "row-19"}, st)

	// Resume from the cursor.
	st2, err := Reencrypt(ctx, f2, tbl, tbl.sink, ReencryptOptions{BatchSize: 10, Cursor: st.Cursor})
	require.NoError(t, err)
	assert.Equal(t, ReencryptStats{Scanned: 11, Rewritten: 5, Current: 5, Failed: 1, FailedRows: []string{"row-99"}, Cursor: "row-99"}, st2)

	// Everything readable is now under the new key and still decrypts.
	for row, ct := range tbl.rows {
		if row == "row-99" {
			continue
		}
		id, _ := KeyID(ct)
		assert.Equal(t, newID, id, row)
		pt, err := f2.Decrypt(ctx, row, ct)
		require.NoError(t, err)
		assert.Equal(t, "value-"+row, string(pt))
	}
	// Idempotent: a second full run rewrites nothing.
	st3, err := Reencrypt(ctx, f2, tbl, tbl.sink, ReencryptOptions{})
	require.NoError(t, err)
	assert.Equal(t, 0, st3.Rewritten)
	assert.Equal(t, 30, st3.Current)

	// Sink failure: cursor does not advance past the unstored batch.
	tbl2 := &memTable{rows: map[string][]byte{}, sinkErr: errors.New("tx failed")}
	tbl2.rows["a"], _ = f1.Encrypt("a", []byte("x"))
	st4, err := Reencrypt(ctx, f2, tbl2, tbl2.sink, ReencryptOptions{Cursor: ""})
	require.Error(t, err)
	assert.Equal(t, "", st4.Cursor)
	assert.Equal(t, 0, st4.Rewritten)

	_, err = Reencrypt(ctx, f2, tbl, tbl.sink, ReencryptOptions{MaxFailures: 1})
	assert.ErrorIs(t, err, ErrTooManyFailures)
	_, err = Reencrypt(ctx, nil, tbl, tbl.sink, ReencryptOptions{})
	assert.ErrorIs(t, err, ErrInvalidParams)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = Reencrypt(cctx, f2, tbl, tbl.sink, ReencryptOptions{})
	assert.ErrorIs(t, err, context.Canceled)
}
