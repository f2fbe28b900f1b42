package generalize

import (
	"math"
	"strconv"
)

// Role says what a column is to the privacy model.
type Role int

// Roles. The zero value is invalid, so a column without a role is an error.
const (
	// RoleInvalid is the zero Role, rejected everywhere.
	RoleInvalid Role = iota
	// Identifier columns (name, e-mail) are removed from the output.
	Identifier
	// QuasiIdentifier columns (age, ZIP, sex) are generalized until the
	// privacy model holds.
	QuasiIdentifier
	// Sensitive columns (diagnosis, salary) are kept as they are, and checked
	// by l-diversity and t-closeness.
	Sensitive
	// Insensitive columns are kept as they are and not checked.
	Insensitive
)

var roleNames = [...]string{"invalid", "identifier", "quasi-identifier", "sensitive", "insensitive"}

// String returns the role's policy-file name ("quasi-identifier").
func (r Role) String() string { return enumName(roleNames[:], int(r), "Role") }

// MarshalText encodes the role by name.
func (r Role) MarshalText() ([]byte, error) { return enumMarshal(roleNames[:], int(r), "role") }

// UnmarshalText decodes a role name.
func (r *Role) UnmarshalText(b []byte) error {
	return enumUnmarshal(roleNames[:], b, (*int)(r), "role")
}

// Kind says how a column's values are read and generalized.
type Kind int

// Kinds. The zero value is invalid.
const (
	// KindInvalid is the zero Kind: allowed only for columns that are
	// neither quasi-identifiers nor ordered sensitive columns.
	KindInvalid Kind = iota
	// Numeric values are decimal numbers, generalized to ranges "lo-hi".
	Numeric
	// Date values are read with the column's Layout and generalized to
	// ranges "lo/hi" written in the same layout (ISO 8601 interval style).
	Date
	// Categorical values are leaves of the column's hierarchy, generalized
	// to ancestors. A categorical sensitive column needs no hierarchy.
	Categorical
)

var kindNames = [...]string{"invalid", "numeric", "date", "categorical"}

// String returns the kind's policy-file name ("numeric").
func (k Kind) String() string { return enumName(kindNames[:], int(k), "Kind") }

// MarshalText encodes the kind by name.
func (k Kind) MarshalText() ([]byte, error) { return enumMarshal(kindNames[:], int(k), "kind") }

// UnmarshalText decodes a kind name.
func (k *Kind) UnmarshalText(b []byte) error {
	return enumUnmarshal(kindNames[:], b, (*int)(k), "kind")
}

// DefaultDateLayout is the layout of Date columns that give none.
const DefaultDateLayout = "2006-01-02"

// Column describes one column of a table, in table order. It is plain data
// so that a policy file can fill it; hierarchies are referred to by name and
// supplied as objects beside it.
type Column struct {
	Name string `json:"name" yaml:"name"`
	Role Role   `json:"role" yaml:"role"`
	// Kind is required for quasi-identifiers. For sensitive columns it picks
	// the t-closeness distance: Numeric and Date use the ordered distance,
	// Categorical (or unset) the equal distance.
	Kind Kind `json:"kind,omitempty" yaml:"kind,omitempty"`
	// Hierarchy names the hierarchy of a Categorical quasi-identifier.
	Hierarchy string `json:"hierarchy,omitempty" yaml:"hierarchy,omitempty"`
	// Layout is the time layout of a Date column (default DefaultDateLayout).
	Layout string `json:"layout,omitempty" yaml:"layout,omitempty"`
}

// LVariant is a flavour of l-diversity.
type LVariant int

// l-diversity variants (Machanavajjhala et al., 2007). The zero value is
// invalid.
const (
	// LInvalid is the zero variant, rejected everywhere.
	LInvalid LVariant = iota
	// DistinctL: at least l distinct sensitive values in every class.
	DistinctL
	// EntropyL: the entropy of every class's sensitive values is at least
	// log(l).
	EntropyL
	// RecursiveL: recursive (c,l)-diversity, r1 < c·(r_l + ... + r_m) with
	// r1 >= r2 >= ... the counts of a class's sensitive values.
	RecursiveL
)

var lNames = [...]string{"invalid", "distinct", "entropy", "recursive"}

// String returns the variant's policy-file name ("entropy").
func (v LVariant) String() string { return enumName(lNames[:], int(v), "LVariant") }

// MarshalText encodes the variant by name.
func (v LVariant) MarshalText() ([]byte, error) {
	return enumMarshal(lNames[:], int(v), "l-diversity variant")
}

// UnmarshalText decodes a variant name.
func (v *LVariant) UnmarshalText(b []byte) error {
	return enumUnmarshal(lNames[:], b, (*int)(v), "l-diversity variant")
}

// LDiversity asks every equivalence class to be l-diverse in every sensitive
// column.
type LDiversity struct {
	Variant LVariant `json:"variant" yaml:"variant"`
	L       float64  `json:"l" yaml:"l"`                     // >= 1; an integer for DistinctL and RecursiveL
	C       float64  `json:"c,omitempty" yaml:"c,omitempty"` // > 0, RecursiveL only
}

// TCloseness asks the distribution of every sensitive column in every class
// to be within Earth Mover's Distance T of its distribution in the whole
// table (Li et al., 2007): the ordered distance for Numeric and Date columns,
// the equal distance otherwise.
type TCloseness struct {
	T float64 `json:"t" yaml:"t"` // in [0, 1]
}

// Config is what Mondrian anonymization is asked to do. Its zero value is
// rejected (k must be at least 1), never silently weak.
type Config struct {
	Columns []Column `json:"columns" yaml:"columns"`
	// K is the minimum size of every equivalence class.
	K int `json:"k" yaml:"k"`
	// SuppressionLimit is the largest fraction of rows, in [0, 1), that may be
	// removed as outliers. Zero removes none.
	SuppressionLimit float64     `json:"suppression_limit,omitempty" yaml:"suppression_limit,omitempty"`
	LDiversity       *LDiversity `json:"l_diversity,omitempty" yaml:"l_diversity,omitempty"`
	TCloseness       *TCloseness `json:"t_closeness,omitempty" yaml:"t_closeness,omitempty"`
	// Hierarchies holds the hierarchies named by the columns.
	Hierarchies map[string]*Hierarchy `json:"-" yaml:"-"`
}

func (l *LDiversity) validate() error {
	switch l.Variant {
	case DistinctL, EntropyL, RecursiveL:
	default:
		return errorf(ErrInvalidConfig, "l-diversity: invalid variant %d", int(l.Variant))
	}
	if !finite(l.L) || l.L < 1 || l.L > 1<<20 {
		return errorf(ErrInvalidConfig, "l-diversity: l must be in [1, 2^20]")
	}
	if l.Variant != EntropyL && l.L != math.Trunc(l.L) {
		return errorf(ErrInvalidConfig, "l-diversity: l must be an integer for %s", l.Variant)
	}
	if l.Variant == RecursiveL && (!finite(l.C) || l.C <= 0) {
		return errorf(ErrInvalidConfig, "l-diversity: recursive needs c > 0")
	}
	return nil
}

func (t *TCloseness) validate() error {
	if math.IsNaN(t.T) || t.T < 0 || t.T > 1 {
		return errorf(ErrInvalidConfig, "t-closeness: t must be in [0, 1]")
	}
	return nil
}

func enumName(names []string, v int, typ string) string {
	if v < 0 || v >= len(names) {
		return typ + "(" + strconv.Itoa(v) + ")"
	}
	return names[v]
}

func enumMarshal(names []string, v int, what string) ([]byte, error) {
	if v <= 0 || v >= len(names) {
		return nil, errorf(ErrInvalidConfig, "invalid %s %d", what, v)
	}
	return []byte(names[v]), nil
}

func enumUnmarshal(names []string, b []byte, dst *int, what string) error {
	for i := 1; i < len(names); i++ {
		if string(b) == names[i] {
			*dst = i
			return nil
		}
	}
	return errorf(ErrInvalidConfig, "unknown %s name of length %d", what, len(b))
}
