package generalize

import (
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Anonymizer makes tables k-anonymous (optionally l-diverse and t-close) by
// Mondrian multidimensional partitioning. It is built once from a Config and
// is immutable and safe for concurrent use: each Plan call works on its own
// state.
type Anonymizer struct {
	cols  []Column
	hier  []*Hierarchy // per column, categorical quasi-identifiers only
	qi    []int        // quasi-identifier column positions
	sens  []int        // sensitive column positions
	k     int
	limit float64
	l     *LDiversity
	t     *TCloseness
}

// NewAnonymizer validates cfg: unique non-empty column names, a valid role
// for every column, a kind for every quasi-identifier and a hierarchy for
// every categorical one, at least one quasi-identifier, k >= 1, a
// suppression limit in [0, 1), and a sensitive column when l-diversity or
// t-closeness is asked for.
func NewAnonymizer(cfg Config) (*Anonymizer, error) {
	a := &Anonymizer{k: cfg.K, limit: cfg.SuppressionLimit}
	if cfg.K < 1 {
		return nil, errorf(ErrInvalidConfig, "k must be at least 1")
	}
	if math.IsNaN(cfg.SuppressionLimit) || cfg.SuppressionLimit < 0 || cfg.SuppressionLimit >= 1 {
		return nil, errorf(ErrInvalidConfig, "suppression limit must be in [0, 1)")
	}
	cols, hier, err := validateColumns(cfg.Columns, cfg.Hierarchies, true)
	if err != nil {
		return nil, err
	}
	a.cols, a.hier = cols, hier
	for i, c := range cols {
		switch c.Role {
		case QuasiIdentifier:
			a.qi = append(a.qi, i)
		case Sensitive:
			a.sens = append(a.sens, i)
		}
	}
	if len(a.qi) == 0 {
		return nil, errorf(ErrInvalidConfig, "no quasi-identifier column")
	}
	if cfg.LDiversity != nil {
		if err := cfg.LDiversity.validate(); err != nil {
			return nil, err
		}
		l := *cfg.LDiversity
		a.l = &l
	}
	if cfg.TCloseness != nil {
		if err := cfg.TCloseness.validate(); err != nil {
			return nil, err
		}
		t := *cfg.TCloseness
		a.t = &t
	}
	if (a.l != nil || a.t != nil) && len(a.sens) == 0 {
		return nil, errorf(ErrInvalidConfig, "l-diversity and t-closeness need a sensitive column")
	}
	return a, nil
}

// validateColumns checks names, roles, kinds and hierarchies. When strictQI
// is set, categorical quasi-identifiers must have a hierarchy.
func validateColumns(in []Column, hs map[string]*Hierarchy, strictQI bool) ([]Column, []*Hierarchy, error) {
	if len(in) == 0 {
		return nil, nil, errorf(ErrInvalidConfig, "no columns")
	}
	cols := slices.Clone(in)
	hier := make([]*Hierarchy, len(cols))
	seen := make(map[string]bool, len(cols))
	for i := range cols {
		c := &cols[i]
		if c.Name == "" {
			return nil, nil, errorf(ErrInvalidConfig, "column %d has no name", i)
		}
		if seen[c.Name] {
			return nil, nil, errorf(ErrInvalidConfig, "column %q given twice", c.Name)
		}
		seen[c.Name] = true
		if c.Role <= RoleInvalid || c.Role > Insensitive {
			return nil, nil, errorf(ErrInvalidConfig, "column %q has no valid role", c.Name)
		}
		if c.Kind < KindInvalid || c.Kind > Categorical {
			return nil, nil, errorf(ErrInvalidConfig, "column %q has an invalid kind", c.Name)
		}
		if c.Kind == Date && c.Layout == "" {
			c.Layout = DefaultDateLayout
		}
		if c.Hierarchy != "" {
			h := hs[c.Hierarchy]
			if h == nil {
				return nil, nil, errorf(ErrInvalidConfig, "column %q names a hierarchy that was not supplied", c.Name)
			}
			hier[i] = h
		}
		if c.Role == QuasiIdentifier {
			if c.Kind == KindInvalid {
				return nil, nil, errorf(ErrInvalidConfig, "quasi-identifier %q has no kind", c.Name)
			}
			if c.Kind == Categorical && hier[i] == nil && strictQI {
				return nil, nil, errorf(ErrInvalidConfig, "categorical quasi-identifier %q has no hierarchy", c.Name)
			}
		}
	}
	return cols, hier, nil
}

// parseNumber reads a Numeric or Date value as a float64 (dates as Unix
// seconds).
func parseNumber(kind Kind, layout, s string) (float64, error) {
	if kind == Date {
		if layout == DefaultDateLayout {
			if v, ok := parseISODate(s); ok {
				return v, nil
			}
		}
		t, err := time.Parse(layout, s)
		if err != nil {
			return 0, errorf(ErrUnparsable, "not a date in the column's layout (length %d)", len(s))
		}
		return float64(t.Unix()), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !finite(v) {
		return 0, errorf(ErrUnparsable, "not a finite decimal number (length %d)", len(s))
	}
	return v, nil
}

// formatValue writes a Numeric or Date value as in the input.
func formatValue(kind Kind, layout string, v float64) string {
	if kind == Date {
		return time.Unix(int64(v), 0).UTC().Format(layout)
	}
	return formatNumber(v)
}

// rangeSep returns the separator between the ends of a generalized range.
func rangeSep(kind Kind) string {
	if kind == Date {
		return "/"
	}
	return "-"
}

// numericInterner gives each distinct string of a Numeric or Date column a
// provisional code in order of first appearance, parsing each distinct
// string once; ranks replaces provisional codes by value ranks.
type numericInterner struct {
	kind   Kind
	layout string
	ids    map[string]uint32
	vals   []float64
	// dense maps small keys to provisional code+1, skipping the string map:
	// non-negative integers below denseLimit for Numeric columns, and
	// "YYYY-MM-DD" dates for Date columns in the default layout.
	dense []uint32
}

const denseLimit = 1 << 20

func (ni *numericInterner) code(s string) (uint32, error) {
	if key, ok := ni.denseKey(s); ok {
		if key < len(ni.dense) && ni.dense[key] != 0 {
			return ni.dense[key] - 1, nil
		}
		v, err := parseNumber(ni.kind, ni.layout, s)
		if err != nil {
			return 0, err
		}
		if key >= len(ni.dense) {
			newLen := max(key+1, min(2*len(ni.dense), denseLimit))
			ni.dense = slices.Grow(ni.dense, newLen-len(ni.dense))[:newLen]
		}
		id := uint32(len(ni.vals))
		ni.vals = append(ni.vals, v)
		ni.dense[key] = id + 1
		return id, nil
	}
	if id, ok := ni.ids[s]; ok {
		return id, nil
	}
	v, err := parseNumber(ni.kind, ni.layout, s)
	if err != nil {
		return 0, err
	}
	id := uint32(len(ni.vals))
	ni.ids[strings.Clone(s)] = id
	ni.vals = append(ni.vals, v)
	return id, nil
}

// denseKey returns the dense-table key of s, if it has one. Different
// strings may share a key only when they have the same value.
func (ni *numericInterner) denseKey(s string) (int, bool) {
	if ni.kind == Date {
		if ni.layout != DefaultDateLayout || len(s) != 10 || s[4] != '-' || s[7] != '-' {
			return 0, false
		}
		y, ok1 := digits(s[:4])
		m, ok2 := digits(s[5:7])
		d, ok3 := digits(s[8:])
		if !ok1 || !ok2 || !ok3 || m > 12 || d > 31 {
			return 0, false
		}
		return (y*13+m)*32 + d, true // < 10000*13*32 < 2^23
	}
	if len(s) == 0 || len(s) > 7 {
		return 0, false
	}
	v, ok := digits(s)
	return v, ok && v < denseLimit
}

func digits(s string) (int, bool) {
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// ranks returns, for each provisional code, the rank of its value among the
// distinct values (equal values, such as "1" and "1.0", share a rank), and
// the distinct values in order.
func (ni *numericInterner) ranks() ([]uint32, []float64) {
	order := make([]uint32, len(ni.vals))
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(a, b uint32) int { return cmpFloat(ni.vals[a], ni.vals[b]) })
	remap := make([]uint32, len(order))
	var distinct []float64
	for i, id := range order {
		if i == 0 || ni.vals[id] != distinct[len(distinct)-1] {
			distinct = append(distinct, ni.vals[id])
		}
		remap[id] = uint32(len(distinct) - 1)
	}
	return remap, distinct
}

// Plan reads the table once (rows in column order, no header), runs Mondrian
// over its quasi-identifiers and checks the result. Only the quasi-identifier
// and sensitive columns are kept in memory, encoded (4 bytes per value), so
// the rows may stream from a file; the iterator's row slices may be reused
// between rows.
//
// When the request cannot be met within the suppression limit the error
// matches ErrConstraintUnmet and no plan is returned. Bad values are
// *ColumnError values wrapping ErrUnparsable or ErrNotInHierarchy.
func (a *Anonymizer) Plan(rows iter.Seq2[[]string, error]) (*Plan, error) {
	nq := len(a.qi)
	interners := make([]*numericInterner, nq)
	for j, c := range a.qi {
		if col := &a.cols[c]; col.Kind != Categorical {
			interners[j] = &numericInterner{kind: col.Kind, layout: col.Layout, ids: make(map[string]uint32)}
		}
	}
	// Row-major codes: categorical leaf codes, numeric provisional codes.
	var flat []uint32
	sensIntern := make([]map[string]uint32, len(a.sens))
	sensCodes := make([][]uint32, len(a.sens))
	for i := range a.sens {
		sensIntern[i] = make(map[string]uint32)
	}
	n := 0
	for row, err := range rows {
		if err != nil {
			return nil, err
		}
		if n >= math.MaxInt32-1 || uint64(n+1)*uint64(nq) > math.MaxInt32 {
			return nil, errorf(ErrInvalidConfig, "more than 2^31-1 quasi-identifier values")
		}
		if len(row) != len(a.cols) {
			return nil, errorf(ErrRowMismatch, "row %d has %d fields, want %d", n, len(row), len(a.cols))
		}
		for j, c := range a.qi {
			if ni := interners[j]; ni != nil {
				code, err := ni.code(row[c])
				if err != nil {
					return nil, &ColumnError{Column: a.cols[c].Name, Row: n, Err: err}
				}
				flat = append(flat, code)
				continue
			}
			code, ok := a.hier[c].leaf(row[c])
			if !ok {
				return nil, &ColumnError{Column: a.cols[c].Name, Row: n, Err: ErrNotInHierarchy}
			}
			flat = append(flat, code)
		}
		for j, c := range a.sens {
			m := sensIntern[j]
			code, ok := m[row[c]]
			if !ok {
				code = uint32(len(m))
				m[strings.Clone(row[c])] = code
			}
			sensCodes[j] = append(sensCodes[j], code)
		}
		n++
	}
	if n == 0 {
		return nil, errorf(ErrConstraintUnmet, "empty table")
	}
	mc := make([]mcol, nq)
	for j, c := range a.qi {
		col := &a.cols[c]
		mc[j].kind = col.Kind
		if col.Kind == Categorical {
			mc[j].h = a.hier[c]
			mc[j].cnt = make([]int32, len(mc[j].h.nodes))
			continue
		}
		remap, values := interners[j].ranks()
		mc[j].values = values
		interners[j] = nil
		for i := j; i < len(flat); i += nq {
			flat[i] = remap[flat[i]]
		}
	}
	sc := make([]scol, len(a.sens))
	for j, c := range a.sens {
		col := &a.cols[c]
		s, err := orderSensitive(col, sensIntern[j], sensCodes[j])
		if err != nil {
			return nil, err
		}
		sc[j] = s
	}
	budget := int(math.Floor(a.limit * float64(n)))
	m := newMondrian(mc, flat, sc, n, a.k, a.l, a.t, budget)
	if err := m.run(); err != nil {
		return nil, err
	}
	p, err := a.newPlan(m)
	if err != nil && m.nsupp > 0 && a.t != nil {
		// Suppression moved the table's distribution away from the one the
		// classes were built against. Without suppression every class is
		// t-close to the (unchanged) table, so partition again without it.
		for i := range sc {
			sc[i].dist = m.origDist[i]
		}
		m = newMondrian(mc, flat, sc, n, a.k, a.l, a.t, 0)
		if err := m.run(); err != nil {
			return nil, err
		}
		return a.newPlan(m)
	}
	return p, err
}

// orderSensitive sorts the codes of an ordered sensitive column by value, so
// that code order is value order, and computes the table distribution.
func orderSensitive(col *Column, intern map[string]uint32, codes []uint32) (scol, error) {
	s := scol{codes: codes, m: len(intern)}
	if col.Kind == Numeric || col.Kind == Date {
		s.ordered = true
		type kv struct {
			v    float64
			code uint32
		}
		vals := make([]kv, 0, len(intern))
		for str, code := range intern {
			v, err := parseNumber(col.Kind, col.Layout, str)
			if err != nil {
				return s, &ColumnError{Column: col.Name, Row: -1, Err: err}
			}
			vals = append(vals, kv{v, code})
		}
		slices.SortFunc(vals, func(a, b kv) int {
			if a.v < b.v {
				return -1
			}
			if a.v > b.v {
				return 1
			}
			return 0
		})
		remap := make([]uint32, len(vals))
		rank := uint32(0)
		for i, x := range vals {
			if i > 0 && x.v != vals[i-1].v {
				rank++
			}
			remap[x.code] = rank
		}
		s.m = int(rank) + 1
		for i, c := range codes {
			codes[i] = remap[c]
		}
	}
	counts := make([]int, s.m)
	for _, c := range codes {
		counts[c]++
	}
	s.dist = newDistribution(counts, len(codes))
	return s, nil
}

// parseISODate reads "YYYY-MM-DD" without time.Parse, for speed. It returns
// false for anything else, including invalid days, which time.Parse then
// rejects with its usual rules.
func parseISODate(s string) (float64, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, ok1 := digits(s[:4])
	mo, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:])
	if !ok1 || !ok2 || !ok3 || mo < 1 || mo > 12 || d < 1 || d > daysIn(time.Month(mo), y) {
		return 0, false
	}
	return float64(time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC).Unix()), true
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
