package encrypt

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlanIndexCipherSweetCases(t *testing.T) {
	// CipherSweet's published planner cases (FieldIndexPlanner tests).
	tests := []struct {
		name     string
		rows     uint64
		min, max int
	}{
		{"2^16 rows", 1 << 16, 8, 15},
		{"2^8 rows", 1 << 8, 4, 7},
		{"2^31 rows", 1 << 31, 16, 30},
		{"16 rows", 16, 2, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := PlanIndex(tt.rows, 0)
			require.NoError(t, err)
			assert.Equal(t, Plan{MinBits: tt.min, MaxBits: tt.max}, p)
		})
	}
	for _, rows := range []uint64{0, 1, 8, 15} {
		_, err := PlanIndex(rows, 0)
		assert.ErrorIs(t, err, ErrUnsafeIndex, "%d rows", rows)
	}
}

func TestPlanIndexDomainAndExisting(t *testing.T) {
	// A second index on the same field: existing 8 bits over 2^16 rows
	// leaves C = 2^(8-L): 2 <= C <= 256 gives L in 1..7.
	p, err := PlanIndex(1<<16, 0, 8)
	require.NoError(t, err)
	assert.Equal(t, Plan{MinBits: 1, MaxBits: 7}, p)
	// A tiny domain (two values) over 2^16 rows: C >= 2^15 > sqrt(R) = 256
	// for every L: refused.
	_, err = PlanIndex(1<<16, 2)
	assert.ErrorIs(t, err, ErrUnsafeIndex)
	// Last four digits (10^4 values, K ~ 13.3) over 2^20 rows:
	// C = 2^20/2^min(L,13.3) is >= 2 for all L, <= 1024 from L = 10.
	p, err = PlanIndex(1<<20, 10000)
	require.NoError(t, err)
	assert.Equal(t, 10, p.MinBits)
	assert.Equal(t, 256, p.MaxBits)
	_, err = PlanIndex(1<<16, -1)
	assert.ErrorIs(t, err, ErrInvalidParams)
	_, err = PlanIndex(1<<16, 0, 0)
	assert.ErrorIs(t, err, ErrInvalidParams)
}

func blindIndex(t *testing.T, e *Encryptor, spec IndexSpec) *BlindIndex {
	t.Helper()
	b, err := e.BlindIndex(spec)
	require.NoError(t, err)
	return b
}

func TestBlindIndexProperties(t *testing.T) {
	e := newEncryptor(t)
	spec := IndexSpec{Table: "customers", Field: "email", Name: "email_idx", Rows: 1 << 20, Transforms: []Transform{TrimSpace, Lowercase}}
	idx := blindIndex(t, e, spec)
	assert.Equal(t, 14, idx.Bits(), "middle of 10..19")
	assert.Equal(t, 2, idx.Size())

	a, err := idx.ComputeString("Ada@Example.com")
	require.NoError(t, err)
	b, err := idx.Compute([]byte("  ada@example.COM "))
	require.NoError(t, err)
	assert.Equal(t, a, b, "equal after transforms")
	assert.True(t, idx.Match(a, []byte("ADA@EXAMPLE.COM")))
	assert.Len(t, a, 2)
	assert.Zero(t, a[1]&3, "bits beyond 14 are zero")

	// Same value under another field, another index name, another key.
	other := blindIndex(t, e, IndexSpec{Table: "customers", Field: "backup_email", Name: "email_idx", Rows: 1 << 20, Bits: 14, Transforms: spec.Transforms})
	otherName := blindIndex(t, e, IndexSpec{Table: "customers", Field: "email", Name: "email_idx2", Rows: 1 << 20, Bits: 14, Transforms: spec.Transforms})
	otherKey := blindIndex(t, newEncryptor(t), spec)
	// 15-bit outputs collide with probability 2^-15 per pair: compare
	// several values so that a chance collision cannot pass the test.
	diff := map[string]int{}
	for _, v := range []string{"a@x", "b@x", "c@x", "d@x", "e@x", "f@x", "g@x", "h@x"} {
		x, _ := idx.ComputeString(v)
		for name, o := range map[string]*BlindIndex{"field": other, "name": otherName, "key": otherKey} {
			y, _ := o.ComputeString(v)
			if !Equal(x, y) {
				diff[name]++
			}
		}
	}
	assert.GreaterOrEqual(t, diff["field"], 7)
	assert.GreaterOrEqual(t, diff["name"], 7)
	assert.GreaterOrEqual(t, diff["key"], 7)

	// Unsafe and invalid settings are refused.
	for _, bad := range []IndexSpec{
		{Table: "t", Field: "f", Name: "i", Rows: 1 << 16, Bits: 16},
		{Table: "t", Field: "f", Name: "i", Rows: 1 << 16, Bits: 7},
		{Table: "t", Field: "f", Name: "i", Rows: 10, Bits: 2},
		{Table: "t", Field: "f", Name: "i", Bits: 8},
	} {
		_, err := e.BlindIndex(bad)
		assert.ErrorIs(t, err, ErrUnsafeIndex, "%+v", bad)
	}
	_, err = e.BlindIndex(IndexSpec{Table: "t", Field: "f", Rows: 1 << 16})
	assert.ErrorIs(t, err, ErrInvalidParams)
	_, err = e.BlindIndex(IndexSpec{Table: "t", Field: "f", Name: "i", Rows: 1 << 16, Transforms: []Transform{{}}})
	assert.ErrorIs(t, err, ErrInvalidParams)
	_, err = e.BlindIndex(IndexSpec{Table: "t", Field: "f", Name: "i", Rows: 1 << 16, Transforms: []Transform{LastN(0)}})
	assert.ErrorIs(t, err, ErrInvalidParams)

	digits := blindIndex(t, e, IndexSpec{Table: "t", Field: "pan", Name: "last4", Rows: 1 << 20, DomainSize: 10000, Bits: 12, Transforms: []Transform{DigitsOnly, LastN(4)}})
	_, err = digits.ComputeString("no digits")
	assert.ErrorIs(t, err, ErrInvalidInput)
	x, _ := digits.ComputeString("4111 1111 1111 1234")
	y, _ := digits.ComputeString("1234")
	assert.Equal(t, x, y)
}

// TestBlindIndexReference recomputes an index with crypto/hmac from the
// documented construction and a key derived independently (see keys tests
// for the derivation itself).
func TestBlindIndexReference(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	p := testPRF(t, key)
	idx, err := NewBlindIndex(p, IndexSpec{Table: "t", Field: "f", Name: "i", Rows: 1 << 16, Bits: 12, Transforms: []Transform{Lowercase}})
	require.NoError(t, err)
	got, err := idx.ComputeString("HeLLo")
	require.NoError(t, err)
	label := []byte("custos/encrypt/index/v1\x00")
	for _, s := range []string{"t", "i", "f"} {
		label = binary.BigEndian.AppendUint32(label, uint32(len(s)))
		label = append(label, s...)
	}
	m := hmac.New(sha256.New, key)
	m.Write(append([]byte("custos/keys/prf/v1\x00"), label...))
	m = hmac.New(sha256.New, m.Sum(nil))
	m.Write([]byte("hello"))
	sum := m.Sum(nil)
	assert.Equal(t, []byte{sum[0], sum[1] & 0xf0}, got)
}

func TestTransforms(t *testing.T) {
	tests := []struct {
		name string
		t    Transform
		in   string
		want string
	}{
		{"lower ascii", Lowercase, "AbC", "abc"},
		{"lower unicode", Lowercase, "ÉCOLE Ünï", "école ünï"},
		{"upper", Uppercase, "straße x", ""},
		{"digits", DigitsOnly, "+1 (555) 010-9999", "15550109999"},
		{"alnum", AlphanumericOnly, "a-b_c d1é!", "abcd1é"},
		{"trim", TrimSpace, " \t x y \n", "x y"},
		{"first 1", FirstN(1), "Émile", "É"},
		{"first long", FirstN(10), "ab", "ab"},
		{"last 4", LastN(4), "4111111111111234", "1234"},
		{"last runes", LastN(2), "日本語", "本語"},
		{"custom", CustomTransform("rev", func(s string) string { return s + "!" }), "x", "x!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "upper" {
				// unicode.ToUpper maps ß to itself (no simple upper case).
				tt.want = "STRAßE X"
			}
			assert.Equal(t, tt.want, string(tt.t.apply(nil, []byte(tt.in))))
		})
	}
	assert.Equal(t, "last4", LastN(4).String())
	assert.Equal(t, "unknown", Transform{}.String())
}

func TestCompoundIndex(t *testing.T) {
	e := newEncryptor(t)
	spec := CompoundSpec{Table: "patients", Name: "name_year", Rows: 1 << 20, Bits: 16, Parts: []CompoundPart{
		{Field: "last_name", Transforms: []Transform{Lowercase}},
		{Field: "birth_date", Transforms: []Transform{DigitsOnly, FirstN(4)}},
	}}
	c, err := e.CompoundIndex(spec)
	require.NoError(t, err)
	a, err := c.Compute([]byte("Lovelace"), []byte("1815-12-10"))
	require.NoError(t, err)
	b, err := c.Compute([]byte("LOVELACE"), []byte("1815/01/01"))
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.Equal(t, 16, c.Bits())
	// Boundaries between parts matter: ("ab","c") vs ("a","bc").
	spec2 := spec
	spec2.Parts = []CompoundPart{{Field: "x"}, {Field: "y"}}
	c2, _ := e.CompoundIndex(spec2)
	diff := 0
	for _, s := range []string{"1", "2", "3", "4", "5", "6", "7", "8"} {
		x, _ := c2.Compute([]byte("ab"+s), []byte("c"))
		y, _ := c2.Compute([]byte("a"), []byte("b"+s+"c"))
		if !Equal(x, y) {
			diff++
		}
	}
	assert.GreaterOrEqual(t, diff, 7)
	_, err = c.Compute([]byte("x"))
	assert.ErrorIs(t, err, ErrInvalidInput)
	_, err = c.Compute([]byte("x"), []byte("no digits"))
	assert.ErrorIs(t, err, ErrInvalidInput)
	_, err = e.CompoundIndex(CompoundSpec{Table: "t", Name: "n", Rows: 1 << 16, Parts: []CompoundPart{{Field: "a"}}})
	assert.ErrorIs(t, err, ErrInvalidParams)
}

func TestBlindIndexAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation budgets are checked without -race")
	}
	idx := blindIndex(t, newEncryptor(t), IndexSpec{Table: "t", Field: "f", Name: "i", Rows: 1 << 20})
	v := make([]byte, 64)
	_, _ = idx.Compute(v)
	allocs := testing.AllocsPerRun(500, func() { _, _ = idx.Compute(v) })
	assert.LessOrEqual(t, allocs, 1.0)
	lower := blindIndex(t, newEncryptor(t), IndexSpec{Table: "t", Field: "f", Name: "i", Rows: 1 << 20, Transforms: []Transform{TrimSpace, Lowercase, DigitsOnly}})
	allocs = testing.AllocsPerRun(500, func() { _, _ = lower.ComputeString("Ada 1234 @Example.com") })
	assert.LessOrEqual(t, allocs, 1.0)
}

func TestEqual(t *testing.T) {
	assert.True(t, Equal([]byte{1, 2}, []byte{1, 2}))
	assert.False(t, Equal([]byte{1, 2}, []byte{1, 3}))
	assert.False(t, Equal([]byte{1, 2}, []byte{1}))
	assert.Equal(t, uint64(0x0102), IndexUint64([]byte{1, 2}))
}
