package mask

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	assert.Equal(t, []string{"credential", "email", "full", "iban", "ip", "last4", "name", "national_id",
		"pan", "pan_bin6", "pan_bin8", "phone", "redact", "ssn", "url"}, r.Names())

	rule, err := r.Lookup("pan_bin6")
	require.NoError(t, err)
	assert.Equal(t, "4242 42** **** 4242", rule.Mask("4242 4242 4242 4242"))

	_, err = r.Lookup("nope")
	assert.ErrorIs(t, err, ErrUnknownRule)

	require.NoError(t, r.Register("card_fixed", Partial{KeepLast: 4, FixedLength: 12}))
	rule, err = r.Lookup("card_fixed")
	require.NoError(t, err)
	assert.Equal(t, "********4242", rule.Mask("4242424242424242"))

	tests := []struct {
		name string
		rule Rule
	}{
		{"", Redact("")},
		{"has space", Redact("")},
		{"has,comma", Redact("")},
		{strings.Repeat("a", 65), Redact("")},
		{"nil_rule", nil},
		{"bad_partial", Partial{KeepFirst: -1}},
		{"bad_pan", PANRule{BIN: 7}},
		{"bad_ip", IPRule{V4Bits: 32}},
		{"pan", PANRule{BIN: 8}}, // taken: built-ins are never replaced
		{"card_fixed", Redact("")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorIs(t, r.Register(tt.name, tt.rule), ErrInvalidRule)
		})
	}
	rule, _ = r.Lookup("pan")
	assert.Equal(t, PANRule{}, rule, "a failed Register leaves the old rule")

	var empty Registry
	assert.Empty(t, empty.Names())
	require.NoError(t, empty.Register("x", Redact("")))
	assert.Equal(t, []string{"x"}, empty.Names())
}

type hammered struct {
	Name   string            `mask:"name"`
	Email  string            `mask:"email"`
	Card   string            `mask:"pan"`
	Phones []string          `mask:"phone"`
	Notes  map[string]string `mask:"full"`
	Next   *hammered
}

// TestConcurrentMatchesSequential hammers one Masker, one AttrMasker and the
// presets from many goroutines and checks every result against the result
// of a single goroutine. A masker that shares scratch state between calls
// returns other callers' data, or plaintext, under this test.
func TestConcurrentMatchesSequential(t *testing.T) {
	m := NewMasker(nil)
	am := newTestAttrMasker(t)
	const distinct = 64
	inputs := make([]hammered, distinct)
	want := make([]hammered, distinct)
	wantLog := make([]string, distinct)
	logLine := func(i int) string {
		var buf bytes.Buffer
		l := slog.New(am.Handler(slog.NewJSONHandler(&buf, nil)))
		l.Info("x", "email", inputs[i].Email, "card", inputs[i].Card, "c", inputs[i])
		// Drop the time, which differs between calls.
		var rec map[string]any
		if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
			return "bad json: " + err.Error()
		}
		delete(rec, "time")
		out, _ := json.Marshal(rec)
		return string(out)
	}
	for i := range inputs {
		inputs[i] = hammered{
			Name:   fmt.Sprintf("Person%c Number%d", 'A'+i%26, i),
			Email:  fmt.Sprintf("user%03d@example%d.com", i, i),
			Card:   fmt.Sprintf("4000 %04d %04d %04d", i, i*7, i*13),
			Phones: []string{fmt.Sprintf("+1 415 555 %04d", i)},
			Notes:  map[string]string{"n": fmt.Sprintf("note %d", i)},
			Next:   &hammered{Email: fmt.Sprintf("next%d@example.org", i)},
		}
		got, err := StructWith(m, inputs[i])
		require.NoError(t, err)
		want[i] = got
		wantLog[i] = logLine(i)
	}
	presets := []func(string) string{Email, PAN, Name, Phone, URL, Credential}
	presetIn := func(k, i int) string {
		in := inputs[i]
		return []string{in.Email, in.Card, in.Name, in.Phones[0], "https://u:" + in.Name[:7] + "@h/?q=" + in.Email, in.Email}[k]
	}
	presetWant := make([][]string, distinct)
	for i := range inputs {
		for k, p := range presets {
			presetWant[i] = append(presetWant[i], p(presetIn(k, i)))
			require.NotEqual(t, presetIn(k, i), presetWant[i][k])
			require.NotEqual(t, "****", presetWant[i][k], "inputs parse")
		}
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(failures) < 10 {
			failures = append(failures, fmt.Sprintf(format, args...))
		}
	}
	iterations := 300
	if testing.Short() {
		iterations = 50
	}
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range iterations {
				i := (g*31 + it) % distinct
				got, err := StructWith(m, inputs[i])
				if err != nil {
					fail("error: %v", err)
					return
				}
				if got.Name != want[i].Name || got.Email != want[i].Email || got.Card != want[i].Card ||
					got.Phones[0] != want[i].Phones[0] || got.Notes["n"] != want[i].Notes["n"] ||
					got.Next.Email != want[i].Next.Email {
					fail("goroutine %d: input %d: got %+v, want %+v", g, i, got, want[i])
				}
				if got.Email == inputs[i].Email || got.Card == inputs[i].Card || got.Next.Email == inputs[i].Next.Email {
					fail("plaintext returned for input %d", i)
				}
				for k, p := range presets {
					if got := p(presetIn(k, i)); got != presetWant[i][k] {
						fail("preset %d on input %d: got %q, want %q", k, i, got, presetWant[i][k])
					}
				}
				if it%10 == 0 {
					if l := logLine(i); l != wantLog[i] {
						fail("log %d: got %s, want %s", i, l, wantLog[i])
					}
				}
			}
		}()
	}
	wg.Wait()
	assert.Empty(t, failures)
	for i := range inputs {
		assert.True(t, strings.HasPrefix(inputs[i].Email, "user"), "inputs never modified")
		assert.True(t, utf8.ValidString(want[i].Name))
	}
}
