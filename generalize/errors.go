package generalize

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by this package matches one of them
// with errors.Is. Messages name columns, lines and lengths, never the values
// being generalized.
var (
	// ErrInvalidConfig reports a configuration that cannot be used: a bucket
	// width of zero, an unknown enum, a missing hierarchy, a k below 1.
	ErrInvalidConfig = errors.New("generalize: invalid configuration")

	// ErrUnparsable reports an input value that is not of the expected form
	// (not a number, not a date, not an IP address, an empty postal code).
	ErrUnparsable = errors.New("generalize: unparsable value")

	// ErrOutOfRange reports a value that parses but lies outside what the
	// generalizer covers (NaN, a latitude of 91, a birth date after the
	// reference date, a level above the hierarchy's top).
	ErrOutOfRange = errors.New("generalize: value out of range")

	// ErrNotInHierarchy reports a value that is not a leaf of the hierarchy
	// (or, when reading generalized tables, not a node of it).
	ErrNotInHierarchy = errors.New("generalize: value not in hierarchy")

	// ErrInvalidHierarchy reports a hierarchy that cannot be built: rows of
	// different lengths, a node with two parents, several roots.
	ErrInvalidHierarchy = errors.New("generalize: invalid hierarchy")

	// ErrUnknownCountry reports a postal code whose country has no rule.
	ErrUnknownCountry = errors.New("generalize: no postal rule for country")

	// ErrConstraintUnmet reports that the requested privacy model (k,
	// l-diversity, t-closeness) cannot be met within the suppression limit.
	// No table is returned with it.
	ErrConstraintUnmet = errors.New("generalize: privacy constraint cannot be met")

	// ErrRowMismatch reports a row that does not fit the table: wrong number
	// of fields, or (in the second pass of a Plan) a row that is not the row
	// planned at that position.
	ErrRowMismatch = errors.New("generalize: row does not match")

	// ErrPopulation reports a population table that does not cover the
	// sample (a sample class with no population record).
	ErrPopulation = errors.New("generalize: population table does not cover sample")
)

// ParseError reports where a hierarchy or bucket definition could not be
// read. It wraps ErrInvalidHierarchy or ErrInvalidConfig.
type ParseError struct {
	Source string // what was parsed: "hierarchy", "buckets"
	Line   int    // 1-based line, 0 when unknown
	Field  int    // 1-based field, 0 when unknown
	Err    error  // the sentinel and reason
}

// Error describes the problem and where it is, without the input text.
func (e *ParseError) Error() string {
	switch {
	case e.Line > 0 && e.Field > 0:
		return fmt.Sprintf("%v (%s line %d, field %d)", e.Err, e.Source, e.Line, e.Field)
	case e.Line > 0:
		return fmt.Sprintf("%v (%s line %d)", e.Err, e.Source, e.Line)
	default:
		return fmt.Sprintf("%v (%s)", e.Err, e.Source)
	}
}

// Unwrap returns the sentinel-wrapping cause.
func (e *ParseError) Unwrap() error { return e.Err }

// ColumnError reports which column and row of a table could not be handled.
// It wraps one of the sentinels (ErrUnparsable, ErrNotInHierarchy, ...).
type ColumnError struct {
	Column string // column name
	Row    int    // 0-based row index in the input, -1 when not row-specific
	Err    error
}

// Error names the column and row, never the value.
func (e *ColumnError) Error() string {
	if e.Row < 0 {
		return fmt.Sprintf("%v (column %q)", e.Err, e.Column)
	}
	return fmt.Sprintf("%v (column %q, row %d)", e.Err, e.Column, e.Row)
}

// Unwrap returns the sentinel-wrapping cause.
func (e *ColumnError) Unwrap() error { return e.Err }

func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}
