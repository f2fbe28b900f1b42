package generalize

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// Date-shift key sizes.
const (
	// MinDateShiftKeySize is the shortest key NewDateShifter accepts.
	MinDateShiftKeySize = 16
	// DateShiftKeySize is the recommended key size.
	DateShiftKeySize = 32
	// MaxShiftDays bounds the shift range (1,000 years), as Google DLP does.
	MaxShiftDays = 365250
)

const dateShiftLabel = "custos/generalize/date-shift/v1\x00"

// DateShifter shifts dates by a whole number of days that depends only on
// the key and the subject: every date of one subject moves by the same
// amount, so intervals within a subject's history are kept, while the shift
// itself looks random to anyone without the key and is unrelated across keys.
//
// The shift is HMAC-SHA256(key, label ‖ subject) mapped without bias onto
// [minDays, maxDays]. A DateShifter holds a secret: it prints as
// "generalize.DateShifter(REDACTED)" through fmt, slog and encoding/json.
// It is immutable and safe for concurrent use.
//
// # Key management
//
// Use a key of DateShiftKeySize random bytes used for nothing else, for
// example derived per purpose from a keyset by the keys package. Rotating the
// key changes every subject's shift: dates shifted under different keys
// cannot be lined up, which is the point, but a dataset must be shifted under
// a single key. The key is copied; zeroing it afterwards is best effort in Go.
type DateShifter struct {
	key      []byte
	min, max int
}

// NewDateShifter returns a shifter with shifts in [minDays, maxDays]
// (inclusive, minDays < maxDays, both within ±MaxShiftDays).
func NewDateShifter(key []byte, minDays, maxDays int) (*DateShifter, error) {
	if len(key) < MinDateShiftKeySize {
		return nil, errorf(ErrInvalidConfig, "date shift: key of %d bytes, need at least %d", len(key), MinDateShiftKeySize)
	}
	if minDays >= maxDays || minDays < -MaxShiftDays || maxDays > MaxShiftDays {
		return nil, errorf(ErrInvalidConfig, "date shift: range must satisfy -%d <= min < max <= %d", MaxShiftDays, MaxShiftDays)
	}
	return &DateShifter{key: append([]byte(nil), key...), min: minDays, max: maxDays}, nil
}

// Days returns the subject's shift in days.
func (s *DateShifter) Days(subjectID string) int {
	span := uint64(s.max - s.min + 1)
	limit := ^uint64(0) - (^uint64(0) % span) // accept v < limit: unbiased v % span
	for counter := byte(0); ; counter++ {
		m := hmac.New(sha256.New, s.key)
		m.Write([]byte(dateShiftLabel))
		m.Write([]byte{counter})
		m.Write([]byte(subjectID))
		var sum [sha256.Size]byte
		mac := m.Sum(sum[:0])
		for i := 0; i+8 <= len(mac); i += 8 {
			if v := binary.BigEndian.Uint64(mac[i:]); v < limit {
				return s.min + int(v%span)
			}
		}
	}
}

// Shift moves t by the subject's shift, in calendar days (time of day and
// location are kept, so across a daylight-saving change the elapsed time
// differs from whole days by the change).
func (s *DateShifter) Shift(subjectID string, t time.Time) time.Time {
	return t.AddDate(0, 0, s.Days(subjectID))
}

const redactedShifter = "generalize.DateShifter(REDACTED)"

// String returns a fixed redacted text.
func (s *DateShifter) String() string { return redactedShifter }

// GoString returns a fixed redacted text.
func (s *DateShifter) GoString() string { return redactedShifter }

// Format writes a fixed redacted text for every verb, %d and %x included.
func (s *DateShifter) Format(f fmt.State, _ rune) { io.WriteString(f, redactedShifter) }

// LogValue keeps the key out of slog output.
func (s *DateShifter) LogValue() slog.Value { return slog.StringValue(redactedShifter) }

// MarshalText keeps the key out of encoders.
func (s *DateShifter) MarshalText() ([]byte, error) { return []byte(redactedShifter), nil }

// MarshalJSON keeps the key out of encoding/json.
func (s *DateShifter) MarshalJSON() ([]byte, error) { return []byte(`"` + redactedShifter + `"`), nil }
