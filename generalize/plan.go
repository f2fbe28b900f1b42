package generalize

import (
	"math"
	"strconv"
	"strings"
)

// Plan is the outcome of Mondrian on one table: for every input row, the
// equivalence class it belongs to (or that it is suppressed) and the
// generalized quasi-identifier values of each class. Apply writes the output
// rows in a second pass over the same rows. A Plan is immutable and safe for
// concurrent use.
type Plan struct {
	cols       []Column
	hier       []*Hierarchy
	qi         []int
	qiPos      []int // per column: position among the quasi-identifiers, or -1
	n          int
	classOf    []int32 // per row: partition, or -1 when suppressed
	labels     []string
	boxes      []uint32
	values     [][]float64
	partitions int
	classes    int
	suppressed int
}

func (a *Anonymizer) newPlan(m *mondrian) (*Plan, error) {
	nq := len(a.qi)
	p := &Plan{
		cols: a.cols, hier: a.hier, qi: a.qi, n: m.n,
		classOf:    make([]int32, m.n),
		labels:     make([]string, 0, len(m.classes)*nq),
		boxes:      m.boxes,
		values:     make([][]float64, nq),
		partitions: len(m.classes),
		suppressed: m.nsupp,
	}
	p.qiPos = make([]int, len(a.cols))
	for i := range p.qiPos {
		p.qiPos[i] = -1
	}
	for j, c := range a.qi {
		p.qiPos[c] = j
		p.values[j] = m.cols[j].values
	}
	for i := range p.classOf {
		p.classOf[i] = -1
	}
	// Labels per partition, and partitions grouped by identical labels: the
	// output's equivalence classes.
	byKey := make(map[string][]int32, len(m.classes))
	var key strings.Builder
	for ci, cl := range m.classes {
		for _, r := range m.idx[cl.s:cl.e] {
			p.classOf[r] = int32(ci)
		}
		key.Reset()
		for j := range m.cols {
			c := &m.cols[j]
			lo, hi := m.boxes[(ci*nq+j)*2], m.boxes[(ci*nq+j)*2+1]
			var label string
			if c.kind == Categorical {
				label = c.h.nodes[lo].label
			} else {
				col := &a.cols[a.qi[j]]
				label = formatValue(c.kind, col.Layout, c.values[lo])
				if hi != lo {
					label += rangeSep(c.kind) + formatValue(c.kind, col.Layout, c.values[hi])
				}
			}
			p.labels = append(p.labels, label)
			key.WriteString(strconv.Itoa(len(label)))
			key.WriteByte(':')
			key.WriteString(label)
		}
		byKey[key.String()] = append(byKey[key.String()], int32(ci))
	}
	p.classes = len(byKey)
	// Verify the output classes, fail closed. With suppression, t-closeness
	// is measured against the distribution of the rows that remain.
	if m.nsupp > 0 && m.t != nil {
		for si := range m.sens {
			s := &m.sens[si]
			counts := make([]int, s.m)
			kept := 0
			for r, c := range s.codes {
				if p.classOf[r] >= 0 {
					counts[c]++
					kept++
				}
			}
			s.dist = newDistribution(counts, kept)
		}
	}
	var union []int32
	for _, parts := range byKey {
		union = union[:0]
		for _, ci := range parts {
			cl := m.classes[ci]
			union = append(union, m.idx[cl.s:cl.e]...)
		}
		if !m.ok(union) {
			return nil, errorf(ErrConstraintUnmet, "an equivalence class fails the request after suppression")
		}
	}
	if float64(m.nsupp) > a.limit*float64(m.n) {
		return nil, errorf(ErrConstraintUnmet, "suppression above the limit")
	}
	return p, nil
}

// Len returns the number of input rows the plan covers.
func (p *Plan) Len() int { return p.n }

// Suppressed returns the number of rows removed as outliers.
func (p *Plan) Suppressed() int { return p.suppressed }

// Classes returns the number of equivalence classes in the output.
func (p *Plan) Classes() int { return p.classes }

// Columns returns the output's columns: the input's without the identifiers,
// ready for a CheckConfig.
func (p *Plan) Columns() []Column {
	out := make([]Column, 0, len(p.cols))
	for _, c := range p.cols {
		if c.Role != Identifier {
			out = append(out, c)
		}
	}
	return out
}

// Header returns the names of the output's columns.
func (p *Plan) Header() []string {
	var out []string
	for _, c := range p.Columns() {
		out = append(out, c.Name)
	}
	return out
}

// AppendRow appends the output fields of input row i to dst: identifiers
// dropped, quasi-identifiers replaced by their class's generalized values,
// the rest copied. kept is false (and nothing appended) for a suppressed
// row. The row must be the one planned at position i: a quasi-identifier
// value outside its class's range is ErrRowMismatch.
func (p *Plan) AppendRow(dst []string, i int, row []string) (out []string, kept bool, err error) {
	if i < 0 || i >= p.n {
		return dst, false, errorf(ErrRowMismatch, "row %d outside the plan's %d rows", i, p.n)
	}
	if len(row) != len(p.cols) {
		return dst, false, errorf(ErrRowMismatch, "row %d has %d fields, want %d", i, len(row), len(p.cols))
	}
	ci := p.classOf[i]
	if ci < 0 {
		return dst, false, nil
	}
	nq := len(p.qi)
	for j, c := range p.qi {
		lo, hi := p.boxes[(int(ci)*nq+j)*2], p.boxes[(int(ci)*nq+j)*2+1]
		col := &p.cols[c]
		if col.Kind == Categorical {
			h := p.hier[c]
			leaf, ok := h.leaf(row[c])
			if !ok || leaf < h.nodes[lo].lo || leaf >= h.nodes[lo].hi {
				return dst, false, &ColumnError{Column: col.Name, Row: i, Err: ErrRowMismatch}
			}
			continue
		}
		v, err := parseNumber(col.Kind, col.Layout, row[c])
		if err != nil || math.IsNaN(v) || v < p.values[j][lo] || v > p.values[j][hi] {
			return dst, false, &ColumnError{Column: col.Name, Row: i, Err: ErrRowMismatch}
		}
	}
	for c, col := range p.cols {
		switch {
		case col.Role == Identifier:
		case p.qiPos[c] >= 0:
			dst = append(dst, p.labels[int(ci)*nq+p.qiPos[c]])
		default:
			dst = append(dst, row[c])
		}
	}
	return dst, true, nil
}

// Anonymize plans and applies in one call on an in-memory table (rows
// without header). It returns the kept output rows, in input order, and the
// plan.
func (a *Anonymizer) Anonymize(rows [][]string) ([][]string, *Plan, error) {
	p, err := a.Plan(func(yield func([]string, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	})
	if err != nil {
		return nil, nil, err
	}
	out := make([][]string, 0, len(rows)-p.suppressed)
	width := len(p.Columns())
	for i, r := range rows {
		o, kept, err := p.AppendRow(make([]string, 0, width), i, r)
		if err != nil {
			return nil, nil, err
		}
		if kept {
			out = append(out, o)
		}
	}
	return out, p, nil
}
