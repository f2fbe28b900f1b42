package retention

import (
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkEvaluate measures the evaluator over a mix of categories
// (calendar periods, fixed periods, events, a retain-until date, holds).
// The target is at least 5 million records per second on one core. Besides
// records/s (wall time) it reports records/cpu-s, the rate per second of CPU
// time the process used, which a shared, oversubscribed machine does not
// distort; run it with -cpu 1.
func BenchmarkEvaluate(b *testing.B) {
	pol := propPolicies(b)
	recs := randomRecords(rand.New(rand.NewPCG(1, 2)), 4096)
	for i := range recs {
		recs[i].Held = i%50 == 0
	}
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, cpuOK := cpuTime()
	due := 0
	for i := 0; b.Loop(); i++ {
		d, _ := pol.Evaluate(&recs[i&4095], now)
		if d.Verdict == Due {
			due++
		}
	}
	cpu1, _ := cpuTime()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	if cpuOK && cpu1 > cpu0 {
		b.ReportMetric(float64(b.N)/(cpu1-cpu0).Seconds(), "records/cpu-s")
	}
	if b.N >= len(recs) && due == 0 {
		b.Fatal("nothing due")
	}
}
