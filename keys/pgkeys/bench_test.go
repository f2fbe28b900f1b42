package pgkeys_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/keys"
	"github.com/custos-dev/custos/keys/pgkeys"
)

// realWrapped returns a wrapped key as keys.SubjectKeys stores it.
func realWrapped(b *testing.B) []byte {
	m := keys.NewMemorySubjectKeyStore()
	kek, err := keys.GenerateMasterKey()
	require.NoError(b, err)
	sk, err := keys.NewSubjectKeys(m, kek)
	require.NoError(b, err)
	_, err = sk.AEAD(ctx, "bench")
	require.NoError(b, err)
	w, err := m.Get(ctx, "bench")
	require.NoError(b, err)
	return w
}

func opsPerSecond(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkGet measures Store.Get of existing keys (the store itself: the
// cache in front of it is keys.SubjectKeys'), beside two floors on the same
// pool: one query round trip (SELECT $1::bytea, "roundtrip") and the plain
// primary-key lookup of the key row without the tombstone check ("lookup"),
// serially and from GOMAXPROCS goroutines.
func BenchmarkGet(b *testing.B) {
	p := pool(b, 4)
	s, name := newStore(b, p)
	w := realWrapped(b)
	const n = 1000
	subjects := make([]string, n)
	for i := range subjects {
		subjects[i] = fmt.Sprintf("customer-%06d", i)
		require.NoError(b, s.Create(ctx, subjects[i], w))
	}
	floor := func(i int) error {
		var out []byte
		return p.QueryRow(ctx, `SELECT $1::bytea`, []byte(subjects[i%n])).Scan(&out)
	}
	lookupQuery := `SELECT wrapped FROM ` + pgx.Identifier{name}.Sanitize() + ` WHERE subject = $1`
	lookup := func(i int) error {
		var out []byte
		return p.QueryRow(ctx, lookupQuery, []byte(subjects[i%n])).Scan(&out)
	}
	get := func(i int) error {
		_, err := s.Get(ctx, subjects[i%n])
		return err
	}
	for _, c := range []struct {
		name string
		op   func(int) error
	}{{"roundtrip", floor}, {"lookup", lookup}, {"pgkeys", get}} {
		b.Run(c.name, func(b *testing.B) { serial(b, c.op) })
		b.Run(c.name+"-parallel", func(b *testing.B) { parallel(b, c.op) })
	}
}

// BenchmarkCreate measures Store.Create of new subjects (advisory lock,
// tombstone check and insert, one round trip) beside the floor of a plain
// INSERT of the same row into a table of the same shape ("insert"),
// serially and from
// GOMAXPROCS goroutines.
func BenchmarkCreate(b *testing.B) {
	p := pool(b, 4)
	w := realWrapped(b)
	var seq atomic.Int64
	subject := func() string { return fmt.Sprintf("customer-%09d", seq.Add(1)) }
	floor := func(p *pgxpool.Pool, name string) func(int) error {
		q := `INSERT INTO ` + pgx.Identifier{name}.Sanitize() + ` (subject, wrapped) VALUES ($1, $2)`
		return func(int) error {
			_, err := p.Exec(ctx, q, []byte(subject()), w)
			return err
		}
	}
	create := func(p *pgxpool.Pool, name string) func(int) error {
		s, err := pgkeys.New(p, name)
		require.NoError(b, err)
		return func(int) error { return s.Create(ctx, subject(), w) }
	}
	for _, c := range []struct {
		name string
		op   func(*pgxpool.Pool, string) func(int) error
	}{{"insert", floor}, {"pgkeys", create}} {
		b.Run(c.name, func(b *testing.B) { serial(b, c.op(p, newTable(b, p))) })
		b.Run(c.name+"-parallel", func(b *testing.B) { parallel(b, c.op(p, newTable(b, p))) })
	}
}

func serial(b *testing.B, op func(int) error) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := op(i); err != nil {
			b.Fatal(err)
		}
		i++
	}
	opsPerSecond(b)
}

func parallel(b *testing.B, op func(int) error) {
	b.ReportAllocs()
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := op(int(next.Add(1))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	opsPerSecond(b)
}
