package fpe

import (
	"fmt"
	"log/slog"
)

// FF1 and FF31 hold an expanded AES key and values derived from it. These
// methods make fmt, log/slog, encoding/json and encoding print a fixed
// placeholder instead of any of it.

const (
	redactedFF1  = "fpe.FF1{REDACTED}"
	redactedFF31 = "fpe.FF31{REDACTED}"
)

// String returns a fixed placeholder; the key is never printed.
func (f *FF1) String() string { return redactedFF1 }

// GoString returns a fixed placeholder, for %#v.
func (f *FF1) GoString() string { return redactedFF1 }

// Format prints the fixed placeholder for every verb.
func (f *FF1) Format(s fmt.State, _ rune) { _, _ = s.Write([]byte(redactedFF1)) }

// LogValue makes log/slog print the fixed placeholder.
func (f *FF1) LogValue() slog.Value { return slog.StringValue(redactedFF1) }

// MarshalText returns the fixed placeholder.
func (f *FF1) MarshalText() ([]byte, error) { return []byte(redactedFF1), nil }

// MarshalJSON returns the fixed placeholder as a JSON string.
func (f *FF1) MarshalJSON() ([]byte, error) { return []byte(`"` + redactedFF1 + `"`), nil }

// String returns a fixed placeholder; the key is never printed.
func (f *FF31) String() string { return redactedFF31 }

// GoString returns a fixed placeholder, for %#v.
func (f *FF31) GoString() string { return redactedFF31 }

// Format prints the fixed placeholder for every verb.
func (f *FF31) Format(s fmt.State, _ rune) { _, _ = s.Write([]byte(redactedFF31)) }

// LogValue makes log/slog print the fixed placeholder.
func (f *FF31) LogValue() slog.Value { return slog.StringValue(redactedFF31) }

// MarshalText returns the fixed placeholder.
func (f *FF31) MarshalText() ([]byte, error) { return []byte(redactedFF31), nil }

// MarshalJSON returns the fixed placeholder as a JSON string.
func (f *FF31) MarshalJSON() ([]byte, error) { return []byte(`"` + redactedFF31 + `"`), nil }
