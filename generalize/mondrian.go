package generalize

import (
	"math/bits"
	"slices"
)

// mcol is one quasi-identifier column, encoded: numeric and date values as
// ranks into values, categorical values as depth-first leaf codes of h.
type mcol struct {
	kind   Kind
	values []float64 // numeric/date: distinct values in order
	h      *Hierarchy
	cnt    []int32 // categorical: per-node scratch counter
}

// scol is one sensitive column, encoded as codes (value ranks when ordered).
type scol struct {
	codes   []uint32
	m       int
	ordered bool
	dist    distribution
}

type part struct{ s, e int32 }

type group struct {
	node  int32
	start int32
	n     int32
	ok    bool
}

// mondrian holds the state of one run. Rows are never moved: partitions are
// ranges of a permutation idx of row numbers.
type mondrian struct {
	cols []mcol
	// codes holds the quasi-identifier codes row-major: row r's code in
	// column j is codes[r*d+j], so one row's codes share a cache line.
	codes  []uint32
	d      int
	sens   []scol
	n, k   int
	l      *LDiversity
	t      *TCloseness
	budget int

	idx, tmp []int32
	sel      []uint32
	bins     []int32
	hist     [][]int32
	cc       []codeCount
	scratch  []int
	groups   []group
	lo, hi   []uint32
	order    []int
	width    []float64

	origDist []distribution // sensitive distributions before suppression

	classes    []part
	boxes      []uint32 // per class, per column: lo, hi codes (categorical: node, 0)
	suppressed []part
	nsupp      int
}

func newMondrian(cols []mcol, codes []uint32, sens []scol, n, k int, l *LDiversity, t *TCloseness, budget int) *mondrian {
	m := &mondrian{cols: cols, codes: codes, d: len(cols), sens: sens, n: n, k: k, l: l, t: t, budget: budget}
	m.idx = make([]int32, n)
	for i := range m.idx {
		m.idx[i] = int32(i)
	}
	m.tmp = make([]int32, n)
	m.hist = make([][]int32, len(sens))
	m.origDist = make([]distribution, len(sens))
	for i, s := range sens {
		m.hist[i] = make([]int32, s.m)
		m.origDist[i] = s.dist
	}
	d := len(cols)
	m.lo, m.hi = make([]uint32, d), make([]uint32, d)
	m.order, m.width = make([]int, d), make([]float64, d)
	return m
}

func (m *mondrian) run() error {
	if !m.ok(m.idx) {
		if m.n < m.k {
			return errorf(ErrConstraintUnmet, "table has %d rows, fewer than k=%d", m.n, m.k)
		}
		return errorf(ErrConstraintUnmet, "the whole table does not meet l-diversity or t-closeness")
	}
	stack := []part{{0, int32(m.n)}}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		m.region(p)
		parts, supp, done := m.split(p, false)
		if !done && m.budget > 0 {
			parts, supp, done = m.split(p, true)
		}
		if !done {
			m.final(p)
			continue
		}
		if supp.e > supp.s {
			m.suppressed = append(m.suppressed, supp)
			m.budget -= int(supp.e - supp.s)
			m.nsupp += int(supp.e - supp.s)
		}
		stack = append(stack, parts...)
	}
	return nil
}

// region computes the bounding codes of p in every column, and each
// column's normalized width (the share of its domain p spans).
func (m *mondrian) region(p part) {
	rows := m.idx[p.s:p.e]
	d := m.d
	lo, hi := m.lo, m.hi
	for j := range lo {
		lo[j], hi[j] = ^uint32(0), 0
	}
	for _, r := range rows {
		rc := m.codes[int(r)*d : int(r)*d+d]
		for j, v := range rc {
			lo[j] = min(lo[j], v)
			hi[j] = max(hi[j], v)
		}
	}
	for j := range m.cols {
		c := &m.cols[j]
		switch {
		case lo[j] == hi[j]:
			m.width[j] = 0
		case c.kind == Categorical:
			n := c.h.nodes[c.h.lca(lo[j], hi[j])]
			m.width[j] = float64(n.hi-n.lo) / float64(len(c.h.leaves))
		default:
			m.width[j] = (c.values[hi[j]] - c.values[lo[j]]) / (c.values[len(c.values)-1] - c.values[0])
		}
		m.order[j] = j
	}
	slices.SortStableFunc(m.order, func(a, b int) int {
		switch {
		case m.width[a] > m.width[b]:
			return -1
		case m.width[a] < m.width[b]:
			return 1
		}
		return 0
	})
}

// split tries every splittable column, widest first. Without suppress a
// split must leave parts that all meet the request. With suppress one part
// smaller than k that fails may be removed, if the budget allows, when the
// rest meets the request.
func (m *mondrian) split(p part, suppress bool) (parts []part, supp part, done bool) {
	for _, j := range m.order {
		if m.width[j] == 0 {
			break
		}
		if m.cols[j].kind == Categorical {
			parts, supp, done = m.splitCategorical(p, j, suppress)
		} else {
			parts, supp, done = m.splitNumeric(p, j, suppress)
		}
		if done {
			return parts, supp, true
		}
	}
	return nil, part{}, false
}

func (m *mondrian) splitNumeric(p part, j int, suppress bool) ([]part, part, bool) {
	rows := m.idx[p.s:p.e]
	codes, d := m.codes[j:], m.d
	med, le, lt := m.median(rows, j, m.lo[j], m.hi[j])
	n := len(rows)
	type cand struct {
		left int
		t    uint32
	}
	cands := make([]cand, 0, 2)
	if le < n {
		cands = append(cands, cand{le, med})
	}
	if lt > 0 {
		cands = append(cands, cand{lt, med - 1})
	}
	if len(cands) == 2 && abs(2*cands[1].left-n) < abs(2*cands[0].left-n) {
		cands[0], cands[1] = cands[1], cands[0]
	}
	for _, c := range cands {
		if !suppress && (c.left < m.k || n-c.left < m.k) {
			continue
		}
		if suppress && min(c.left, n-c.left) > min(m.k-1, m.budget) {
			continue
		}
		i := 0
		for x, r := range rows {
			if codes[int(r)*d] <= c.t {
				rows[i], rows[x] = rows[x], rows[i]
				i++
			}
		}
		L := part{p.s, p.s + int32(c.left)}
		R := part{p.s + int32(c.left), p.e}
		okL, okR := m.ok(m.idx[L.s:L.e]), m.ok(m.idx[R.s:R.e])
		switch {
		case !suppress && okL && okR:
			return []part{L, R}, part{}, true
		case suppress && okL && !okR && c.left != n && n-c.left < m.k && n-c.left <= m.budget:
			return []part{L}, R, true
		case suppress && okR && !okL && c.left < m.k && c.left <= m.budget:
			return []part{R}, L, true
		}
	}
	return nil, part{}, false
}

// median returns the lower median of the codes of rows in column j, all in
// [lo, hi], with the number of codes <= and < it.
func (m *mondrian) median(rows []int32, j int, lo, hi uint32) (med uint32, le, lt int) {
	codes, d := m.codes[j:], m.d
	n := len(rows)
	target := (n - 1) / 2 // zero-based position in sorted order
	if span := uint64(hi-lo) + 1; span <= uint64(4*n) {
		if cap(m.bins) < int(span) {
			m.bins = make([]int32, span)
		}
		bins := m.bins[:span]
		for _, r := range rows {
			bins[codes[int(r)*d]-lo]++
		}
		cum := 0
		med = hi
		for i, c := range bins {
			if cum+int(c) > target {
				med, lt, le = lo+uint32(i), cum, cum+int(c)
				break
			}
			cum += int(c)
		}
		clear(bins)
		return med, le, lt
	}
	if cap(m.sel) < n {
		m.sel = make([]uint32, n)
	}
	sel := m.sel[:n]
	for i, r := range rows {
		sel[i] = codes[int(r)*d]
	}
	med = selectNth(sel, target)
	for _, c := range sel {
		if c <= med {
			le++
			if c < med {
				lt++
			}
		}
	}
	return med, le, lt
}

// selectNth returns the element that would be at position k if a were
// sorted, reordering a. Quickselect with a median-of-three pivot and a
// three-way partition, falling back to sorting when it degenerates.
func selectNth(a []uint32, k int) uint32 {
	lo, hi := 0, len(a)
	budget := 2*bits.Len(uint(len(a))) + 8
	for hi-lo > 16 {
		if budget == 0 {
			slices.Sort(a[lo:hi])
			return a[k]
		}
		budget--
		x, y, z := a[lo], a[lo+(hi-lo)/2], a[hi-1]
		pivot := max(min(x, y), min(max(x, y), z))
		// Three-way partition: [lo,lt) < pivot, [lt,gt) == pivot, [gt,hi) > pivot.
		lt, i, gt := lo, lo, hi
		for i < gt {
			switch v := a[i]; {
			case v < pivot:
				a[lt], a[i] = a[i], a[lt]
				lt++
				i++
			case v > pivot:
				gt--
				a[gt], a[i] = a[i], a[gt]
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt
		case k >= gt:
			lo = gt
		default:
			return pivot
		}
	}
	slices.Sort(a[lo:hi])
	return a[k]
}

func (m *mondrian) splitCategorical(p part, j int, suppress bool) ([]part, part, bool) {
	c := &m.cols[j]
	h := c.h
	rows := m.idx[p.s:p.e]
	node := h.lca(m.lo[j], m.hi[j])
	anc := h.anc[h.nodes[node].level-1]
	codes, d := m.codes[j:], m.d
	groups := m.groups[:0]
	for _, r := range rows {
		ch := anc[codes[int(r)*d]]
		if c.cnt[ch] == 0 {
			groups = append(groups, group{node: ch})
		}
		c.cnt[ch]++
	}
	// Group sizes, then each child's group index in cnt for the scatter.
	start := int32(0)
	for gi := range groups {
		g := &groups[gi]
		g.n = c.cnt[g.node]
		g.start = start
		start += g.n
		c.cnt[g.node] = int32(gi)
	}
	pos := make([]int32, len(groups))
	for _, r := range rows {
		gi := c.cnt[anc[codes[int(r)*d]]]
		m.tmp[p.s+groups[gi].start+pos[gi]] = r
		pos[gi]++
	}
	for _, g := range groups {
		c.cnt[g.node] = 0
	}
	copy(rows, m.tmp[p.s:p.e])
	for gi := range groups {
		g := &groups[gi]
		g.ok = m.ok(m.idx[p.s+g.start : p.s+g.start+g.n])
	}
	// Lay out the accepted groups, largest first, then the rest.
	slices.SortStableFunc(groups, func(a, b group) int {
		if a.ok != b.ok {
			if a.ok {
				return -1
			}
			return 1
		}
		return int(b.n) - int(a.n)
	})
	at := p.s
	for gi := range groups {
		g := &groups[gi]
		copy(m.tmp[at:at+g.n], m.idx[p.s+g.start:p.s+g.start+g.n])
		g.start = at - p.s
		at += g.n
	}
	copy(rows, m.tmp[p.s:p.e])
	m.groups = groups
	na := 0
	for na < len(groups) && groups[na].ok {
		na++
	}
	remStart := p.e
	if na < len(groups) {
		remStart = p.s + groups[na].start
	}
	if suppress {
		rem := p.e - remStart
		if na == 0 || rem == 0 || int(rem) >= m.k || int(rem) > m.budget || m.ok(m.idx[remStart:p.e]) {
			return nil, part{}, false
		}
		return m.groupParts(p, groups[:na]), part{remStart, p.e}, true
	}
	for remStart < p.e && !m.ok(m.idx[remStart:p.e]) {
		if na == 0 {
			return nil, part{}, false
		}
		na--
		remStart = p.s + groups[na].start
	}
	parts := m.groupParts(p, groups[:na])
	if remStart < p.e {
		parts = append(parts, part{remStart, p.e})
	}
	if len(parts) < 2 {
		return nil, part{}, false
	}
	return parts, part{}, true
}

func (m *mondrian) groupParts(p part, gs []group) []part {
	parts := make([]part, 0, len(gs)+1)
	for _, g := range gs {
		parts = append(parts, part{p.s + g.start, p.s + g.start + g.n})
	}
	return parts
}

// final records p, whose region was just computed, as an equivalence class.
func (m *mondrian) final(p part) {
	m.classes = append(m.classes, p)
	for j := range m.cols {
		if m.cols[j].kind == Categorical {
			m.boxes = append(m.boxes, uint32(m.cols[j].h.lca(m.lo[j], m.hi[j])), 0)
		} else {
			m.boxes = append(m.boxes, m.lo[j], m.hi[j])
		}
	}
}

// ok reports whether rows may form an equivalence class: at least k rows,
// and l-diverse and t-close in every sensitive column when asked.
func (m *mondrian) ok(rows []int32) bool {
	if len(rows) < m.k {
		return false
	}
	if m.l == nil && m.t == nil {
		return true
	}
	for si := range m.sens {
		s := &m.sens[si]
		h := m.hist[si]
		cc := m.cc[:0]
		for _, r := range rows {
			c := s.codes[r]
			if h[c] == 0 {
				cc = append(cc, codeCount{code: c})
			}
			h[c]++
		}
		for i := range cc {
			cc[i].n = int(h[cc[i].code])
			h[cc[i].code] = 0
		}
		m.cc = cc
		pass := true
		if m.l != nil {
			pass, m.scratch = lHolds(m.l, cc, len(rows), m.scratch)
		}
		if pass && m.t != nil {
			if s.ordered {
				slices.SortFunc(cc, func(a, b codeCount) int { return int(a.code) - int(b.code) })
			}
			pass = emd(cc, len(rows), &s.dist, s.ordered) <= m.t.T+1e-12
		}
		if !pass {
			return false
		}
	}
	return true
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
