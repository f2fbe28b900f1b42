package storetest

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custos-dev/custos/tokenize/vault"
)

// BatchSizes are the batch sizes Benchmark measures beside single calls.
var BatchSizes = []int{100, 1000}

// Benchmark measures a store's puts and gets, one record per call and in
// batches of BatchSizes, so that the figures compare in one run. newStore
// is called once per sub-benchmark and must return an empty store.
//
// Put/parallel makes single puts from 4*GOMAXPROCS goroutines at once.
// Each sub-benchmark reports records/s and ns/record besides the usual
// per-call figures. Records are realistic in size: 32-byte hashes, a 60-byte
// ciphertext, an expiry and one metadata entry. A single iteration (as in
// -benchtime 1x) writes or reads at most 1,000 records.
func Benchmark(b *testing.B, newStore func(b *testing.B) vault.Store) {
	sizes := append([]int{1}, BatchSizes...)
	for _, size := range sizes {
		name := "single"
		if size > 1 {
			name = fmt.Sprintf("batch=%d", size)
		}
		b.Run("Put/"+name, func(b *testing.B) { benchPut(b, newStore(b), size) })
		b.Run("Get/"+name, func(b *testing.B) { benchGet(b, newStore(b), size) })
	}
	b.Run("Put/parallel", func(b *testing.B) { benchPutParallel(b, newStore(b)) })
}

// benchPutParallel: single puts from GOMAXPROCS*4 goroutines, as a service
// under load makes them.
func benchPutParallel(b *testing.B, st vault.Store) {
	ctx := context.Background()
	b.ReportAllocs()
	b.SetParallelism(4)
	var records atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		g := newGen()
		for pb.Next() {
			if err := st.Put(ctx, g.next()); err != nil {
				b.Error(err)
				return
			}
			records.Add(1)
		}
	})
	report(b, int(records.Load()))
}

// gen makes records with distinct token hashes cheaply: a random prefix per
// generator and a counter.
type gen struct {
	prefix  [24]byte
	n       uint64
	ct      []byte
	created time.Time
}

func newGen() *gen {
	g := &gen{ct: make([]byte, 60), created: time.Now()}
	// crypto/rand.Read never fails (since Go 1.24).
	_, _ = rand.Read(g.prefix[:])
	_, _ = rand.Read(g.ct)
	return g
}

func (g *gen) next() vault.Record {
	g.n++
	th := make([]byte, 32)
	copy(th, g.prefix[:])
	binary.BigEndian.PutUint64(th[24:], g.n)
	vh := make([]byte, 32)
	copy(vh, th)
	vh[0] ^= 0xff
	return vault.Record{
		TokenHash:  th,
		Ciphertext: g.ct,
		ValueHash:  vh,
		CreatedAt:  g.created,
		ExpiresAt:  g.created.Add(24 * time.Hour),
		Metadata:   map[string]string{"purpose": "benchmark"},
	}
}

func (g *gen) batch(n int) []vault.Record {
	recs := make([]vault.Record, n)
	for i := range recs {
		recs[i] = g.next()
	}
	return recs
}

func report(b *testing.B, records int) {
	sec := b.Elapsed().Seconds()
	if records == 0 || sec == 0 {
		return
	}
	b.ReportMetric(float64(records)/sec, "records/s")
	b.ReportMetric(sec*1e9/float64(records), "ns/record")
}

func benchPut(b *testing.B, st vault.Store, size int) {
	ctx := context.Background()
	g := newGen()
	b.ReportAllocs()
	records := 0
	for b.Loop() {
		var err error
		if size == 1 {
			err = st.Put(ctx, g.next())
		} else {
			err = st.PutBatch(ctx, g.batch(size))
		}
		if err != nil {
			b.Fatal(err)
		}
		records += size
	}
	report(b, records)
}

func benchGet(b *testing.B, st vault.Store, size int) {
	ctx := context.Background()
	g := newGen()
	// 1,000 stored records, read round-robin (single) or all at once.
	const stored = 1000
	recs := g.batch(stored)
	if err := st.PutBatch(ctx, recs); err != nil {
		b.Fatal(err)
	}
	hashes := make([][]byte, stored)
	for i, r := range recs {
		hashes[i] = r.TokenHash
	}
	b.ReportAllocs()
	records, i := 0, 0
	for b.Loop() {
		if size == 1 {
			r, err := st.Get(ctx, hashes[i%stored])
			if err != nil || r.TokenHash == nil {
				b.Fatal("get failed: ", err)
			}
			i++
		} else {
			got, err := st.GetBatch(ctx, hashes[:size])
			if err != nil || got[size-1].TokenHash == nil {
				b.Fatal("get batch failed: ", err)
			}
		}
		records += size
	}
	report(b, records)
}
