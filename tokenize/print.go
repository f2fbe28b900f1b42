package tokenize

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// The tokenizers hold keys: fmt, log/slog and encoding/json print only a
// summary with the domain and key ID, whatever the verb.

// GoString is like String.
func (p *Pseudonymizer) GoString() string { return p.String() }

// Format prints the summary for every verb.
func (p *Pseudonymizer) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(p.String())) }

// LogValue logs the summary.
func (p *Pseudonymizer) LogValue() slog.Value { return slog.StringValue(p.String()) }

// MarshalJSON encodes the summary as a JSON string.
func (p *Pseudonymizer) MarshalJSON() ([]byte, error) { return json.Marshal(p.String()) }

// String returns a summary without key material.
func (d *Deterministic) String() string {
	return "tokenize.Deterministic{domain=" + d.domain + " AES-SIV}"
}

// GoString is like String.
func (d *Deterministic) GoString() string { return d.String() }

// Format prints the summary for every verb.
func (d *Deterministic) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(d.String())) }

// LogValue logs the summary.
func (d *Deterministic) LogValue() slog.Value { return slog.StringValue(d.String()) }

// MarshalJSON encodes the summary as a JSON string.
func (d *Deterministic) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// GoString is like String.
func (f *FormatPreserving) GoString() string { return f.String() }

// Format prints the summary for every verb.
func (f *FormatPreserving) Format(s fmt.State, _ rune) { _, _ = s.Write([]byte(f.String())) }

// LogValue logs the summary.
func (f *FormatPreserving) LogValue() slog.Value { return slog.StringValue(f.String()) }

// MarshalJSON encodes the summary as a JSON string.
func (f *FormatPreserving) MarshalJSON() ([]byte, error) { return json.Marshal(f.String()) }

// GoString is like String.
func (v *Vault) GoString() string { return v.String() }

// Format prints the summary for every verb.
func (v *Vault) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(v.String())) }

// LogValue logs the summary.
func (v *Vault) LogValue() slog.Value { return slog.StringValue(v.String()) }

// MarshalJSON encodes the summary as a JSON string.
func (v *Vault) MarshalJSON() ([]byte, error) { return json.Marshal(v.String()) }
