package generalize

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ---- brute-force reference, written apart from the Checker ----

type bfClass struct {
	rows []int
}

// bruteClasses groups rows by comparing every pair of rows on every
// quasi-identifier: O(n²), obviously right.
func bruteClasses(rows [][]string, qi []int) []bfClass {
	assigned := make([]bool, len(rows))
	var out []bfClass
	for i := range rows {
		if assigned[i] {
			continue
		}
		c := bfClass{}
		for j := i; j < len(rows); j++ {
			same := true
			for _, q := range qi {
				if rows[i][q] != rows[j][q] {
					same = false
					break
				}
			}
			if same {
				assigned[j] = true
				c.rows = append(c.rows, j)
			}
		}
		out = append(out, c)
	}
	return out
}

type bfStats struct {
	k, distinct int
	entropyL    float64
	recC        float64
	t           float64
}

func bruteStats(rows [][]string, qi []int, sens int, ordered bool, recL int) bfStats {
	classes := bruteClasses(rows, qi)
	// Table distribution over the distinct sensitive values, in order.
	var vals []string
	tableCount := map[string]int{}
	for _, r := range rows {
		if tableCount[r[sens]] == 0 {
			vals = append(vals, r[sens])
		}
		tableCount[r[sens]]++
	}
	if ordered {
		slices.SortFunc(vals, func(a, b string) int {
			x, _ := strconv.ParseFloat(a, 64)
			y, _ := strconv.ParseFloat(b, 64)
			return cmpFloat(x, y)
		})
	}
	st := bfStats{k: math.MaxInt, distinct: math.MaxInt, entropyL: math.Inf(1)}
	for _, c := range classes {
		st.k = min(st.k, len(c.rows))
		cnt := map[string]int{}
		for _, r := range c.rows {
			cnt[rows[r][sens]]++
		}
		st.distinct = min(st.distinct, len(cnt))
		h := 0.0
		var ns []int
		for _, n := range cnt {
			p := float64(n) / float64(len(c.rows))
			h -= p * math.Log(p)
			ns = append(ns, n)
		}
		st.entropyL = min(st.entropyL, math.Exp(h))
		slices.Sort(ns)
		slices.Reverse(ns)
		ratio := math.Inf(1)
		if len(ns) >= recL {
			tail := 0
			for _, n := range ns[recL-1:] {
				tail += n
			}
			ratio = float64(ns[0]) / float64(tail)
		}
		st.recC = max(st.recC, ratio)
		var d float64
		if ordered {
			cum := 0.0
			for _, v := range vals {
				cum += float64(cnt[v])/float64(len(c.rows)) - float64(tableCount[v])/float64(len(rows))
				d += math.Abs(cum)
			}
			if len(vals) > 1 {
				d /= float64(len(vals) - 1)
			} else {
				d = 0
			}
		} else {
			for _, v := range vals {
				d += math.Abs(float64(cnt[v])/float64(len(c.rows)) - float64(tableCount[v])/float64(len(rows)))
			}
			d /= 2
		}
		st.t = max(st.t, d)
	}
	return st
}

func bruteL(l *LDiversity, st bfStats) bool {
	switch l.Variant {
	case DistinctL:
		return float64(st.distinct) >= l.L
	case EntropyL:
		return st.entropyL >= l.L*(1-1e-9)
	case RecursiveL:
		return st.recC < l.C
	}
	return false
}

// ---- random small tables ----

var smallHierarchy = func() *Hierarchy {
	h, err := NewHierarchy([][]string{
		{"l1", "g1", "*"}, {"l2", "g1", "*"}, {"l3", "g2", "*"},
		{"l4", "g2", "*"}, {"l5", "g3", "*"}, {"l6", "g3", "*"},
	})
	if err != nil {
		panic(err)
	}
	return h
}()

func randomTable(r *rand.Rand, n int, orderedSens bool) [][]string {
	rows := make([][]string, n)
	nA := 1 + r.IntN(10)
	nS := 1 + r.IntN(4)
	for i := range rows {
		s := "s" + strconv.Itoa(r.IntN(nS))
		if orderedSens {
			s = strconv.Itoa(10 * r.IntN(nS+2))
		}
		rows[i] = []string{
			"id" + strconv.Itoa(i),
			strconv.Itoa(r.IntN(nA) * 5),
			"l" + strconv.Itoa(1+r.IntN(6)),
			strconv.FormatFloat(float64(r.IntN(4))/2-0.5, 'f', -1, 64),
			s,
			"x",
		}
	}
	return rows
}

func smallColumns(orderedSens bool) []Column {
	sk := Categorical
	if orderedSens {
		sk = Numeric
	}
	return []Column{
		{Name: "id", Role: Identifier},
		{Name: "a", Role: QuasiIdentifier, Kind: Numeric},
		{Name: "b", Role: QuasiIdentifier, Kind: Categorical, Hierarchy: "h"},
		{Name: "c", Role: QuasiIdentifier, Kind: Numeric},
		{Name: "s", Role: Sensitive, Kind: sk},
		{Name: "note", Role: Insensitive},
	}
}

func TestCheckerMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 300; iter++ {
		ordered := iter%2 == 1
		rows := randomTable(r, 1+r.IntN(40), ordered)
		ch, err := NewChecker(CheckConfig{Columns: smallColumns(ordered), RecursiveL: 2, Hierarchies: map[string]*Hierarchy{"h": smallHierarchy}})
		require.NoError(t, err)
		rep, err := ch.Check(seqRows(rows))
		require.NoError(t, err)
		qi := []int{1, 2, 3}
		bf := bruteStats(rows, qi, 4, ordered, 2)
		classes := bruteClasses(rows, qi)
		require.Equal(t, len(classes), len(rep.Classes), "iteration %d", iter)
		assert.Equal(t, bf.k, rep.K)
		for _, c := range classes {
			tuple := []string{rows[c.rows[0]][1], rows[c.rows[0]][2], rows[c.rows[0]][3]}
			idx := slices.IndexFunc(rep.Classes, func(rc Class) bool { return slices.Equal(rc.Values, tuple) })
			require.GreaterOrEqual(t, idx, 0, "class %v missing", tuple)
			assert.Equal(t, len(c.rows), rep.Classes[idx].Size)
		}
		s := rep.Sensitive[0]
		assert.Equal(t, bf.distinct, s.DistinctL)
		assert.InDelta(t, bf.entropyL, s.EntropyL, 1e-9)
		assert.InDelta(t, bf.t, s.T, 1e-9, "iteration %d ordered=%v", iter, ordered)
		if math.IsInf(bf.recC, 1) {
			assert.True(t, math.IsInf(s.RecursiveC, 1))
		} else {
			assert.InDelta(t, bf.recC, s.RecursiveC, 1e-9)
		}
		assert.InDelta(t, 1/float64(bf.k), rep.Risk.ProsecutorMax, 1e-12)
		assert.InDelta(t, float64(len(classes))/float64(len(rows)), rep.Risk.ProsecutorAvg, 1e-12)
		dm := 0
		for _, c := range classes {
			dm += len(c.rows) * len(c.rows)
		}
		assert.Equal(t, float64(dm), rep.Utility.Discernibility)
	}
}

func TestAnonymizerPropertyRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	hs := map[string]*Hierarchy{"h": smallHierarchy}
	ls := []*LDiversity{nil, {Variant: DistinctL, L: 2}, {Variant: EntropyL, L: 1.5}, {Variant: RecursiveL, L: 2, C: 3}}
	ts := []*TCloseness{nil, {T: 0.5}, {T: 0.25}}
	outcomes := map[string]int{}
	for iter := 0; iter < 400; iter++ {
		ordered := iter%3 == 0
		n := 1 + r.IntN(60)
		rows := randomTable(r, n, ordered)
		cfg := Config{
			Columns: smallColumns(ordered), K: 1 + r.IntN(5), Hierarchies: hs,
			LDiversity: ls[r.IntN(len(ls))], TCloseness: ts[r.IntN(len(ts))],
		}
		if r.IntN(2) == 0 {
			cfg.SuppressionLimit = 0.1
		}
		name := fmt.Sprintf("iteration %d k=%d l=%v t=%v supp=%v n=%d", iter, cfg.K, cfg.LDiversity, cfg.TCloseness, cfg.SuppressionLimit, n)
		a, err := NewAnonymizer(cfg)
		require.NoError(t, err)
		out, plan, err := a.Anonymize(rows)

		whole := bruteStats(rows, nil, 4, ordered, 2) // one class: the whole table
		rootOK := n >= cfg.K && (cfg.LDiversity == nil || bruteL(cfg.LDiversity, whole))
		if err != nil {
			outcomes["error"]++
			assert.ErrorIs(t, err, ErrConstraintUnmet, name)
			assert.False(t, rootOK, "%s: refused although the whole table meets the request", name)
			assert.Nil(t, out)
			continue
		}
		outcomes["ok"]++
		require.True(t, rootOK, "%s: accepted although the whole table fails", name)
		assert.LessOrEqual(t, float64(plan.Suppressed()), cfg.SuppressionLimit*float64(n), name)
		require.Len(t, out, n-plan.Suppressed())
		if plan.Suppressed() > 0 {
			outcomes["suppressed"]++
		}
		// The output, checked by brute force: columns id dropped.
		st := bruteStats(out, []int{0, 1, 2}, 3, ordered, 2)
		assert.GreaterOrEqual(t, st.k, cfg.K, name)
		if cfg.LDiversity != nil {
			assert.True(t, bruteL(cfg.LDiversity, st), "%s: l-diversity %+v", name, st)
		}
		if cfg.TCloseness != nil {
			assert.LessOrEqual(t, st.t, cfg.TCloseness.T+1e-9, name)
		}
		// Every kept row's generalized values cover its original values.
		j := 0
		for i, row := range rows {
			o, kept, err := plan.AppendRow(nil, i, row)
			require.NoError(t, err)
			if !kept {
				continue
			}
			assert.Equal(t, out[j], o)
			j++
			for _, c := range [][2]int{{1, 0}, {3, 2}} {
				lo, hi, ok := parseRange(Numeric, "", o[c[1]])
				require.True(t, ok, o[c[1]])
				v, _ := strconv.ParseFloat(row[c[0]], 64)
				assert.True(t, lo <= v && v <= hi, "%s: %v not in %q", name, v, o[c[1]])
			}
			covered := false
			for lvl := 0; lvl < smallHierarchy.Height(); lvl++ {
				if g, _ := smallHierarchy.Generalize(row[2], lvl); g == o[1] {
					covered = true
				}
			}
			assert.True(t, covered, "%s: %q is not an ancestor of %q", name, o[1], row[2])
			assert.Equal(t, row[4], o[3])
			assert.Equal(t, row[5], o[4])
		}
	}
	t.Logf("outcomes: %v", outcomes)
	assert.Greater(t, outcomes["error"], 10)
	assert.Greater(t, outcomes["ok"], 100)
	assert.Greater(t, outcomes["suppressed"], 0)
}

func TestJointlyUniqueFails(t *testing.T) {
	// Each column alone is 3-anonymous; the joint tuples are not.
	rows := [][]string{
		{"a1", "b1", "x"}, {"a1", "b1", "y"}, {"a1", "b2", "x"},
		{"a2", "b1", "y"}, {"a2", "b2", "x"}, {"a2", "b2", "y"},
	}
	cols := []Column{
		{Name: "A", Role: QuasiIdentifier, Kind: Categorical},
		{Name: "B", Role: QuasiIdentifier, Kind: Categorical},
		{Name: "S", Role: Sensitive},
	}
	for _, one := range []int{0, 1} {
		c := slices.Clone(cols)
		c[1-one].Role = Insensitive
		ch, err := NewChecker(CheckConfig{Columns: c})
		require.NoError(t, err)
		rep, err := ch.Check(seqRows(rows))
		require.NoError(t, err)
		assert.Equal(t, 3, rep.K, "column %d alone", one)
		assert.NoError(t, rep.Meets(3, nil, nil))
	}
	ch, err := NewChecker(CheckConfig{Columns: cols, K: 2})
	require.NoError(t, err)
	rep, err := ch.Check(seqRows(rows))
	require.NoError(t, err)
	assert.Equal(t, 1, rep.K)
	require.Len(t, rep.Classes, 4)
	assert.Equal(t, Class{Values: []string{"a1", "b2"}, Size: 1, Distinct: []int{1}}, rep.Classes[1])
	assert.ErrorIs(t, rep.Meets(2, nil, nil), ErrConstraintUnmet)
	assert.Equal(t, 1.0, rep.Risk.ProsecutorMax)
	assert.InDelta(t, 4.0/6, rep.Risk.ProsecutorAvg, 1e-12)
	assert.Equal(t, 6, rep.Risk.RecordsAtRisk) // 1/1 and 1/2 both exceed 0.2
	// DM with K=2: classes of size 2 count 4 each, size-1 classes count N=6.
	assert.Equal(t, 4.0+6+6+4, rep.Utility.Discernibility)
}

func TestHomogeneousClassFailsLDiversity(t *testing.T) {
	rows := [][]string{
		{"30-39", "flu"}, {"30-39", "flu"}, {"30-39", "flu"}, {"30-39", "flu"},
		{"40-49", "flu"}, {"40-49", "cold"}, {"40-49", "hiv"}, {"40-49", "flu"},
	}
	ch, err := NewChecker(CheckConfig{Columns: []Column{
		{Name: "age", Role: QuasiIdentifier, Kind: Numeric},
		{Name: "diag", Role: Sensitive, Kind: Categorical},
	}})
	require.NoError(t, err)
	rep, err := ch.Check(seqRows(rows))
	require.NoError(t, err)
	assert.Equal(t, 4, rep.K)
	assert.NoError(t, rep.Meets(4, nil, nil))
	assert.Equal(t, 1, rep.Sensitive[0].DistinctL)
	assert.InDelta(t, 1.0, rep.Sensitive[0].EntropyL, 1e-12)
	assert.ErrorIs(t, rep.Meets(4, &LDiversity{Variant: DistinctL, L: 2}, nil), ErrConstraintUnmet)
	assert.ErrorIs(t, rep.Meets(4, &LDiversity{Variant: EntropyL, L: 1.2}, nil), ErrConstraintUnmet)
	assert.ErrorIs(t, rep.Meets(4, &LDiversity{Variant: RecursiveL, L: 2, C: 10}, nil), ErrConstraintUnmet)
	// Table: flu 6/8, cold 1/8, hiv 1/8. The homogeneous class is at
	// distance (1/2)(1/4 + 1/8 + 1/8) = 1/4 from it.
	assert.InDelta(t, 0.25, rep.Sensitive[0].T, 1e-12)
	assert.ErrorIs(t, rep.Meets(4, nil, &TCloseness{T: 0.2}), ErrConstraintUnmet)
	assert.NoError(t, rep.Meets(4, nil, &TCloseness{T: 0.25}))
	// NCP of "30-39" over the domain 30..49: 9/19.
	assert.InDelta(t, 9.0/19, rep.Utility.NCP, 1e-12)

	// The anonymizer refuses a table whose every row has the same value.
	a, err := NewAnonymizer(Config{
		Columns:    []Column{{Name: "age", Role: QuasiIdentifier, Kind: Numeric}, {Name: "diag", Role: Sensitive}},
		K:          2,
		LDiversity: &LDiversity{Variant: DistinctL, L: 2},
	})
	require.NoError(t, err)
	out, plan, err := a.Anonymize([][]string{{"31", "flu"}, {"35", "flu"}, {"47", "flu"}, {"44", "flu"}})
	assert.ErrorIs(t, err, ErrConstraintUnmet)
	assert.Nil(t, out)
	assert.Nil(t, plan)
}

func TestOrderedEMDByHand(t *testing.T) {
	// Li et al. 2007's salary example: table {3k..11k}, a class {3k,4k,5k}
	// is at ordered distance 0.375 and a class {6k,8k,11k} at 0.167.
	sal := []string{"3", "4", "5", "6", "7", "8", "9", "10", "11"}
	var rows [][]string
	for i, s := range sal {
		g := "other"
		switch s {
		case "3", "4", "5":
			g = "low"
		case "6", "8", "11":
			g = "mixed"
		}
		rows = append(rows, []string{g, s})
		_ = i
	}
	h, err := NewHierarchy([][]string{{"low", "*"}, {"mixed", "*"}, {"other", "*"}})
	require.NoError(t, err)
	ch, err := NewChecker(CheckConfig{Columns: []Column{
		{Name: "g", Role: QuasiIdentifier, Kind: Categorical, Hierarchy: "g"},
		{Name: "salary", Role: Sensitive, Kind: Numeric},
	}, Hierarchies: map[string]*Hierarchy{"g": h}})
	require.NoError(t, err)
	rep, err := ch.Check(seqRows(rows))
	require.NoError(t, err)
	assert.InDelta(t, 0.375, rep.Sensitive[0].T, 1e-12)
	one := [][]string{rows[5], rows[3], rows[8]} // 8, 6, 11 ... checked alone against the whole table below
	_ = one
	d := newDistribution([]int{1, 1, 1, 1, 1, 1, 1, 1, 1}, 9)
	got := emd([]codeCount{{3, 1}, {5, 1}, {8, 1}}, 3, &d, true)
	assert.InDelta(t, 1.0/6, got, 1e-12)
}

func TestAdultConstraints(t *testing.T) {
	header, rows := loadAdult(t)
	hs := loadAdultHierarchies(t)
	cols := adultColumns(header, true)
	tests := []struct {
		name  string
		cfg   Config
		unmet bool
	}{
		{"k5 distinct-2", Config{K: 5, LDiversity: &LDiversity{Variant: DistinctL, L: 2}}, false},
		{"k10 entropy-1.6", Config{K: 10, LDiversity: &LDiversity{Variant: EntropyL, L: 1.6}}, false},
		{"k10 recursive (4,2)", Config{K: 10, LDiversity: &LDiversity{Variant: RecursiveL, L: 2, C: 4}}, false},
		{"k10 t=0.1", Config{K: 10, TCloseness: &TCloseness{T: 0.1}}, false},
		{"k5 distinct-2 t=0.15 suppress 2%", Config{K: 5, SuppressionLimit: 0.02, LDiversity: &LDiversity{Variant: DistinctL, L: 2}, TCloseness: &TCloseness{T: 0.15}}, false},
		{"k10 suppress 1%", Config{K: 10, SuppressionLimit: 0.01}, false},
		// The whole table has entropy exp(H) ≈ 1.75 (24.9% >50K): entropy
		// 2-diversity is impossible, and recursive (3,2) too (22654/7508 > 3).
		{"entropy-2 impossible", Config{K: 2, LDiversity: &LDiversity{Variant: EntropyL, L: 2}}, true},
		{"recursive (3,2) impossible", Config{K: 2, SuppressionLimit: 0.05, LDiversity: &LDiversity{Variant: RecursiveL, L: 2, C: 3}}, true},
		{"distinct-3 impossible", Config{K: 2, LDiversity: &LDiversity{Variant: DistinctL, L: 3}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Columns, cfg.Hierarchies = cols, hs
			a, err := NewAnonymizer(cfg)
			require.NoError(t, err)
			out, plan, err := a.Anonymize(rows)
			if tc.unmet {
				assert.ErrorIs(t, err, ErrConstraintUnmet)
				assert.Nil(t, out)
				return
			}
			require.NoError(t, err)
			ch, err := NewChecker(CheckConfig{Columns: plan.Columns(), K: cfg.K, Suppressed: plan.Suppressed(), Hierarchies: hs})
			require.NoError(t, err)
			rep, err := ch.Check(seqRows(out))
			require.NoError(t, err)
			assert.NoError(t, rep.Meets(cfg.K, cfg.LDiversity, cfg.TCloseness))
			assert.Equal(t, len(rows), rep.Records+plan.Suppressed())
			assert.LessOrEqual(t, float64(plan.Suppressed()), cfg.SuppressionLimit*float64(len(rows)))
			t.Logf("classes=%d suppressed=%d NCP=%.4f DM=%.0f l=%d/%.3f t=%.3f", len(rep.Classes), plan.Suppressed(),
				rep.Utility.NCP, rep.Utility.Discernibility, rep.Sensitive[0].DistinctL, rep.Sensitive[0].EntropyL, rep.Sensitive[0].T)
		})
	}
}

func TestAnonymizeDates(t *testing.T) {
	rows := [][]string{
		{"2020-01-05", "F", "a"}, {"2020-01-20", "F", "b"}, {"2020-02-11", "M", "a"},
		{"2021-07-01", "M", "b"}, {"2021-08-15", "F", "a"}, {"2021-09-30", "M", "b"},
	}
	sex, err := NewHierarchy([][]string{{"F", "*"}, {"M", "*"}})
	require.NoError(t, err)
	a, err := NewAnonymizer(Config{
		Columns: []Column{
			{Name: "visit", Role: QuasiIdentifier, Kind: Date},
			{Name: "sex", Role: QuasiIdentifier, Kind: Categorical, Hierarchy: "sex"},
			{Name: "code", Role: Sensitive},
		},
		K: 3, Hierarchies: map[string]*Hierarchy{"sex": sex},
	})
	require.NoError(t, err)
	out, _, err := a.Anonymize(rows)
	require.NoError(t, err)
	assert.Equal(t, [][]string{
		{"2020-01-05/2020-02-11", "*", "a"}, {"2020-01-05/2020-02-11", "*", "b"}, {"2020-01-05/2020-02-11", "*", "a"},
		{"2021-07-01/2021-09-30", "*", "b"}, {"2021-08-15"[:0] + "2021-07-01/2021-09-30", "*", "a"}, {"2021-07-01/2021-09-30", "*", "b"},
	}, out)
	ch, err := NewChecker(CheckConfig{Columns: []Column{
		{Name: "visit", Role: QuasiIdentifier, Kind: Date},
		{Name: "sex", Role: QuasiIdentifier, Kind: Categorical, Hierarchy: "sex"},
		{Name: "code", Role: Sensitive},
	}, Hierarchies: map[string]*Hierarchy{"sex": sex}})
	require.NoError(t, err)
	rep, err := ch.Check(seqRows(out))
	require.NoError(t, err)
	assert.Equal(t, 3, rep.K)
	// Date NCP: each range spans 37 or 91 days of the 634-day domain, sex is "*".
	want := (3*37.0/634 + 3*91.0/634 + 6) / 12
	assert.InDelta(t, want, rep.Utility.NCP, 1e-12)
}

func TestPlanSecondPass(t *testing.T) {
	rows := [][]string{{"10", "a"}, {"11", "b"}, {"12", "a"}, {"50", "b"}, {"51", "a"}, {"52", "b"}}
	a, err := NewAnonymizer(Config{Columns: []Column{
		{Name: "age", Role: QuasiIdentifier, Kind: Numeric},
		{Name: "s", Role: Insensitive},
	}, K: 3})
	require.NoError(t, err)
	out, plan, err := a.Anonymize(rows)
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"10-12", "a"}, {"10-12", "b"}, {"10-12", "a"}, {"50-52", "b"}, {"50-52", "a"}, {"50-52", "b"}}, out)
	assert.Equal(t, []string{"age", "s"}, plan.Header())
	assert.Equal(t, 6, plan.Len())
	assert.Equal(t, 2, plan.Classes())
	// A different row at position 0 is refused, not generalized wrongly.
	_, _, err = plan.AppendRow(nil, 0, []string{"51", "a"})
	assert.ErrorIs(t, err, ErrRowMismatch)
	_, _, err = plan.AppendRow(nil, 0, []string{"ten", "a"})
	assert.ErrorIs(t, err, ErrRowMismatch)
	_, _, err = plan.AppendRow(nil, 6, []string{"10", "a"})
	assert.ErrorIs(t, err, ErrRowMismatch)
	_, _, err = plan.AppendRow(nil, 0, []string{"10"})
	assert.ErrorIs(t, err, ErrRowMismatch)
}

func TestAnonymizerInputErrors(t *testing.T) {
	h, err := NewHierarchy([][]string{{"x", "*"}, {"y", "*"}})
	require.NoError(t, err)
	cols := []Column{
		{Name: "name", Role: Identifier},
		{Name: "n", Role: QuasiIdentifier, Kind: Numeric},
		{Name: "d", Role: QuasiIdentifier, Kind: Date},
		{Name: "c", Role: QuasiIdentifier, Kind: Categorical, Hierarchy: "h"},
		{Name: "s", Role: Sensitive, Kind: Numeric},
	}
	a, err := NewAnonymizer(Config{Columns: cols, K: 1, Hierarchies: map[string]*Hierarchy{"h": h}})
	require.NoError(t, err)
	good := []string{"Alice", "1", "2020-01-01", "x", "5"}
	tests := []struct {
		name   string
		row    []string
		column string
		err    error
		bad    string
	}{
		{"number", []string{"Alice", "one", "2020-01-01", "x", "5"}, "n", ErrUnparsable, "one"},
		{"NaN", []string{"Alice", "NaN", "2020-01-01", "x", "5"}, "n", ErrUnparsable, "NaN"},
		{"date", []string{"Alice", "1", "01/01/2020", "x", "5"}, "d", ErrUnparsable, "01/01/2020"},
		{"hierarchy", []string{"Alice", "1", "2020-01-01", "zebra", "5"}, "c", ErrNotInHierarchy, "zebra"},
		{"sensitive number", []string{"Alice", "1", "2020-01-01", "x", "five"}, "s", ErrUnparsable, "five"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := a.Anonymize([][]string{good, tc.row})
			require.ErrorIs(t, err, tc.err)
			var ce *ColumnError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.column, ce.Column)
			assert.NotContains(t, err.Error(), tc.bad)
			assert.NotContains(t, err.Error(), "Alice")
		})
	}
	_, _, err = a.Anonymize([][]string{good, {"short"}})
	assert.ErrorIs(t, err, ErrRowMismatch)
	_, _, err = a.Anonymize(nil)
	assert.ErrorIs(t, err, ErrConstraintUnmet)
	a5, err := NewAnonymizer(Config{Columns: cols, K: 5, Hierarchies: map[string]*Hierarchy{"h": h}})
	require.NoError(t, err)
	_, _, err = a5.Anonymize([][]string{good, good})
	assert.ErrorIs(t, err, ErrConstraintUnmet)
}

func TestConfigValidation(t *testing.T) {
	h, err := NewHierarchy([][]string{{"x", "*"}})
	require.NoError(t, err)
	hs := map[string]*Hierarchy{"h": h}
	qi := Column{Name: "a", Role: QuasiIdentifier, Kind: Numeric}
	sens := Column{Name: "s", Role: Sensitive}
	tests := []struct {
		name string
		cfg  Config
	}{
		{"zero config", Config{}},
		{"k zero", Config{Columns: []Column{qi}}},
		{"no quasi-identifier", Config{Columns: []Column{sens}, K: 2}},
		{"no role", Config{Columns: []Column{{Name: "a", Kind: Numeric}}, K: 2}},
		{"qi without kind", Config{Columns: []Column{{Name: "a", Role: QuasiIdentifier}}, K: 2}},
		{"categorical without hierarchy", Config{Columns: []Column{{Name: "a", Role: QuasiIdentifier, Kind: Categorical}}, K: 2}},
		{"unknown hierarchy", Config{Columns: []Column{{Name: "a", Role: QuasiIdentifier, Kind: Categorical, Hierarchy: "zz"}}, K: 2, Hierarchies: hs}},
		{"duplicate name", Config{Columns: []Column{qi, qi}, K: 2}},
		{"empty name", Config{Columns: []Column{{Role: QuasiIdentifier, Kind: Numeric}}, K: 2}},
		{"suppression 1", Config{Columns: []Column{qi}, K: 2, SuppressionLimit: 1}},
		{"suppression negative", Config{Columns: []Column{qi}, K: 2, SuppressionLimit: -0.1}},
		{"l without sensitive", Config{Columns: []Column{qi}, K: 2, LDiversity: &LDiversity{Variant: DistinctL, L: 2}}},
		{"l variant missing", Config{Columns: []Column{qi, sens}, K: 2, LDiversity: &LDiversity{L: 2}}},
		{"l below 1", Config{Columns: []Column{qi, sens}, K: 2, LDiversity: &LDiversity{Variant: EntropyL, L: 0.5}}},
		{"distinct l fractional", Config{Columns: []Column{qi, sens}, K: 2, LDiversity: &LDiversity{Variant: DistinctL, L: 2.5}}},
		{"recursive without c", Config{Columns: []Column{qi, sens}, K: 2, LDiversity: &LDiversity{Variant: RecursiveL, L: 2}}},
		{"t above 1", Config{Columns: []Column{qi, sens}, K: 2, TCloseness: &TCloseness{T: 1.5}}},
		{"t NaN", Config{Columns: []Column{qi, sens}, K: 2, TCloseness: &TCloseness{T: math.NaN()}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewAnonymizer(tc.cfg)
			assert.ErrorIs(t, err, ErrInvalidConfig)
			assert.True(t, strings.HasPrefix(err.Error(), "generalize: "))
		})
	}
	_, err = NewChecker(CheckConfig{Columns: []Column{sens}})
	assert.ErrorIs(t, err, ErrInvalidConfig)
	_, err = NewChecker(CheckConfig{Columns: []Column{qi}, RiskThreshold: 2})
	assert.ErrorIs(t, err, ErrInvalidConfig)
}

func TestPopulationRisk(t *testing.T) {
	cols := []Column{{Name: "zip", Role: QuasiIdentifier, Kind: Categorical}, {Name: "s", Role: Sensitive}}
	sample := [][]string{{"021", "a"}, {"021", "b"}, {"100", "a"}, {"941", "c"}}
	var pop [][]string
	for z, n := range map[string]int{"021": 10, "100": 4, "941": 2, "999": 1} {
		for i := 0; i < n; i++ {
			pop = append(pop, []string{z, "?"})
		}
	}
	ch, err := NewChecker(CheckConfig{Columns: cols, RiskThreshold: 0.3})
	require.NoError(t, err)
	rep, err := ch.CheckWithPopulation(seqRows(sample), seqRows(pop))
	require.NoError(t, err)
	r := rep.Risk
	assert.True(t, r.HasPopulation)
	assert.Equal(t, 1.0, r.ProsecutorMax)
	assert.InDelta(t, 3.0/4, r.ProsecutorAvg, 1e-12)
	assert.Equal(t, 4, r.RecordsAtRisk) // 1/2 > 0.3 and 1/1 > 0.3
	assert.InDelta(t, 0.5, r.JournalistMax, 1e-12)
	assert.Equal(t, 1, r.JournalistRecordsAtRisk) // only 941: 1/2 > 0.3
	// Marketer: (2/10 + 1/4 + 1/2) / 4.
	assert.InDelta(t, (0.2+0.25+0.5)/4, r.MarketerAvg, 1e-12)

	_, err = ch.CheckWithPopulation(seqRows(sample), seqRows(pop[:3]))
	assert.ErrorIs(t, err, ErrPopulation)
}

func TestConcurrentAnonymizeAndCheck(t *testing.T) {
	header, rows := loadAdult(t)
	hs := loadAdultHierarchies(t)
	rows = rows[:6000]
	a, err := NewAnonymizer(Config{Columns: adultColumns(header, true), K: 10, Hierarchies: hs, LDiversity: &LDiversity{Variant: DistinctL, L: 2}})
	require.NoError(t, err)
	want, plan, err := a.Anonymize(rows)
	require.NoError(t, err)
	ch, err := NewChecker(CheckConfig{Columns: plan.Columns(), K: 10, Hierarchies: hs})
	require.NoError(t, err)
	wantRep, err := ch.Check(seqRows(want))
	require.NoError(t, err)
	var wg sync.WaitGroup
	results := make([][][]string, 4)
	reports := make([]*Report, 4)
	for g := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, _, err := a.Anonymize(rows)
			if err != nil {
				return
			}
			results[g] = out
			reports[g], _ = ch.Check(seqRows(want))
		}()
	}
	wg.Wait()
	for g := range results {
		assert.Equal(t, want, results[g])
		assert.Equal(t, wantRep, reports[g])
	}
}

func TestNumericInterner(t *testing.T) {
	ni := &numericInterner{kind: Numeric, ids: map[string]uint32{}}
	in := []string{"7", "007", "7.0", "10", "-3", "1e1", "1048576", "0"}
	var codes []uint32
	for _, s := range in {
		c, err := ni.code(s)
		require.NoError(t, err)
		codes = append(codes, c)
	}
	remap, values := ni.ranks()
	assert.Equal(t, []float64{-3, 0, 7, 10, 1048576}, values)
	var got []uint32
	for _, c := range codes {
		got = append(got, remap[c])
	}
	assert.Equal(t, []uint32{2, 2, 2, 3, 0, 3, 4, 1}, got)
	_, err := ni.code("12a")
	assert.ErrorIs(t, err, ErrUnparsable)

	di := &numericInterner{kind: Date, layout: DefaultDateLayout, ids: map[string]uint32{}}
	for _, s := range []string{"2024-02-30", "2024-13-01", "2024-1-01"} {
		_, err := di.code(s)
		assert.ErrorIs(t, err, ErrUnparsable, s)
	}
	a, err := di.code("2024-02-29")
	require.NoError(t, err)
	b, err := di.code("2024-02-29")
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.Equal(t, float64(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC).Unix()), di.vals[a])
}
