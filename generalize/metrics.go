package generalize

import (
	"math"
	"slices"
	"sort"
)

// codeCount is one sensitive value (by code) and how often a class holds it.
type codeCount struct {
	code uint32
	n    int
}

// distribution is the whole-table distribution of one sensitive column, with
// the prefix sums the ordered Earth Mover's Distance needs.
type distribution struct {
	q  []float64 // q[i]: share of code i
	cq []float64 // cq[i]: q[0] + ... + q[i]
	sq []float64 // sq[i]: cq[0] + ... + cq[i]
}

func newDistribution(counts []int, total int) distribution {
	d := distribution{q: make([]float64, len(counts)), cq: make([]float64, len(counts)), sq: make([]float64, len(counts))}
	var c, s float64
	for i, n := range counts {
		d.q[i] = float64(n) / float64(total)
		c += d.q[i]
		s += c
		d.cq[i], d.sq[i] = c, s
	}
	return d
}

// entropy returns the Shannon entropy (natural log) of the counts.
func entropy(cs []codeCount, total int) float64 {
	var h float64
	for _, c := range cs {
		if c.n > 0 {
			p := float64(c.n) / float64(total)
			h -= p * math.Log(p)
		}
	}
	return h
}

// recursiveRatio returns r1 / (r_l + ... + r_m) for the counts sorted in
// decreasing order, +Inf when fewer than l values occur. Recursive
// (c,l)-diversity holds exactly when the ratio is below c.
func recursiveRatio(cs []codeCount, l int, scratch []int) (float64, []int) {
	scratch = scratch[:0]
	for _, c := range cs {
		if c.n > 0 {
			scratch = append(scratch, c.n)
		}
	}
	if l < 1 || len(scratch) < l {
		return math.Inf(1), scratch
	}
	slices.SortFunc(scratch, func(a, b int) int { return b - a })
	tail := 0
	for _, n := range scratch[l-1:] {
		tail += n
	}
	return float64(scratch[0]) / float64(tail), scratch
}

// lHolds reports whether one class's counts meet the l-diversity request.
func lHolds(l *LDiversity, cs []codeCount, total int, scratch []int) (bool, []int) {
	switch l.Variant {
	case DistinctL:
		return float64(len(cs)) >= l.L, scratch
	case EntropyL:
		return entropy(cs, total) >= math.Log(l.L)-1e-12, scratch
	case RecursiveL:
		r, s := recursiveRatio(cs, int(l.L), scratch)
		return r < l.C, s
	}
	return false, scratch
}

// emd returns the Earth Mover's Distance between a class's counts (sorted by
// code, zero counts absent) and the table distribution d. With ordered set
// the codes are ranks of an ordered domain of m values, and the ground
// distance between ranks i and j is |i-j|/(m-1); otherwise every two
// distinct values are at distance 1.
func emd(cs []codeCount, total int, d *distribution, ordered bool) float64 {
	m := len(d.q)
	if !ordered {
		// (1/2) Σ |p_i - q_i|, where absent values contribute q_i.
		var sum, seen float64
		for _, c := range cs {
			p := float64(c.n) / float64(total)
			sum += math.Abs(p - d.q[c.code])
			seen += d.q[c.code]
		}
		return max(0, (sum+(1-seen))/2)
	}
	if m <= 1 {
		return 0
	}
	// (1/(m-1)) Σ_{i=0}^{m-2} |P_i - C_i|, where P is the class's cumulative
	// share (a step function that changes only at the class's codes) and C
	// the table's; each flat stretch of P is summed in O(log m).
	var sum, p float64
	prev := 0
	for _, c := range cs {
		sum += gapSum(d, p, prev, int(c.code)-1, m-2)
		p += float64(c.n) / float64(total)
		prev = int(c.code)
	}
	sum += gapSum(d, p, prev, m-2, m-2)
	return sum / float64(m-1)
}

// gapSum returns Σ_{i=a}^{b} |p - cq[i]| for i limited to [0, last].
func gapSum(d *distribution, p float64, a, b, last int) float64 {
	if b > last {
		b = last
	}
	if a > b {
		return 0
	}
	s := func(x int) float64 {
		if x < 0 {
			return 0
		}
		return d.sq[x]
	}
	// First index in [a, b] with cq >= p (cq is non-decreasing).
	c := a + sort.Search(b-a+1, func(i int) bool { return d.cq[a+i] >= p })
	below := p*float64(c-a) - (s(c-1) - s(a-1))
	above := (s(b) - s(c-1)) - p*float64(b-c+1)
	return below + above
}
