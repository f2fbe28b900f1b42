package generalize

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// maxBuckets bounds the number of buckets a configuration may create, so that
// a mistyped width cannot allocate gigabytes of labels.
const maxBuckets = 1 << 20

// Bucketer maps a number to the label of the bucket that holds it.
// *FixedBuckets and *Buckets implement it.
type Bucketer interface {
	Bucket(x float64) (string, error)
}

// FixedBucketsConfig describes fixed-size buckets between Lower and Upper.
// It is plain data so that it can be read from a policy file.
//
// Values below Lower get BelowLabel, values at or above Upper get AboveLabel,
// and the values in between fall into half-open buckets [a, a+Width) labelled
// "a-b", the last one truncated at Upper. With Lower 10, Upper 90, Width 10
// the labels are <10, 10-20, ..., 80-90, 90+.
type FixedBucketsConfig struct {
	Lower      float64 `json:"lower" yaml:"lower"`
	Upper      float64 `json:"upper" yaml:"upper"`
	Width      float64 `json:"width" yaml:"width"`
	BelowLabel string  `json:"below_label,omitempty" yaml:"below_label,omitempty"` // default "<Lower"
	AboveLabel string  `json:"above_label,omitempty" yaml:"above_label,omitempty"` // default "Upper+"
}

// FixedBuckets is a validated fixed-size bucketing. Its labels are computed
// once, so Bucket does not allocate. It is immutable and safe for concurrent
// use.
type FixedBuckets struct {
	lower, upper, width float64
	edges               []float64 // edges[i] is the lower edge of regular bucket i; last = upper
	labels              []string  // labels[0] below, labels[1..n] regular, labels[n+1] above
}

// NewFixedBuckets validates cfg and precomputes every label.
func NewFixedBuckets(cfg FixedBucketsConfig) (*FixedBuckets, error) {
	if !finite(cfg.Lower) || !finite(cfg.Upper) || !finite(cfg.Width) {
		return nil, errorf(ErrInvalidConfig, "fixed buckets: bounds and width must be finite")
	}
	if cfg.Width <= 0 {
		return nil, errorf(ErrInvalidConfig, "fixed buckets: width must be positive")
	}
	if cfg.Upper <= cfg.Lower {
		return nil, errorf(ErrInvalidConfig, "fixed buckets: upper must exceed lower")
	}
	n := math.Ceil((cfg.Upper - cfg.Lower) / cfg.Width)
	if n > maxBuckets {
		return nil, errorf(ErrInvalidConfig, "fixed buckets: more than %d buckets", maxBuckets)
	}
	count := int(n)
	edges := make([]float64, 0, count+1)
	for i := 0; i < count; i++ {
		// Inner edges are rounded to 12 significant digits so that 0.1-wide
		// buckets have edges (and labels) 0.3, not 0.30000000000000004; the
		// first edge is Lower itself.
		e := cfg.Lower
		if i > 0 {
			e = roundSig(cfg.Lower + float64(i)*cfg.Width)
			if e <= edges[len(edges)-1] {
				e = cfg.Lower + float64(i)*cfg.Width
			}
			if e <= edges[len(edges)-1] {
				return nil, errorf(ErrInvalidConfig, "fixed buckets: width too small for the bounds' precision")
			}
		}
		if e >= cfg.Upper {
			break
		}
		edges = append(edges, e)
	}
	edges = append(edges, cfg.Upper)
	labels := make([]string, 0, len(edges)+1)
	below := cfg.BelowLabel
	if below == "" {
		below = "<" + formatNumber(cfg.Lower)
	}
	labels = append(labels, below)
	for i := 0; i+1 < len(edges); i++ {
		labels = append(labels, formatNumber(edges[i])+"-"+formatNumber(edges[i+1]))
	}
	above := cfg.AboveLabel
	if above == "" {
		above = formatNumber(cfg.Upper) + "+"
	}
	labels = append(labels, above)
	return &FixedBuckets{lower: cfg.Lower, upper: cfg.Upper, width: cfg.Width, edges: edges, labels: labels}, nil
}

// Index returns the bucket number of x: 0 for values below Lower,
// len(Labels())-1 for values at or above Upper. NaN is ErrOutOfRange.
func (b *FixedBuckets) Index(x float64) (int, error) {
	if math.IsNaN(x) {
		return 0, errorf(ErrOutOfRange, "fixed buckets: NaN")
	}
	if x < b.lower {
		return 0, nil
	}
	if x >= b.upper {
		return len(b.labels) - 1, nil
	}
	i := int((x - b.lower) / b.width)
	if i >= len(b.edges)-1 {
		i = len(b.edges) - 2
	}
	// Correct float rounding in the division against the stored edges.
	for i > 0 && x < b.edges[i] {
		i--
	}
	for i+1 < len(b.edges)-1 && x >= b.edges[i+1] {
		i++
	}
	return i + 1, nil
}

// Bucket returns the label of the bucket holding x. It does not allocate.
func (b *FixedBuckets) Bucket(x float64) (string, error) {
	i, err := b.Index(x)
	if err != nil {
		return "", err
	}
	return b.labels[i], nil
}

// Labels returns every label in bucket order, the caps included.
func (b *FixedBuckets) Labels() []string { return append([]string(nil), b.labels...) }

// Bucket is one range of a custom bucketing: values x with Min <= x < Max
// get Label. Min may be -Inf and Max +Inf for open ends.
type Bucket struct {
	Min   float64 `json:"min" yaml:"min"`
	Max   float64 `json:"max" yaml:"max"`
	Label string  `json:"label" yaml:"label"`
}

// Buckets is a validated custom bucketing: ranges in ascending order that do
// not overlap. A value in a gap between ranges, or outside all of them, is
// ErrOutOfRange: it is never passed through. Bucket does not allocate.
// Buckets is immutable and safe for concurrent use.
type Buckets struct {
	mins, maxs []float64
	labels     []string
}

// NewBuckets validates the ranges: each with Min < Max, a non-empty label,
// sorted by Min and not overlapping.
func NewBuckets(bs []Bucket) (*Buckets, error) {
	if len(bs) == 0 {
		return nil, errorf(ErrInvalidConfig, "buckets: none given")
	}
	if len(bs) > maxBuckets {
		return nil, errorf(ErrInvalidConfig, "buckets: more than %d buckets", maxBuckets)
	}
	out := &Buckets{
		mins:   make([]float64, len(bs)),
		maxs:   make([]float64, len(bs)),
		labels: make([]string, len(bs)),
	}
	for i, b := range bs {
		if math.IsNaN(b.Min) || math.IsNaN(b.Max) || b.Min >= b.Max || math.IsInf(b.Min, 1) || math.IsInf(b.Max, -1) {
			return nil, errorf(ErrInvalidConfig, "buckets: range %d is empty or not a number", i)
		}
		if b.Label == "" {
			return nil, errorf(ErrInvalidConfig, "buckets: range %d has an empty label", i)
		}
		if i > 0 && b.Min < bs[i-1].Max {
			return nil, errorf(ErrInvalidConfig, "buckets: range %d overlaps or precedes range %d", i, i-1)
		}
		out.mins[i], out.maxs[i], out.labels[i] = b.Min, b.Max, b.Label
	}
	return out, nil
}

// ParseBuckets reads a bucketing from its policy-file form: ranges separated
// by ';', each a half-open interval followed by its label, as in
//
//	[,18) minor; [18,65) adult; [65,) senior
//
// An empty bound is unbounded. Errors are *ParseError wrapping
// ErrInvalidConfig.
func ParseBuckets(spec string) (*Buckets, error) {
	var bs []Bucket
	items := strings.Split(spec, ";")
	for i, item := range items {
		item = strings.TrimSpace(item)
		perr := func(reason string) error {
			return &ParseError{Source: "buckets", Field: i + 1, Err: errorf(ErrInvalidConfig, "%s", reason)}
		}
		if !strings.HasPrefix(item, "[") {
			return nil, perr("range must start with '['")
		}
		end := strings.IndexByte(item, ')')
		if end < 0 {
			return nil, perr("range must end with ')'")
		}
		bounds := item[1:end]
		comma := strings.IndexByte(bounds, ',')
		if comma < 0 || strings.Count(bounds, ",") != 1 {
			return nil, perr("range needs exactly one ','")
		}
		lo, hi := strings.TrimSpace(bounds[:comma]), strings.TrimSpace(bounds[comma+1:])
		b := Bucket{Min: math.Inf(-1), Max: math.Inf(1), Label: strings.TrimSpace(item[end+1:])}
		var err error
		if lo != "" {
			if b.Min, err = strconv.ParseFloat(lo, 64); err != nil || !finite(b.Min) {
				return nil, perr("lower bound is not a finite number")
			}
		}
		if hi != "" {
			if b.Max, err = strconv.ParseFloat(hi, 64); err != nil || !finite(b.Max) {
				return nil, perr("upper bound is not a finite number")
			}
		}
		bs = append(bs, b)
	}
	out, err := NewBuckets(bs)
	if err != nil {
		return nil, &ParseError{Source: "buckets", Err: err}
	}
	return out, nil
}

// Index returns the position of the range holding x.
func (b *Buckets) Index(x float64) (int, error) {
	if math.IsNaN(x) {
		return 0, errorf(ErrOutOfRange, "buckets: NaN")
	}
	// First range whose Max is above x.
	i := sort.SearchFloat64s(b.maxs, x)
	for i < len(b.maxs) && b.maxs[i] <= x {
		i++
	}
	if i == len(b.maxs) || x < b.mins[i] {
		return 0, errorf(ErrOutOfRange, "buckets: value in no range")
	}
	return i, nil
}

// Bucket returns the label of the range holding x. It does not allocate.
func (b *Buckets) Bucket(x float64) (string, error) {
	i, err := b.Index(x)
	if err != nil {
		return "", err
	}
	return b.labels[i], nil
}

// Labels returns every label in range order.
func (b *Buckets) Labels() []string { return append([]string(nil), b.labels...) }

// TopBottomCode clamps x into [bottom, top]: values above top become top
// (top coding) and values below bottom become bottom (bottom coding). Use
// ±Inf to code one side only.
func TopBottomCode(x, bottom, top float64) (float64, error) {
	if math.IsNaN(bottom) || math.IsNaN(top) || bottom > top {
		return 0, errorf(ErrInvalidConfig, "top/bottom coding: bottom must not exceed top")
	}
	if math.IsNaN(x) {
		return 0, errorf(ErrOutOfRange, "top/bottom coding: NaN")
	}
	return min(max(x, bottom), top), nil
}

// RoundTo rounds x to the nearest multiple of base (halves away from zero).
func RoundTo(x, base float64) (float64, error) {
	if !finite(base) || base <= 0 {
		return 0, errorf(ErrInvalidConfig, "round: base must be positive and finite")
	}
	if !finite(x) {
		return 0, errorf(ErrOutOfRange, "round: value not finite")
	}
	r := math.Round(x/base) * base
	if !finite(r) {
		return 0, errorf(ErrOutOfRange, "round: result not finite")
	}
	return r, nil
}

func roundSig(x float64) float64 {
	v, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 12, 64), 64)
	if err != nil {
		return x
	}
	return v
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// formatNumber prints x in the shortest decimal form that reads back as x,
// without exponent: 10, 2.5, -0.125.
func formatNumber(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
