package vault_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/tokenize/vault"
)

var t0 = time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)

func valid() vault.Record {
	return vault.Record{
		TokenHash:  bytes.Repeat([]byte{1}, 32),
		Ciphertext: []byte("sealed"),
		ValueHash:  bytes.Repeat([]byte{2}, 32),
		CreatedAt:  t0,
		ExpiresAt:  t0.Add(time.Hour),
		Metadata:   map[string]string{"purpose": "billing"},
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(r *vault.Record)
		ok     bool
	}{
		{"valid", func(r *vault.Record) {}, true},
		{"no expiry", func(r *vault.Record) { r.ExpiresAt = time.Time{} }, true},
		{"no value hash", func(r *vault.Record) { r.ValueHash = nil }, true},
		{"convergent", func(r *vault.Record) { r.Convergent = true }, true},
		{"max sizes", func(r *vault.Record) {
			r.TokenHash = make([]byte, vault.MaxHashSize)
			r.ValueHash = make([]byte, vault.MaxHashSize)
			r.Ciphertext = make([]byte, vault.MaxCiphertextSize)
			r.Metadata = map[string]string{"k": strings.Repeat("v", vault.MaxMetadataSize-1)}
		}, true},
		{"empty token hash", func(r *vault.Record) { r.TokenHash = nil }, false},
		{"long token hash", func(r *vault.Record) { r.TokenHash = make([]byte, vault.MaxHashSize+1) }, false},
		{"empty ciphertext", func(r *vault.Record) { r.Ciphertext = nil }, false},
		{"long ciphertext", func(r *vault.Record) { r.Ciphertext = make([]byte, vault.MaxCiphertextSize+1) }, false},
		{"long value hash", func(r *vault.Record) { r.ValueHash = make([]byte, vault.MaxHashSize+1) }, false},
		{"convergent without value hash", func(r *vault.Record) { r.Convergent, r.ValueHash = true, nil }, false},
		{"no created", func(r *vault.Record) { r.CreatedAt = time.Time{} }, false},
		{"created before 1970", func(r *vault.Record) { r.CreatedAt = time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC) }, false},
		{"expires year 10000", func(r *vault.Record) { r.ExpiresAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, false},
		{"expires at creation", func(r *vault.Record) { r.ExpiresAt = r.CreatedAt }, false},
		{"expires before creation", func(r *vault.Record) { r.ExpiresAt = r.CreatedAt.Add(-time.Second) }, false},
		{"empty metadata key", func(r *vault.Record) { r.Metadata = map[string]string{"": "x"} }, false},
		{"invalid UTF-8 key", func(r *vault.Record) { r.Metadata = map[string]string{"\xff": "x"} }, false},
		{"NUL in value", func(r *vault.Record) { r.Metadata = map[string]string{"k": "a\x00b"} }, false},
		{"metadata too big", func(r *vault.Record) {
			r.Metadata = map[string]string{"k": strings.Repeat("v", vault.MaxMetadataSize)}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			tt.modify(&r)
			err := r.Validate()
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, vault.ErrInvalidRecord)
			assert.True(t, strings.HasPrefix(err.Error(), "vault: "), err.Error())
		})
	}
}

func TestExpired(t *testing.T) {
	r := valid()
	assert.False(t, r.Expired(r.ExpiresAt.Add(-time.Nanosecond)))
	assert.True(t, r.Expired(r.ExpiresAt))
	assert.True(t, r.Expired(r.ExpiresAt.Add(time.Nanosecond)))
	r.ExpiresAt = time.Time{}
	assert.False(t, r.Expired(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)))
}

// No verb of fmt, and neither slog nor an error message, shows hashes,
// ciphertext or metadata.
func TestRecordRedacted(t *testing.T) {
	r := valid()
	r.TokenHash = []byte("TOKENHASH-SECRET")
	r.Ciphertext = []byte("CIPHERTEXT-SECRET")
	r.ValueHash = []byte("VALUEHASH-SECRET")
	r.Metadata = map[string]string{"META-KEY-SECRET": "META-VALUE-SECRET"}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		out = append(out, fmt.Sprintf(verb, r), fmt.Sprintf(verb, &r))
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("stored", "rec", r)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("stored", "rec", r)
	out = append(out, logs.String())
	bad := r
	bad.CreatedAt = time.Time{}
	out = append(out, bad.Validate().Error())
	bad = r
	bad.Metadata["k"] = "\xff" + "SECRET"
	out = append(out, bad.Validate().Error())
	for _, s := range out {
		assert.NotContains(t, s, "SECRET")
		assert.NotContains(t, s, fmt.Sprintf("%x", "SECRET"))
	}
	assert.Contains(t, fmt.Sprint(r), "TokenHash:16B")
}

func TestBatchError(t *testing.T) {
	var err error = &vault.BatchError{Index: 3, Err: vault.ErrExists}
	assert.ErrorIs(t, err, vault.ErrExists)
	var be *vault.BatchError
	require.True(t, errors.As(fmt.Errorf("wrapped: %w", err), &be))
	assert.Equal(t, 3, be.Index)
	assert.Equal(t, "vault: batch record 3: vault: record already exists", err.Error())
}

func ExampleRecord_Validate() {
	r := vault.Record{
		TokenHash:  make([]byte, 32),
		Ciphertext: []byte("sealed value"),
		CreatedAt:  time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
		Convergent: true, // but no ValueHash
	}
	err := r.Validate()
	fmt.Println(errors.Is(err, vault.ErrInvalidRecord))
	fmt.Println(err)
	// Output:
	// true
	// vault: invalid record: convergent record without ValueHash
}

func ExampleRecord_Expired() {
	created := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	r := vault.Record{CreatedAt: created, ExpiresAt: created.Add(time.Hour)}
	fmt.Println(r.Expired(created.Add(59 * time.Minute)))
	fmt.Println(r.Expired(created.Add(time.Hour)))
	// Output:
	// false
	// true
}

func ExampleRecord_Format() {
	r := vault.Record{
		TokenHash:  make([]byte, 32),
		Ciphertext: make([]byte, 40),
		CreatedAt:  time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
		Metadata:   map[string]string{"purpose": "billing"},
	}
	fmt.Println(r)
	// Output:
	// vault.Record{TokenHash:32B Ciphertext:40B ValueHash:0B Convergent:false ExpiresAt:never CreatedAt:2030-01-01T00:00:00Z Metadata:1 keys}
}

func ExampleBatchError() {
	var err error = &vault.BatchError{Index: 2, Err: vault.ErrExists}
	var be *vault.BatchError
	if errors.As(err, &be) && errors.Is(err, vault.ErrExists) {
		fmt.Println("record", be.Index, "collides")
	}
	// Output:
	// record 2 collides
}
