package mask

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// Secret holds a value that must never be printed. fmt (every verb,
// including %v, %+v, %#v, %s and %q), log/slog, encoding/json and
// encoding.TextMarshaler all write [Redacted] instead of it; [Secret.Value]
// returns it.
//
// The value is held behind a pointer, so even when a Secret sits in an
// unexported field, which fmt prints by reflection without calling its
// methods, only an address is printed. A Secret is immutable and safe for
// concurrent use if T is. The zero Secret holds the zero T.
type Secret[T any] struct {
	p *T
}

// NewSecret returns a Secret holding v.
func NewSecret[T any](v T) Secret[T] { return Secret[T]{p: &v} }

// Value returns the value the Secret holds.
func (s Secret[T]) Value() T {
	if s.p == nil {
		var zero T
		return zero
	}
	return *s.p
}

// String returns [Redacted].
func (Secret[T]) String() string { return Redacted }

// GoString returns [Redacted], for %#v.
func (Secret[T]) GoString() string { return Redacted }

// Format writes [Redacted] for every verb; %q writes it quoted.
func (Secret[T]) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		_, _ = io.WriteString(f, strconv.Quote(Redacted))
		return
	}
	_, _ = io.WriteString(f, Redacted)
}

// LogValue returns [Redacted] as a slog string value.
func (Secret[T]) LogValue() slog.Value { return slog.StringValue(Redacted) }

// MarshalJSON returns [Redacted] as a JSON string.
func (Secret[T]) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText returns [Redacted].
func (Secret[T]) MarshalText() ([]byte, error) { return []byte(Redacted), nil }
