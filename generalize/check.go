package generalize

import (
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
)

// CheckConfig describes the table a Checker measures. It is plain data so
// that a policy file can fill it.
type CheckConfig struct {
	// Columns describes the checked table in order; the quasi-identifier and
	// sensitive columns are found by role.
	Columns []Column `json:"columns" yaml:"columns"`
	// K, when set, is the k the table was made for: classes smaller than K
	// count as suppressed in the discernibility metric, and the normalized
	// average class size is reported.
	K int `json:"k,omitempty" yaml:"k,omitempty"`
	// RecursiveL is the l for which the recursive (c,l)-diversity c is
	// reported. Zero means 2.
	RecursiveL int `json:"recursive_l,omitempty" yaml:"recursive_l,omitempty"`
	// RiskThreshold is the re-identification probability above which a
	// record counts as at risk. Zero means 0.2.
	RiskThreshold float64 `json:"risk_threshold,omitempty" yaml:"risk_threshold,omitempty"`
	// Suppressed is the number of rows removed before the table (they count
	// in the discernibility metric).
	Suppressed int `json:"suppressed,omitempty" yaml:"suppressed,omitempty"`
	// Hierarchies holds the hierarchies named by categorical columns; they
	// give the normalized certainty penalty of generalized values.
	Hierarchies map[string]*Hierarchy `json:"-" yaml:"-"`
}

// Checker measures a table: its equivalence classes (rows grouped by the
// joint tuple of all quasi-identifiers), the k, l and t it achieves, its
// re-identification risk and its loss of utility. It shares no code path
// with the Anonymizer's partitioning, so it can verify any table, Mondrian's
// or not. It is immutable and safe for concurrent use.
type Checker struct {
	cols      []Column
	hier      []*Hierarchy
	qi, sens  []int
	k         int
	recL      int
	threshold float64
	supp      int
}

// NewChecker validates cfg. At least one quasi-identifier is required.
func NewChecker(cfg CheckConfig) (*Checker, error) {
	cols, hier, err := validateColumns(cfg.Columns, cfg.Hierarchies, false)
	if err != nil {
		return nil, err
	}
	c := &Checker{cols: cols, hier: hier, k: cfg.K, recL: cfg.RecursiveL, threshold: cfg.RiskThreshold, supp: cfg.Suppressed}
	if c.recL == 0 {
		c.recL = 2
	}
	if c.threshold == 0 {
		c.threshold = 0.2
	}
	if cfg.K < 0 || c.recL < 1 || cfg.Suppressed < 0 || math.IsNaN(c.threshold) || c.threshold < 0 || c.threshold > 1 {
		return nil, errorf(ErrInvalidConfig, "check: k, recursive l, suppressed or risk threshold out of range")
	}
	for i, col := range cols {
		switch col.Role {
		case QuasiIdentifier:
			c.qi = append(c.qi, i)
		case Sensitive:
			c.sens = append(c.sens, i)
		}
	}
	if len(c.qi) == 0 {
		return nil, errorf(ErrInvalidConfig, "check: no quasi-identifier column")
	}
	return c, nil
}

// Report is what a Checker measured.
type Report struct {
	Records    int     // rows checked
	Suppressed int     // rows removed before the table (from the config)
	Classes    []Class // every equivalence class, in order of first appearance
	K          int     // size of the smallest class (0 for an empty table)
	// Sensitive holds, per sensitive column, the l and t achieved.
	Sensitive []SensitiveReport
	Risk      Risk
	Utility   Utility

	recursiveL int
}

// Class is one equivalence class.
type Class struct {
	Values   []string // the quasi-identifier tuple, in column order
	Size     int
	Distinct []int // distinct sensitive values, per sensitive column
}

// SensitiveReport gives the diversity and closeness achieved for one
// sensitive column, the worst over all classes.
type SensitiveReport struct {
	Column    string
	DistinctL int     // smallest number of distinct values in a class
	EntropyL  float64 // exp of the smallest entropy: entropy l-diversity holds for every l <= EntropyL
	// RecursiveC is the largest r1/(r_l+...+r_m) over the classes, with l
	// the configured RecursiveL: recursive (c,l)-diversity holds for every
	// c > RecursiveC. +Inf when a class has fewer than l distinct values.
	RecursiveC float64
	// T is the largest Earth Mover's Distance between a class and the whole
	// table (ordered distance for Numeric and Date columns, equal otherwise).
	T float64
}

// Risk is the re-identification risk of the table.
type Risk struct {
	Threshold float64
	// Prosecutor model (the attacker knows the target is in the table).
	ProsecutorMax  float64 // 1 / smallest class size
	ProsecutorAvg  float64 // mean over records of 1/class size (= classes / records)
	RecordsAtRisk  int     // records whose 1/class size exceeds Threshold
	FractionAtRisk float64
	// Journalist and marketer models, with a population table only.
	HasPopulation           bool
	JournalistMax           float64 // 1 / smallest matching population class
	JournalistRecordsAtRisk int     // records whose 1/population class size exceeds Threshold
	MarketerAvg             float64 // (1/records) Σ sample class size / population class size
}

// Utility measures the information lost by generalization.
type Utility struct {
	// NCP is the normalized certainty penalty, the mean over records and
	// quasi-identifiers of: (hi-lo)/(domain width) for a numeric or date
	// range, leaves under the value / all leaves for a generalized
	// categorical value, 0 for an original value, 1 for "*" and for any
	// label that cannot be read as a range or found in the hierarchy (such
	// as a bucket label "90+"). The domain of a numeric or date column is
	// spanned by the ranges seen in the table.
	NCP       float64
	ColumnNCP []float64 // per quasi-identifier
	// Discernibility is Σ |E|² over classes (|E|·N for a class smaller than
	// K, when K is set) plus N per suppressed row, N counting both.
	Discernibility float64
	AvgClassSize   float64 // records / classes
	// NormalizedAvgClassSize is AvgClassSize / K (CAvg), when K is set.
	NormalizedAvgClassSize float64
}

type classAcc struct {
	values []string
	size   int
	sens   []map[uint32]int
	popN   int
}

// Check measures the table in one pass over rows (no header).
func (c *Checker) Check(rows iter.Seq2[[]string, error]) (*Report, error) {
	return c.check(rows, nil)
}

// CheckWithPopulation measures the table as Check does and adds journalist
// and marketer risk. population holds the population's rows, with the same
// columns and generalized the same way; every sample class must occur in it
// at least as often as in the sample, or the error matches ErrPopulation.
func (c *Checker) CheckWithPopulation(sample, population iter.Seq2[[]string, error]) (*Report, error) {
	if population == nil {
		return nil, errorf(ErrInvalidConfig, "check: nil population")
	}
	return c.check(sample, population)
}

func (c *Checker) appendKey(key []byte, row []string) []byte {
	key = key[:0]
	for _, q := range c.qi {
		key = strconv.AppendInt(key, int64(len(row[q])), 10)
		key = append(key, ':')
		key = append(key, row[q]...)
	}
	return key
}

func (c *Checker) check(rows, population iter.Seq2[[]string, error]) (*Report, error) {
	index := make(map[string]int)
	var classes []*classAcc
	intern := make([]map[string]uint32, len(c.sens))
	for i := range intern {
		intern[i] = make(map[string]uint32)
	}
	var key []byte
	n := 0
	for row, err := range rows {
		if err != nil {
			return nil, err
		}
		if len(row) != len(c.cols) {
			return nil, errorf(ErrRowMismatch, "check: row %d has %d fields, want %d", n, len(row), len(c.cols))
		}
		key = c.appendKey(key, row)
		ci, ok := index[string(key)]
		if !ok {
			ci = len(classes)
			index[string(key)] = ci
			acc := &classAcc{values: make([]string, len(c.qi)), sens: make([]map[uint32]int, len(c.sens))}
			for j, q := range c.qi {
				acc.values[j] = strings.Clone(row[q])
			}
			for j := range acc.sens {
				acc.sens[j] = make(map[uint32]int)
			}
			classes = append(classes, acc)
		}
		acc := classes[ci]
		acc.size++
		for j, s := range c.sens {
			code, ok := intern[j][row[s]]
			if !ok {
				code = uint32(len(intern[j]))
				intern[j][strings.Clone(row[s])] = code
			}
			acc.sens[j][code]++
		}
		n++
	}
	rep := &Report{Records: n, Suppressed: c.supp, recursiveL: c.recL}
	if population != nil {
		rep.Risk.HasPopulation = true
		for row, err := range population {
			if err != nil {
				return nil, err
			}
			if len(row) != len(c.cols) {
				return nil, errorf(ErrRowMismatch, "check: population row has %d fields, want %d", len(row), len(c.cols))
			}
			key = c.appendKey(key, row)
			if ci, ok := index[string(key)]; ok {
				classes[ci].popN++
			}
		}
		for _, acc := range classes {
			if acc.popN < acc.size {
				return nil, errorf(ErrPopulation, "check: a class of %d sample records has %d in the population", acc.size, acc.popN)
			}
		}
	}
	if err := c.sensitiveReports(rep, classes, intern); err != nil {
		return nil, err
	}
	c.riskAndUtility(rep, classes)
	return rep, nil
}

func (c *Checker) sensitiveReports(rep *Report, classes []*classAcc, intern []map[string]uint32) error {
	rep.Classes = make([]Class, len(classes))
	for i, acc := range classes {
		rep.Classes[i] = Class{Values: acc.values, Size: acc.size, Distinct: make([]int, len(c.sens))}
		for j := range c.sens {
			rep.Classes[i].Distinct[j] = len(acc.sens[j])
		}
		if i == 0 || acc.size < rep.K {
			rep.K = acc.size
		}
	}
	for j, s := range c.sens {
		col := &c.cols[s]
		ordered := col.Kind == Numeric || col.Kind == Date
		// Rank of each code (identity for the equal distance).
		m := len(intern[j])
		rank := make([]uint32, m)
		if ordered {
			type kv struct {
				v    float64
				code uint32
			}
			vals := make([]kv, 0, m)
			for str, code := range intern[j] {
				v, err := parseNumber(col.Kind, col.Layout, str)
				if err != nil {
					return &ColumnError{Column: col.Name, Row: -1, Err: err}
				}
				vals = append(vals, kv{v, code})
			}
			slices.SortFunc(vals, func(a, b kv) int { return cmpFloat(a.v, b.v) })
			r := uint32(0)
			for i, x := range vals {
				if i > 0 && x.v != vals[i-1].v {
					r++
				}
				rank[x.code] = r
			}
			m = int(r) + 1
			if len(vals) == 0 {
				m = 0
			}
		} else {
			for i := range rank {
				rank[i] = uint32(i)
			}
		}
		counts := make([]int, m)
		for _, acc := range classes {
			for code, k := range acc.sens[j] {
				counts[rank[code]] += k
			}
		}
		dist := newDistribution(counts, max(rep.Records, 1))
		sr := SensitiveReport{Column: col.Name}
		var cc []codeCount
		var scratch []int
		for i, acc := range classes {
			cc = cc[:0]
			merged := make(map[uint32]int, len(acc.sens[j]))
			for code, k := range acc.sens[j] {
				merged[rank[code]] += k
			}
			for code, k := range merged {
				cc = append(cc, codeCount{code, k})
			}
			slices.SortFunc(cc, func(a, b codeCount) int { return int(a.code) - int(b.code) })
			h := entropy(cc, acc.size)
			var ratio float64
			ratio, scratch = recursiveRatio(cc, c.recL, scratch)
			t := emd(cc, acc.size, &dist, ordered)
			if i == 0 {
				sr.DistinctL, sr.EntropyL, sr.RecursiveC, sr.T = len(cc), h, ratio, t
				continue
			}
			sr.DistinctL = min(sr.DistinctL, len(cc))
			sr.EntropyL = min(sr.EntropyL, h)
			sr.RecursiveC = max(sr.RecursiveC, ratio)
			sr.T = max(sr.T, t)
		}
		if len(classes) > 0 {
			sr.EntropyL = math.Exp(sr.EntropyL)
		}
		rep.Sensitive = append(rep.Sensitive, sr)
	}
	return nil
}

func (c *Checker) riskAndUtility(rep *Report, classes []*classAcc) {
	n := rep.Records
	r := &rep.Risk
	r.Threshold = c.threshold
	u := &rep.Utility
	u.ColumnNCP = make([]float64, len(c.qi))
	total := float64(n + c.supp)
	u.Discernibility = float64(c.supp) * total
	if n == 0 {
		return
	}
	r.ProsecutorMax = 1 / float64(rep.K)
	r.ProsecutorAvg = float64(len(classes)) / float64(n)
	var marketer float64
	for _, acc := range classes {
		if 1/float64(acc.size) > c.threshold {
			r.RecordsAtRisk += acc.size
		}
		if c.k > 0 && acc.size < c.k {
			u.Discernibility += float64(acc.size) * total
		} else {
			u.Discernibility += float64(acc.size) * float64(acc.size)
		}
		if r.HasPopulation {
			jr := 1 / float64(acc.popN)
			r.JournalistMax = max(r.JournalistMax, jr)
			if jr > c.threshold {
				r.JournalistRecordsAtRisk += acc.size
			}
			marketer += float64(acc.size) / float64(acc.popN)
		}
	}
	r.FractionAtRisk = float64(r.RecordsAtRisk) / float64(n)
	if r.HasPopulation {
		r.MarketerAvg = marketer / float64(n)
	}
	u.AvgClassSize = float64(n) / float64(len(classes))
	if c.k > 0 {
		u.NormalizedAvgClassSize = u.AvgClassSize / float64(c.k)
	}
	for j, q := range c.qi {
		u.ColumnNCP[j] = c.columnNCP(q, j, classes) / float64(n)
		u.NCP += u.ColumnNCP[j]
	}
	u.NCP /= float64(len(c.qi))
}

// columnNCP returns Σ over records of the penalty of their value in one
// quasi-identifier column.
func (c *Checker) columnNCP(q, j int, classes []*classAcc) float64 {
	col := &c.cols[q]
	var sum float64
	if col.Kind == Categorical {
		h := c.hier[q]
		for _, acc := range classes {
			v := acc.values[j]
			var p float64
			if h == nil {
				if v == "*" {
					p = 1
				}
			} else if under, err := h.LeavesUnder(v); err != nil {
				p = 1 // "*" outside the hierarchy, or not a node: fully lost
			} else if under > 1 {
				p = float64(under) / float64(h.Leaves())
			}
			sum += p * float64(acc.size)
		}
		return sum
	}
	type rng struct{ lo, hi float64 }
	rs := make([]rng, len(classes))
	dlo, dhi := math.Inf(1), math.Inf(-1)
	for i, acc := range classes {
		lo, hi, ok := parseRange(col.Kind, col.Layout, acc.values[j])
		if !ok {
			rs[i] = rng{math.NaN(), math.NaN()}
			continue
		}
		rs[i] = rng{lo, hi}
		dlo, dhi = min(dlo, lo), max(dhi, hi)
	}
	for i, acc := range classes {
		var p float64
		switch {
		case math.IsNaN(rs[i].lo):
			p = 1 // "*" or unreadable: fully lost
		case dhi > dlo:
			p = (rs[i].hi - rs[i].lo) / (dhi - dlo)
		}
		sum += p * float64(acc.size)
	}
	return sum
}

// parseRange reads a numeric value or range "lo-hi", or a date or date range
// "lo/hi".
func parseRange(kind Kind, layout, s string) (lo, hi float64, ok bool) {
	sep := -1
	if kind == Date {
		sep = strings.IndexByte(s, '/')
	} else {
		for i := 1; i < len(s); i++ {
			if s[i] == '-' && (('0' <= s[i-1] && s[i-1] <= '9') || s[i-1] == '.') {
				sep = i
				break
			}
		}
	}
	if sep < 0 {
		v, err := parseNumber(kind, layout, s)
		return v, v, err == nil
	}
	lo, err1 := parseNumber(kind, layout, s[:sep])
	hi, err2 := parseNumber(kind, layout, s[sep+1:])
	return lo, hi, err1 == nil && err2 == nil && lo <= hi
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Meets returns nil when the measured table meets the request, or an error
// matching ErrConstraintUnmet that names the first constraint it fails. A
// recursive l-diversity request is judged with the report's RecursiveL, which
// must equal l.L.
func (r *Report) Meets(k int, l *LDiversity, t *TCloseness) error {
	if r.Records > 0 && r.K < k {
		return errorf(ErrConstraintUnmet, "smallest class has %d rows, below k=%d", r.K, k)
	}
	if l != nil {
		if err := l.validate(); err != nil {
			return err
		}
	}
	if t != nil {
		if err := t.validate(); err != nil {
			return err
		}
	}
	if (l != nil || t != nil) && len(r.Sensitive) == 0 {
		return errorf(ErrInvalidConfig, "no sensitive column was measured")
	}
	if r.Records == 0 {
		return nil
	}
	for _, s := range r.Sensitive {
		if l != nil {
			switch l.Variant {
			case DistinctL:
				if float64(s.DistinctL) < l.L {
					return errorf(ErrConstraintUnmet, "column %q: distinct l-diversity %d below %g", s.Column, s.DistinctL, l.L)
				}
			case EntropyL:
				if s.EntropyL < l.L*(1-1e-9) {
					return errorf(ErrConstraintUnmet, "column %q: entropy l-diversity %.4g below %g", s.Column, s.EntropyL, l.L)
				}
			case RecursiveL:
				if int(l.L) != r.recursiveL {
					return errorf(ErrInvalidConfig, "report measured recursive l=%d, not %g", r.recursiveL, l.L)
				}
				if !(s.RecursiveC < l.C) {
					return errorf(ErrConstraintUnmet, "column %q: recursive (c,%g)-diversity needs c > %.4g", s.Column, l.L, s.RecursiveC)
				}
			}
		}
		if t != nil && s.T > t.T+1e-9 {
			return errorf(ErrConstraintUnmet, "column %q: t-closeness %.4g above %g", s.Column, s.T, t.T)
		}
	}
	return nil
}
