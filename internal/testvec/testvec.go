// Package testvec loads test vectors from JSON files strictly, so that a vector
// file that drifts from its schema fails the test instead of being half read.
package testvec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
)

// Decode reads the JSON document in data into v. Unknown fields and trailing
// data are errors.
func Decode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("testvec: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("testvec: trailing data after the JSON document")
	}
	return nil
}

// Load reads the JSON file at path into v and fails the test at once when the
// file is missing, malformed, or has fields v does not declare.
func Load(tb testing.TB, path string, v any) {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("testvec: reading %s: %v", path, err)
	}
	if err := Decode(data, v); err != nil {
		tb.Fatalf("testvec: loading %s: %v", path, err)
	}
}
