package retention

import (
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkEvaluate measures the evaluator over a mix of categories
// (calendar periods, fixed periods, events, a retain-until date, holds).
// The target is at least 5 million records per second on one core.
func BenchmarkEvaluate(b *testing.B) {
	pol := propPolicies(b)
	recs := randomRecords(rand.New(rand.NewPCG(1, 2)), 4096)
	for i := range recs {
		recs[i].Held = i%50 == 0
	}
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	b.ResetTimer()
	due := 0
	for i := 0; b.Loop(); i++ {
		d, _ := pol.Evaluate(&recs[i&4095], now)
		if d.Verdict == Due {
			due++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	if due == 0 {
		b.Fatal("nothing due")
	}
}
