package vault

import (
	"fmt"
	"log/slog"
	"time"
	"unicode/utf8"
)

// A Record is one token mapping as a Store keeps it. Every byte field is
// opaque to the store. A Store copies what it is given and what it returns,
// so neither side can change the other's Record.
type Record struct {
	// TokenHash is the keyed hash of the token, 1 to MaxHashSize bytes. It is
	// the record's key.
	TokenHash []byte

	// Ciphertext is the encrypted value, 1 to MaxCiphertextSize bytes.
	Ciphertext []byte

	// ValueHash is the keyed hash of the value, up to MaxHashSize bytes, or
	// empty. It is what DeleteByValue and GetByValue look up.
	ValueHash []byte

	// Convergent makes the record unique by ValueHash among convergent
	// records. It needs a ValueHash.
	Convergent bool

	// ExpiresAt is when the token stops being valid; zero means never. If set
	// it must be after CreatedAt.
	ExpiresAt time.Time

	// CreatedAt is when the tokenizer created the record, by its clock; it
	// must be set. PutConvergent also uses it as "now" to decide whether an
	// existing convergent record has expired.
	CreatedAt time.Time

	// Metadata is free-form data about the token, kept in clear: never put a
	// value or anything derived from it here. Keys are non-empty; keys and
	// values are valid UTF-8 without NUL bytes, and together at most
	// MaxMetadataSize bytes.
	Metadata map[string]string
}

// Validate reports whether r can be stored. The error wraps
// ErrInvalidRecord and names the field at fault, never its content.
func (r Record) Validate() error {
	switch {
	case len(r.TokenHash) == 0 || len(r.TokenHash) > MaxHashSize:
		return fmt.Errorf("%w: TokenHash length %d not in 1..%d", ErrInvalidRecord, len(r.TokenHash), MaxHashSize)
	case len(r.Ciphertext) == 0 || len(r.Ciphertext) > MaxCiphertextSize:
		return fmt.Errorf("%w: Ciphertext length %d not in 1..%d", ErrInvalidRecord, len(r.Ciphertext), MaxCiphertextSize)
	case len(r.ValueHash) > MaxHashSize:
		return fmt.Errorf("%w: ValueHash length %d exceeds %d", ErrInvalidRecord, len(r.ValueHash), MaxHashSize)
	case r.Convergent && len(r.ValueHash) == 0:
		return fmt.Errorf("%w: convergent record without ValueHash", ErrInvalidRecord)
	case r.CreatedAt.IsZero():
		return fmt.Errorf("%w: CreatedAt not set", ErrInvalidRecord)
	case r.CreatedAt.Before(timeMin) || r.CreatedAt.After(timeMax):
		return fmt.Errorf("%w: CreatedAt outside years 1970..9999", ErrInvalidRecord)
	case !r.ExpiresAt.IsZero() && r.ExpiresAt.After(timeMax):
		return fmt.Errorf("%w: ExpiresAt after year 9999", ErrInvalidRecord)
	case !r.ExpiresAt.IsZero() && !r.ExpiresAt.After(r.CreatedAt):
		return fmt.Errorf("%w: ExpiresAt not after CreatedAt", ErrInvalidRecord)
	}
	size := 0
	for k, v := range r.Metadata {
		if k == "" {
			return fmt.Errorf("%w: empty Metadata key", ErrInvalidRecord)
		}
		if !cleanText(k) {
			return fmt.Errorf("%w: Metadata key of length %d is not UTF-8 without NUL", ErrInvalidRecord, len(k))
		}
		if !cleanText(v) {
			return fmt.Errorf("%w: Metadata value of key of length %d is not UTF-8 without NUL", ErrInvalidRecord, len(k))
		}
		size += len(k) + len(v)
	}
	if size > MaxMetadataSize {
		return fmt.Errorf("%w: Metadata size %d exceeds %d", ErrInvalidRecord, size, MaxMetadataSize)
	}
	return nil
}

// cleanText reports whether s is valid UTF-8 without NUL bytes, which every
// backend (PostgreSQL's jsonb included) keeps unchanged.
func cleanText(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return false
		}
	}
	return utf8.ValidString(s)
}

// Expired reports whether the record has expired at now: whether ExpiresAt is
// set and at or before now.
func (r Record) Expired(now time.Time) bool {
	return !r.ExpiresAt.IsZero() && !now.Before(r.ExpiresAt)
}

// Format prints a summary of r that shows sizes, flags and times but no
// hash, ciphertext or metadata content, whatever the verb.
func (r Record) Format(f fmt.State, verb rune) {
	fmt.Fprint(f, r.summary())
}

// LogValue returns the same summary as Format, for log/slog.
func (r Record) LogValue() slog.Value {
	return slog.StringValue(r.summary())
}

func (r Record) summary() string {
	exp := "never"
	if !r.ExpiresAt.IsZero() {
		exp = r.ExpiresAt.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("vault.Record{TokenHash:%dB Ciphertext:%dB ValueHash:%dB Convergent:%t ExpiresAt:%s CreatedAt:%s Metadata:%d keys}",
		len(r.TokenHash), len(r.Ciphertext), len(r.ValueHash), r.Convergent, exp,
		r.CreatedAt.UTC().Format(time.RFC3339Nano), len(r.Metadata))
}
