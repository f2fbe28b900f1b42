package generalize

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConcurrentValueGeneralizers hammers every value generalizer and a Plan
// from many goroutines and compares with single-threaded results.
func TestConcurrentValueGeneralizers(t *testing.T) {
	fb, err := NewFixedBuckets(FixedBucketsConfig{Lower: 0, Upper: 100, Width: 7})
	require.NoError(t, err)
	cb, err := ParseBuckets("[,18) minor; [18,65) adult; [65,) senior")
	require.NoError(t, err)
	ab, err := NewAgeBuckets(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), fb)
	require.NoError(t, err)
	pg, err := NewPostalGeneralizer(map[string]PostalRule{"US": {Keep: 3, MinPopulation: 100, Population: map[string]int64{"021": 500, "100": 50}}})
	require.NoError(t, err)
	header, rows := loadAdult(t)
	rows = rows[:3000]
	a, err := NewAnonymizer(Config{Columns: adultColumns(header, true), K: 5, Hierarchies: loadAdultHierarchies(t)})
	require.NoError(t, err)
	_, plan, err := a.Anonymize(rows)
	require.NoError(t, err)

	run := func() []string {
		var out []string
		for i := 0; i < 120; i++ {
			x := float64(i) - 10
			s1, _ := fb.Bucket(x)
			s2, _ := cb.Bucket(x)
			s3, _ := ab.Bucket(time.Date(1900+i, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC))
			s4, _ := pg.Generalize("US", fmt.Sprintf("%05d", i*997))
			out = append(out, s1, s2, s3, s4)
		}
		var buf []string
		for i, r := range rows {
			buf, _, _ = plan.AppendRow(buf[:0], i, r)
			out = append(out, buf...)
		}
		return out
	}
	want := run()
	var wg sync.WaitGroup
	got := make([][]string, 8)
	for g := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[g] = run()
		}()
	}
	wg.Wait()
	for g := range got {
		assert.True(t, slices.Equal(want, got[g]), "goroutine %d", g)
	}
}
