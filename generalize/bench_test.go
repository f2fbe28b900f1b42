package generalize

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// synthetic is a table of n rows with 4 quasi-identifiers, held as indexes
// into small string tables so that 10^7 rows fit: age (numeric 0..99), zip
// (numeric 0..99999), visit (date over 25 years) and occupation (256 leaves
// under a 4-level hierarchy). Values are uniform from a fixed-seed PCG.
type synthetic struct {
	n                        int
	age, zip, visit, occ     []uint32
	ages, zips, visits, occs []string
	visitUnix                []float64
	hierarchy                *Hierarchy
}

func newSynthetic(tb testing.TB, n int) *synthetic {
	tb.Helper()
	s := &synthetic{n: n}
	r := rand.New(rand.NewPCG(uint64(n), 42))
	for i := 0; i < 100; i++ {
		s.ages = append(s.ages, strconv.Itoa(i))
	}
	for i := 0; i < 100000; i++ {
		s.zips = append(s.zips, strconv.Itoa(i))
	}
	start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for d := 0; d < 9131; d++ {
		t := start.AddDate(0, 0, d)
		s.visits = append(s.visits, t.Format(DefaultDateLayout))
		s.visitUnix = append(s.visitUnix, float64(t.Unix()))
	}
	var paths [][]string
	for i := 0; i < 256; i++ {
		leaf := fmt.Sprintf("occ-%03d", i)
		s.occs = append(s.occs, leaf)
		paths = append(paths, []string{leaf, fmt.Sprintf("group-%02d", i/16), fmt.Sprintf("sector-%d", i/64), "*"})
	}
	h, err := NewHierarchy(paths)
	require.NoError(tb, err)
	s.hierarchy = h
	s.age, s.zip, s.visit, s.occ = make([]uint32, n), make([]uint32, n), make([]uint32, n), make([]uint32, n)
	for i := 0; i < n; i++ {
		s.age[i] = uint32(r.IntN(len(s.ages)))
		s.zip[i] = uint32(r.IntN(len(s.zips)))
		s.visit[i] = uint32(r.IntN(len(s.visits)))
		s.occ[i] = uint32(r.IntN(len(s.occs)))
	}
	return s
}

func (s *synthetic) columns() []Column {
	return []Column{
		{Name: "age", Role: QuasiIdentifier, Kind: Numeric},
		{Name: "zip", Role: QuasiIdentifier, Kind: Numeric},
		{Name: "visit", Role: QuasiIdentifier, Kind: Date},
		{Name: "occupation", Role: QuasiIdentifier, Kind: Categorical, Hierarchy: "occ"},
	}
}

// rows streams the table; the row slice is reused.
func (s *synthetic) rows(yield func([]string, error) bool) {
	row := make([]string, 4)
	for i := 0; i < s.n; i++ {
		row[0], row[1], row[2], row[3] = s.ages[s.age[i]], s.zips[s.zip[i]], s.visits[s.visit[i]], s.occs[s.occ[i]]
		if !yield(row, nil) {
			return
		}
	}
}

// sortFloor sorts a copy of every quasi-identifier column once, by value:
// the floor the issue compares Mondrian with.
func (s *synthetic) sortFloor() {
	f := make([]float64, s.n)
	for i, a := range s.age {
		f[i] = float64(a)
	}
	slices.Sort(f)
	for i, z := range s.zip {
		f[i] = float64(z)
	}
	slices.Sort(f)
	for i, v := range s.visit {
		f[i] = s.visitUnix[v]
	}
	slices.Sort(f)
	u := slices.Clone(s.occ)
	slices.Sort(u)
}

func benchSizes() []int {
	sizes := []int{100_000, 1_000_000}
	if os.Getenv("CUSTOS_BENCH_LARGE") == "1" {
		sizes = append(sizes, 10_000_000)
	}
	return sizes
}

func sizeName(n int) string {
	switch n {
	case 100_000:
		return "n=1e5"
	case 1_000_000:
		return "n=1e6"
	case 10_000_000:
		return "n=1e7"
	}
	return "n=" + strconv.Itoa(n)
}

// BenchmarkMondrianSynthetic runs Mondrian k=10 over 4 quasi-identifiers,
// from parsing the streamed rows to the checked plan. 10^7 rows only with
// CUSTOS_BENCH_LARGE=1. The x-floor metric is the time per run divided by
// the time to sort every quasi-identifier column once, measured in the same
// benchmark; live-MB is the heap held by the plan.
func BenchmarkMondrianSynthetic(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(sizeName(n), func(b *testing.B) {
			s := newSynthetic(b, n)
			a, err := NewAnonymizer(Config{Columns: s.columns(), K: 10, Hierarchies: map[string]*Hierarchy{"occ": s.hierarchy}})
			require.NoError(b, err)
			// The floor is timed in every iteration, next to the run it is
			// compared with, so that noise from other processes hits both.
			var floor time.Duration
			var plan *Plan
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				t0 := time.Now()
				s.sortFloor()
				floor += time.Since(t0)
				b.StartTimer()
				plan, err = a.Plan(s.rows)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			floorPer := float64(floor.Nanoseconds()) / float64(b.N)
			b.ReportMetric(per/floorPer, "x-floor")
			b.ReportMetric(floorPer/1e6, "floor-ms")
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "live-MB")
			b.ReportMetric(per/float64(n), "ns/row")
			runtime.KeepAlive(plan)
			runtime.KeepAlive(s)
		})
	}
}

// BenchmarkSortFloor sorts every quasi-identifier column of the synthetic
// table once: the floor for BenchmarkMondrianSynthetic.
func BenchmarkSortFloor(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(sizeName(n), func(b *testing.B) {
			s := newSynthetic(b, n)
			b.ReportAllocs()
			for b.Loop() {
				s.sortFloor()
			}
		})
	}
}

// BenchmarkMondrianAdult runs Mondrian k=10 on Adult's 30,162 rows and 8
// quasi-identifiers (age numeric, the rest with their hierarchies).
func BenchmarkMondrianAdult(b *testing.B) {
	header, rows := loadAdult(b)
	hs := loadAdultHierarchies(b)
	a, err := NewAnonymizer(Config{Columns: adultColumns(header, true), K: 10, Hierarchies: hs})
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Plan(seqRows(rows)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(rows)), "ns/row")
}

// BenchmarkCheckAdult measures the checker's one pass over Adult
// anonymized with k=10.
func BenchmarkCheckAdult(b *testing.B) {
	header, rows := loadAdult(b)
	hs := loadAdultHierarchies(b)
	a, err := NewAnonymizer(Config{Columns: adultColumns(header, true), K: 10, Hierarchies: hs})
	require.NoError(b, err)
	out, plan, err := a.Anonymize(rows)
	require.NoError(b, err)
	ch, err := NewChecker(CheckConfig{Columns: plan.Columns(), K: 10, Hierarchies: hs})
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ch.Check(seqRows(out)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValues(b *testing.B) {
	fb, _ := NewFixedBuckets(FixedBucketsConfig{Lower: 10, Upper: 90, Width: 10})
	cb, _ := ParseBuckets("[,18) minor; [18,65) adult; [65,) senior")
	ab, _ := NewAgeBuckets(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), fb)
	hs := loadAdultHierarchies(b)
	ds, _ := NewDateShifter(make([]byte, 32), -365, 365)
	pg, _ := NewPostalGeneralizer(map[string]PostalRule{"US": {Keep: 3, MinPopulation: 20001, Population: map[string]int64{"021": 1e6}}})
	birth := time.Date(1980, 6, 15, 0, 0, 0, 0, time.UTC)
	buf := make([]byte, 0, 32)
	var sink string
	b.Run("FixedBuckets", func(b *testing.B) {
		b.ReportAllocs()
		x := 0.0
		for b.Loop() {
			sink, _ = fb.Bucket(x)
			x += 7
			if x > 100 {
				x = 0
			}
		}
	})
	b.Run("Buckets", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink, _ = cb.Bucket(42)
		}
	})
	b.Run("AgeBuckets", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink, _ = ab.Bucket(birth)
		}
	})
	b.Run("AppendLabel/week", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf, _ = AppendLabel(buf[:0], birth, Week)
		}
	})
	b.Run("Hierarchy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink, _ = hs["education"].Generalize("Masters", 2)
		}
	})
	b.Run("Postal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink, _ = pg.Generalize("US", "02139-4307")
		}
	})
	b.Run("DateShift", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = ds.Shift("patient-0001", birth)
		}
	})
	b.Run("IPPrefix", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink, _ = IPPrefix("192.0.2.77", 24, 48)
		}
	})
	_ = sink
}

// TestValueAllocations pins the budget: numeric and date buckets
// with precomputed labels allocate nothing.
func TestValueAllocations(t *testing.T) {
	fb, err := NewFixedBuckets(FixedBucketsConfig{Lower: 10, Upper: 90, Width: 10})
	require.NoError(t, err)
	cb, err := ParseBuckets("[,18) minor; [18,65) adult; [65,) senior")
	require.NoError(t, err)
	ab, err := NewAgeBuckets(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), fb)
	require.NoError(t, err)
	h := loadAdultHierarchies(t)["education"]
	pg, err := NewPostalGeneralizer(map[string]PostalRule{"US": {Keep: 3, MinPopulation: 20001, Population: map[string]int64{"021": 1e6}}})
	require.NoError(t, err)
	birth := time.Date(1980, 6, 15, 0, 0, 0, 0, time.UTC)
	buf := make([]byte, 0, 32)
	var sink string
	cases := map[string]func(){
		"FixedBuckets.Bucket":  func() { sink, _ = fb.Bucket(42) },
		"Buckets.Bucket":       func() { sink, _ = cb.Bucket(42) },
		"AgeBuckets.Bucket":    func() { sink, _ = ab.Bucket(birth) },
		"Truncate":             func() { _, _ = Truncate(birth, Quarter) },
		"AppendLabel":          func() { buf, _ = AppendLabel(buf[:0], birth, Week) },
		"Hierarchy.Generalize": func() { sink, _ = h.Generalize("Masters", 2) },
		"Postal.Generalize":    func() { sink, _ = pg.Generalize("US", "02139") },
	}
	for name, f := range cases {
		assert.Zero(t, testing.AllocsPerRun(200, f), name)
	}
	_ = sink
}
