package encrypt

import (
	"bytes"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"hash"
	"math"
	"strconv"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/custos-dev/custos/keys"
)

// Transform normalizes a value before it is indexed, e.g. [Lowercase] so
// that "Ada@Example.com" and "ada@example.com" find each other. Transforms
// apply in order. Build them with the functions of this package; a
// Transform is immutable.
type Transform struct {
	kind transformKind
	n    int
	fn   func(string) string
	name string
}

type transformKind uint8

const (
	tUnknown transformKind = iota
	tLower
	tUpper
	tDigits
	tAlnum
	tTrim
	tFirst
	tLast
	tCustom
)

var (
	// Lowercase maps letters to lower case (Unicode simple folding).
	Lowercase = Transform{kind: tLower, name: "lowercase"}
	// Uppercase maps letters to upper case.
	Uppercase = Transform{kind: tUpper, name: "uppercase"}
	// DigitsOnly keeps the decimal digits 0-9 and drops everything else.
	DigitsOnly = Transform{kind: tDigits, name: "digits"}
	// AlphanumericOnly keeps letters and digits.
	AlphanumericOnly = Transform{kind: tAlnum, name: "alphanumeric"}
	// TrimSpace drops leading and trailing white space.
	TrimSpace = Transform{kind: tTrim, name: "trim"}
)

// FirstN keeps the first n characters (runes), e.g. FirstN(1) for a first
// letter. Shorter values are kept whole.
func FirstN(n int) Transform { return Transform{kind: tFirst, n: n, name: "first" + strconv.Itoa(n)} }

// LastN keeps the last n characters (runes), e.g. LastN(4) for the last four
// digits of a card after DigitsOnly. Shorter values are kept whole.
func LastN(n int) Transform { return Transform{kind: tLast, n: n, name: "last" + strconv.Itoa(n)} }

// CustomTransform wraps a function; name appears in String. It allocates
// more than the built-in transforms.
func CustomTransform(name string, fn func(string) string) Transform {
	return Transform{kind: tCustom, fn: fn, name: name}
}

// String returns the transform's name.
func (t Transform) String() string {
	if t.name == "" {
		return "unknown"
	}
	return t.name
}

func (t Transform) valid() bool {
	switch t.kind {
	case tLower, tUpper, tDigits, tAlnum, tTrim:
		return true
	case tFirst, tLast:
		return t.n > 0
	case tCustom:
		return t.fn != nil
	}
	return false
}

// apply appends the transform of src to dst.
func (t Transform) apply(dst, src []byte) []byte {
	switch t.kind {
	case tLower, tUpper:
		for i := 0; i < len(src); {
			c := src[i]
			if c < utf8.RuneSelf {
				if t.kind == tLower && 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				} else if t.kind == tUpper && 'a' <= c && c <= 'z' {
					c -= 'a' - 'A'
				}
				dst = append(dst, c)
				i++
				continue
			}
			r, n := utf8.DecodeRune(src[i:])
			if t.kind == tLower {
				r = unicode.ToLower(r)
			} else {
				r = unicode.ToUpper(r)
			}
			dst = utf8.AppendRune(dst, r)
			i += n
		}
	case tDigits:
		for _, c := range src {
			if '0' <= c && c <= '9' {
				dst = append(dst, c)
			}
		}
	case tAlnum:
		for i := 0; i < len(src); {
			r, n := utf8.DecodeRune(src[i:])
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				dst = append(dst, src[i:i+n]...)
			}
			i += n
		}
	case tTrim:
		dst = append(dst, bytes.TrimFunc(src, unicode.IsSpace)...)
	case tFirst:
		i, k := 0, 0
		for i < len(src) && k < t.n {
			_, n := utf8.DecodeRune(src[i:])
			i += n
			k++
		}
		dst = append(dst, src[:i]...)
	case tLast:
		i, k := len(src), 0
		for i > 0 && k < t.n {
			_, n := utf8.DecodeLastRune(src[:i])
			i -= n
			k++
		}
		dst = append(dst, src[i:]...)
	case tCustom:
		dst = append(dst, t.fn(string(src))...)
	}
	return dst
}

// IndexSpec configures a [BlindIndex].
type IndexSpec struct {
	// Table, Field and Name identify the index; together they are hashed
	// with the value, so two indexes never share outputs even under one key.
	Table, Field, Name string
	// Rows is the expected number of rows (the population R). Required:
	// the bit length is checked against it with [PlanIndex].
	Rows uint64
	// DomainSize is the number of distinct values the transformed input can
	// take (e.g. 10000 for LastN(4) of digits); 0 means unbounded.
	DomainSize float64
	// Bits is the output length; 0 picks the middle of the planner's range.
	Bits int
	// Transforms apply, in order, before hashing.
	Transforms []Transform
	// ExistingBits are the bit lengths of other blind indexes on the same
	// field (they add up in the coincidence count).
	ExistingBits []int
}

// BlindIndex computes a searchable, truncated keyed hash of a field's
// values. It is immutable and safe for concurrent use; computing an index
// allocates only the returned slice.
type BlindIndex struct {
	prf        *keys.PRF
	name       string
	table      string
	field      string
	shortName  string
	bits       int
	plan       Plan
	transforms []Transform
	scratch    sync.Pool
}

type scratch struct {
	h         hash.Hash
	a, b, sum []byte
}

// NewBlindIndex returns a blind index computed with p (a PRF derived for
// this index, e.g. root.DerivePRF("blind-index", "table.field.name")).
// It fails with [ErrUnsafeIndex] when Bits is outside the safe range for
// Rows and DomainSize.
func NewBlindIndex(p *keys.PRF, spec IndexSpec) (*BlindIndex, error) {
	if p == nil {
		return nil, fmt.Errorf("%w: PRF is nil", ErrInvalidParams)
	}
	if spec.Table == "" || spec.Field == "" || spec.Name == "" {
		return nil, fmt.Errorf("%w: blind index needs table, field and name", ErrInvalidParams)
	}
	for _, t := range spec.Transforms {
		if !t.valid() {
			return nil, fmt.Errorf("%w: index %s: invalid transform %s", ErrInvalidParams, spec.Name, t)
		}
	}
	plan, bits, err := planBits(spec.Rows, spec.DomainSize, spec.Bits, spec.ExistingBits)
	if err != nil {
		return nil, fmt.Errorf("encrypt: index %s.%s.%s: %w", spec.Table, spec.Field, spec.Name, err)
	}
	b := &BlindIndex{prf: p.Derive(indexPrefix("index/v1", spec.Table, spec.Name, []string{spec.Field})),
		name: spec.Table + "." + spec.Field + "." + spec.Name, table: spec.Table, field: spec.Field, shortName: spec.Name, bits: bits, plan: plan,
		transforms: append([]Transform(nil), spec.Transforms...)}
	b.scratch.New = func() any {
		return &scratch{h: b.prf.NewHash(), a: make([]byte, 0, 128), b: make([]byte, 0, 128), sum: make([]byte, 0, keys.PRFSize)}
	}
	return b, nil
}

func planBits(rows uint64, domain float64, bits int, existing []int) (Plan, int, error) {
	plan, err := PlanIndex(rows, domain, existing...)
	if err != nil {
		return Plan{}, 0, err
	}
	if bits == 0 {
		bits = (plan.MinBits + plan.MaxBits) / 2
	}
	if bits < plan.MinBits || bits > plan.MaxBits {
		return plan, 0, fmt.Errorf("%w: %d bits outside the safe range %d..%d for %d rows", ErrUnsafeIndex, bits, plan.MinBits, plan.MaxBits, rows)
	}
	return plan, bits, nil
}

func indexPrefix(kind, table, name string, fields []string) []byte {
	b := []byte("custos/encrypt/" + kind + "\x00")
	for _, s := range append([]string{table, name}, fields...) {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	return b
}

// Bits returns the index length in bits.
func (b *BlindIndex) Bits() int { return b.bits }

// Size returns the index length in bytes: ceil(Bits/8).
func (b *BlindIndex) Size() int { return (b.bits + 7) / 8 }

// Plan returns the safe range the index was checked against.
func (b *BlindIndex) Plan() Plan { return b.plan }

// KeyID returns the ID of the key the index uses.
func (b *BlindIndex) KeyID() uint32 { return b.prf.KeyID() }

// String describes the index without its key.
func (b *BlindIndex) String() string {
	return fmt.Sprintf("encrypt.BlindIndex{%s bits=%d key=%d}", b.name, b.bits, b.prf.KeyID())
}

// Compute returns the index of value: Size() bytes, the bits beyond Bits()
// set to zero. It fails with [ErrInvalidInput] when the transforms leave
// nothing to index (an empty value would match every other empty value).
func (b *BlindIndex) Compute(value []byte) ([]byte, error) {
	return b.Append(nil, value)
}

// ComputeString is Compute for a string value.
func (b *BlindIndex) ComputeString(value string) ([]byte, error) {
	s := b.scratch.Get().(*scratch)
	s.b = append(s.b[:0], value...)
	out, err := b.appendFrom(nil, s, s.b)
	b.scratch.Put(s)
	return out, err
}

// Append appends the index of value to dst.
func (b *BlindIndex) Append(dst, value []byte) ([]byte, error) {
	s := b.scratch.Get().(*scratch)
	out, err := b.appendFrom(dst, s, value)
	b.scratch.Put(s)
	return out, err
}

// appendFrom indexes value, using s for the transforms and the sum. The
// per-index key already separates indexes, so the message is the
// transformed value alone.
func (b *BlindIndex) appendFrom(dst []byte, s *scratch, value []byte) ([]byte, error) {
	for i, t := range b.transforms {
		if i == 0 {
			s.a = t.apply(s.a[:0], value)
		} else {
			s.a = t.apply(s.a[:0], s.b)
		}
		s.a, s.b = s.b, s.a
		value = s.b
	}
	if len(value) == 0 {
		return nil, fmt.Errorf("%w: %s: nothing left to index after transforms", ErrInvalidInput, b.name)
	}
	s.h.Reset()
	s.h.Write(value)
	s.sum = s.h.Sum(s.sum[:0])
	return truncate(dst, s.sum, b.bits), nil
}

func truncate(dst, sum []byte, bits int) []byte {
	n := (bits + 7) / 8
	if dst == nil {
		dst = make([]byte, 0, n)
	}
	dst = append(dst, sum[:n]...)
	if r := bits % 8; r != 0 {
		dst[len(dst)-1] &= byte(0xff << (8 - r))
	}
	return dst
}

// Match reports in constant time whether index is the index of value.
func (b *BlindIndex) Match(index, value []byte) bool {
	got, err := b.Compute(value)
	return err == nil && Equal(got, index)
}

// Equal compares two indexes in constant time (for equal lengths).
func Equal(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }

// IndexUint64 returns the index as an integer, for databases that store
// short indexes as BIGINT: the first 8 bytes, big-endian, right-aligned.
func IndexUint64(index []byte) uint64 {
	var v uint64
	for i := 0; i < len(index) && i < 8; i++ {
		v = v<<8 | uint64(index[i])
	}
	return v
}

// CompoundPart is one field of a [CompoundIndex] with its transforms.
type CompoundPart struct {
	Field      string
	Transforms []Transform
}

// CompoundSpec configures a [CompoundIndex].
type CompoundSpec struct {
	Table, Name  string
	Parts        []CompoundPart
	Rows         uint64
	DomainSize   float64 // of the combined input; 0 means unbounded
	Bits         int
	ExistingBits []int
}

// CompoundIndex is a blind index over several fields together (e.g. last
// name and birth year). It is immutable and safe for concurrent use.
type CompoundIndex struct {
	prf   *keys.PRF
	name  string
	bits  int
	parts []CompoundPart
}

// NewCompoundIndex returns a compound index computed with p.
func NewCompoundIndex(p *keys.PRF, spec CompoundSpec) (*CompoundIndex, error) {
	if p == nil {
		return nil, fmt.Errorf("%w: PRF is nil", ErrInvalidParams)
	}
	if spec.Table == "" || spec.Name == "" || len(spec.Parts) < 2 {
		return nil, fmt.Errorf("%w: compound index needs table, name and at least two parts", ErrInvalidParams)
	}
	var fields []string
	for _, pt := range spec.Parts {
		if pt.Field == "" {
			return nil, fmt.Errorf("%w: compound index %s: part without field", ErrInvalidParams, spec.Name)
		}
		for _, t := range pt.Transforms {
			if !t.valid() {
				return nil, fmt.Errorf("%w: compound index %s: invalid transform %s", ErrInvalidParams, spec.Name, t)
			}
		}
		fields = append(fields, pt.Field)
	}
	_, bits, err := planBits(spec.Rows, spec.DomainSize, spec.Bits, spec.ExistingBits)
	if err != nil {
		return nil, fmt.Errorf("encrypt: compound index %s.%s: %w", spec.Table, spec.Name, err)
	}
	return &CompoundIndex{prf: p.Derive(indexPrefix("compound/v1", spec.Table, spec.Name, fields)), name: spec.Table + "." + spec.Name, bits: bits, parts: spec.Parts}, nil
}

// Bits returns the index length in bits.
func (c *CompoundIndex) Bits() int { return c.bits }

// Compute returns the index of values, one per part, in the parts' order.
func (c *CompoundIndex) Compute(values ...[]byte) ([]byte, error) {
	if len(values) != len(c.parts) {
		return nil, fmt.Errorf("%w: %s: %d values for %d parts", ErrInvalidInput, c.name, len(values), len(c.parts))
	}
	var msg, a, b []byte
	for i, pt := range c.parts {
		b = append(b[:0], values[i]...)
		for _, t := range pt.Transforms {
			a = t.apply(a[:0], b)
			a, b = b, a
		}
		if len(b) == 0 {
			return nil, fmt.Errorf("%w: %s: part %s is empty after transforms", ErrInvalidInput, c.name, pt.Field)
		}
		msg = binary.BigEndian.AppendUint32(msg, uint32(len(b)))
		msg = append(msg, b...)
	}
	return truncate(nil, c.prf.Sum(nil, msg), c.bits), nil
}

// Plan is a safe range of blind-index lengths.
type Plan struct {
	MinBits, MaxBits int
}

// PlanIndex recommends the bit length of a new blind index on a field with
// the expected number of rows and the size of the field's (transformed)
// input domain (0 for unbounded), given the lengths of the field's existing
// indexes (assumed unbounded).
//
// It follows CipherSweet's planner: with the sum S of min(L, log2 domain)
// over all the field's indexes, the expected number of rows sharing one
// combination of index values is C = rows / 2^S. A length is safe when
// 2 ≤ C (every index value is shared by about two rows or more, so the
// index alone does not single a row out) and C ≤ √rows (lookups still
// narrow the candidates). It fails with [ErrUnsafeIndex] below 16 rows or
// when no length meets both bounds (e.g. a domain so small that the index
// would leak the value distribution).
func PlanIndex(rows uint64, domainSize float64, existingBits ...int) (Plan, error) {
	if rows < 16 {
		return Plan{}, fmt.Errorf("%w: %d rows: at least 16 are needed for a safe blind index", ErrUnsafeIndex, rows)
	}
	if domainSize < 0 || math.IsNaN(domainSize) {
		return Plan{}, fmt.Errorf("%w: domain size must be positive", ErrInvalidParams)
	}
	k := math.Inf(1)
	if domainSize > 0 {
		k = math.Log2(domainSize)
	}
	var base float64
	for _, l := range existingBits {
		if l < 1 || l > 256 {
			return Plan{}, fmt.Errorf("%w: existing index of %d bits", ErrInvalidParams, l)
		}
		base += float64(l)
	}
	r := float64(rows)
	sqrtR := math.Sqrt(r)
	p := Plan{}
	for l := 1; l <= 256; l++ {
		c := r / math.Exp2(base+math.Min(float64(l), k))
		if c >= 2 && c <= sqrtR {
			if p.MinBits == 0 {
				p.MinBits = l
			}
			p.MaxBits = l
		}
	}
	if p.MinBits == 0 {
		return Plan{}, fmt.Errorf("%w: no index length gives between 2 and sqrt(%d) coincidences for a domain of %g values", ErrUnsafeIndex, rows, domainSize)
	}
	return p, nil
}
