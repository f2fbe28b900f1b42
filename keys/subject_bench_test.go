package keys

import (
	"bytes"
	"context"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// benchSubjects is a memory store holding wrapped keys for subjects
// "subject-0" ... "subject-<n-1>", built once for all sub-benchmarks.
var benchSubjects = sync.OnceValues(func() (*MemorySubjectKeyStore, *MasterKey) {
	const n = 100_000
	kek, err := GenerateMasterKey()
	if err != nil {
		panic(err)
	}
	// One data key wrapped n times (under each subject's associated data):
	// the benchmarks measure lookups and unwrapping, and creating 10^5
	// keysets would only slow the set-up.
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		panic(err)
	}
	store := NewMemorySubjectKeyStore()
	for i := range n {
		var buf bytes.Buffer
		s := benchSubject(i)
		if err := h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), kek, subjectAD(s)); err != nil {
			panic(err)
		}
		store.keys[s] = buf.Bytes()
	}
	return store, kek
})

type benchCountingStore struct {
	SubjectKeyStore
	gets atomic.Int64
}

func (c *benchCountingStore) Get(ctx context.Context, subject string) ([]byte, error) {
	c.gets.Add(1)
	return c.SubjectKeyStore.Get(ctx, subject)
}

func benchSubject(i int) string { return "subject-" + strconv.Itoa(i) }

// BenchmarkSubjectKeysAEAD measures ExistingAEAD with a cache of 10^4
// entries (one minute TTL, never reached), the store in memory and the KEK a
// local master key, so a cache miss costs a store read and one unwrap:
//
//   - hot: 10^4 subjects, all cached (every lookup a hit);
//   - hot-parallel: the same from GOMAXPROCS goroutines;
//   - zipf: 10^5 subjects drawn from a Zipf distribution (s = 1.1);
//   - cycle: 10^5 subjects in turn, the worst case for LRU (every lookup
//     misses).
//
// "store-reads/op" is the miss ratio, "subjects-cached" the number of cache
// entries at the end and "heap-MiB" the live heap after a GC (store
// included, about 25 MiB for 10^5 keys).
func BenchmarkSubjectKeysAEAD(b *testing.B) {
	mem, kek := benchSubjects()
	store := &benchCountingStore{SubjectKeyStore: mem}
	const cacheSize = 10_000
	lookup := func(b *testing.B, sk *SubjectKeys, s string) tink.AEAD {
		a, err := sk.ExistingAEAD(ctx, s)
		if err != nil {
			b.Fatal(err)
		}
		return a
	}
	var reads0 int64
	start := func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		reads0 = store.gets.Load()
	}
	report := func(b *testing.B, sk *SubjectKeys) {
		b.StopTimer()
		b.ReportMetric(float64(store.gets.Load()-reads0)/float64(b.N), "store-reads/op")
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(benchCached(sk)), "subjects-cached")
		b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MiB")
	}

	b.Run("hot", func(b *testing.B) {
		sk := newBenchSubjectKeys(b, store, kek, cacheSize)
		for i := range cacheSize {
			lookup(b, sk, benchSubject(i))
		}
		names := make([]string, cacheSize)
		for i := range names {
			names[i] = benchSubject(i)
		}
		start(b)
		for i := 0; b.Loop(); i++ {
			lookup(b, sk, names[i%cacheSize])
		}
		report(b, sk)
	})

	b.Run("hot-parallel", func(b *testing.B) {
		sk := newBenchSubjectKeys(b, store, kek, cacheSize)
		names := make([]string, cacheSize)
		for i := range names {
			names[i] = benchSubject(i)
			lookup(b, sk, names[i])
		}
		start(b)
		var next sync.Mutex
		offset := 0
		b.RunParallel(func(pb *testing.PB) {
			next.Lock()
			i := offset
			offset += 997
			next.Unlock()
			for pb.Next() {
				a, err := sk.ExistingAEAD(ctx, names[i%cacheSize])
				if err != nil || a == nil {
					panic("lookup failed")
				}
				i++
			}
		})
		report(b, sk)
	})

	b.Run("zipf", func(b *testing.B) {
		const subjects = 100_000
		sk := newBenchSubjectKeys(b, store, kek, cacheSize)
		// A fixed ChaCha8 seed: the same access sequence in every run.
		z := rand.NewZipf(rand.New(rand.NewChaCha8([32]byte{1})), 1.1, 1, subjects-1)
		seq := make([]string, 1<<16)
		for i := range seq {
			seq[i] = benchSubject(int(z.Uint64()))
		}
		for i := range cacheSize { // warm with the most popular subjects
			lookup(b, sk, benchSubject(i))
		}
		start(b)
		for i := 0; b.Loop(); i++ {
			lookup(b, sk, seq[i%len(seq)])
		}
		report(b, sk)
	})

	b.Run("cycle", func(b *testing.B) {
		const subjects = 100_000
		sk := newBenchSubjectKeys(b, store, kek, cacheSize)
		names := make([]string, subjects)
		for i := range names {
			names[i] = benchSubject(i)
		}
		start(b)
		for i := 0; b.Loop(); i++ {
			lookup(b, sk, names[i%subjects])
		}
		report(b, sk)
	})
}

func newBenchSubjectKeys(b *testing.B, store SubjectKeyStore, kek tink.AEAD, size int) *SubjectKeys {
	sk, err := NewSubjectKeys(store, kek, WithCacheSize(size))
	if err != nil {
		b.Fatal(err)
	}
	return sk
}

func benchCached(sk *SubjectKeys) int { return sk.cacheLen() }
