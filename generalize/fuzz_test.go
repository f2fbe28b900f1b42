package generalize

import (
	"math"
	"strings"
	"testing"
	"time"
)

// FuzzParseISODate checks the fast date path against time.Parse.
func FuzzParseISODate(f *testing.F) {
	for _, s := range []string{"2024-02-29", "2023-02-29", "0000-01-01", "9999-12-31", "2024-13-01", "2024-00-10", "2024-1-011", "+024-01-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := parseISODate(s)
		tm, err := time.Parse(DefaultDateLayout, s)
		if ok {
			if err != nil || float64(tm.Unix()) != v {
				t.Fatalf("fast path accepts what time.Parse does not, or differs: %v", err)
			}
		}
		// Through the interner, both paths agree.
		ni := &numericInterner{kind: Date, layout: DefaultDateLayout, ids: map[string]uint32{}}
		id, ierr := ni.code(s)
		if (ierr == nil) != (err == nil) {
			t.Fatalf("interner and time.Parse disagree: %v vs %v", ierr, err)
		}
		if ierr == nil && ni.vals[id] != float64(tm.Unix()) {
			t.Fatalf("interner value differs")
		}
	})
}

// FuzzParseRange checks the checker's label reader: it never panics, and a
// label written by the anonymizer reads back as the same range.
func FuzzParseRange(f *testing.F) {
	f.Add(-5.5, 3.0)
	f.Add(10.0, 20.0)
	f.Add(0.0, 0.0)
	f.Add(-1e-7, 1e21)
	f.Fuzz(func(t *testing.T, lo, hi float64) {
		if !finite(lo) || !finite(hi) {
			return
		}
		lo, hi = min(lo, hi), max(lo, hi)
		label := formatValue(Numeric, "", lo)
		if hi != lo {
			label += rangeSep(Numeric) + formatValue(Numeric, "", hi)
		}
		gl, gh, ok := parseRange(Numeric, "", label)
		if !ok || gl != lo || gh != hi {
			t.Fatalf("label of [%v, %v] reads back as [%v, %v] (%v)", lo, hi, gl, gh, ok)
		}
		_, _, _ = parseRange(Numeric, "", strings.Repeat(label, 2))
	})
}

// FuzzFixedBuckets checks that every value lands in the bucket whose range
// holds it.
func FuzzFixedBuckets(f *testing.F) {
	f.Add(10.0, 90.0, 10.0, 37.5)
	f.Add(0.0, 1.0, 0.1, 0.3)
	f.Add(-100.0, 100.0, 7.0, -50.0)
	f.Fuzz(func(t *testing.T, lower, upper, width, x float64) {
		b, err := NewFixedBuckets(FixedBucketsConfig{Lower: lower, Upper: upper, Width: width})
		if err != nil {
			return
		}
		i, err := b.Index(x)
		if math.IsNaN(x) {
			if err == nil {
				t.Fatal("NaN accepted")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case i == 0:
			if x >= b.lower {
				t.Fatalf("%v below lower", x)
			}
		case i == len(b.labels)-1:
			if x < b.upper {
				t.Fatalf("%v above upper", x)
			}
		default:
			if x < b.edges[i-1] || x >= b.edges[i] {
				t.Fatalf("%v not in bucket [%v, %v)", x, b.edges[i-1], b.edges[i])
			}
		}
	})
}

// FuzzPostal checks that a generalized code is the code's prefix or the
// suppressed text, and that no input panics.
func FuzzPostal(f *testing.F) {
	f.Add("US", "02139-4307")
	f.Add("us", "0")
	f.Add("GB", "sw1a 1aa")
	f.Add("US", "ä1234")
	g, err := NewPostalGeneralizer(map[string]PostalRule{
		"US": {Keep: 3, MinPopulation: 20001, Population: map[string]int64{"021": 1e6}},
		"GB": {Keep: 2},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, country, code string) {
		out, err := g.Generalize(country, code)
		if err != nil {
			return
		}
		if out != "000" && !strings.EqualFold(out, code[:len(out)]) {
			t.Fatalf("output is neither the prefix nor suppressed")
		}
	})
}
