package generalize

import (
	"strconv"
	"time"
)

// Unit is a calendar unit that dates are truncated to.
type Unit int

// Units, from the coarsest. The zero value is invalid.
const (
	// UnitInvalid is the zero Unit, rejected everywhere.
	UnitInvalid Unit = iota
	Year
	Quarter
	Month
	Week // ISO 8601 week, starting on Monday
	Day
	Hour
)

var unitNames = [...]string{"invalid", "year", "quarter", "month", "week", "day", "hour"}

// String returns the unit's lower-case name ("month").
func (u Unit) String() string {
	if u < 0 || int(u) >= len(unitNames) {
		return "Unit(" + strconv.Itoa(int(u)) + ")"
	}
	return unitNames[u]
}

// MarshalText encodes the unit by name, for policy files.
func (u Unit) MarshalText() ([]byte, error) {
	if u <= UnitInvalid || int(u) >= len(unitNames) {
		return nil, errorf(ErrInvalidConfig, "unknown date unit %d", int(u))
	}
	return []byte(unitNames[u]), nil
}

// UnmarshalText decodes a unit name ("year" ... "hour").
func (u *Unit) UnmarshalText(b []byte) error {
	for i := Year; int(i) < len(unitNames); i++ {
		if string(b) == unitNames[i] {
			*u = i
			return nil
		}
	}
	return errorf(ErrInvalidConfig, "unknown date unit name of length %d", len(b))
}

// Truncate returns the start of the unit holding t, in t's location: the
// first instant of its year, quarter, month, ISO week, day or hour.
func Truncate(t time.Time, u Unit) (time.Time, error) {
	y, m, d := t.Date()
	loc := t.Location()
	switch u {
	case Year:
		return time.Date(y, time.January, 1, 0, 0, 0, 0, loc), nil
	case Quarter:
		return time.Date(y, m-(m-1)%3, 1, 0, 0, 0, 0, loc), nil
	case Month:
		return time.Date(y, m, 1, 0, 0, 0, 0, loc), nil
	case Week:
		back := (int(t.Weekday()) + 6) % 7 // days since Monday
		return time.Date(y, m, d-back, 0, 0, 0, 0, loc), nil
	case Day:
		return time.Date(y, m, d, 0, 0, 0, 0, loc), nil
	case Hour:
		return time.Date(y, m, d, t.Hour(), 0, 0, 0, loc), nil
	}
	return time.Time{}, errorf(ErrInvalidConfig, "truncate: invalid unit %d", int(u))
}

// AppendLabel appends the label of the unit holding t to dst: "2024",
// "2024-Q3", "2024-07", "2024-W05" (ISO week-numbering year), "2024-07-14",
// "2024-07-14T09". It allocates nothing when dst has room.
func AppendLabel(dst []byte, t time.Time, u Unit) ([]byte, error) {
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return dst, errorf(ErrOutOfRange, "date label: year outside 0..9999")
	}
	switch u {
	case Year:
		return appendPad(dst, y, 4), nil
	case Quarter:
		dst = appendPad(dst, y, 4)
		return append(dst, '-', 'Q', byte('0'+(int(m)-1)/3+1)), nil
	case Month:
		dst = appendPad(dst, y, 4)
		return appendPad(append(dst, '-'), int(m), 2), nil
	case Week:
		wy, w := t.ISOWeek()
		if wy < 0 || wy > 9999 {
			return dst, errorf(ErrOutOfRange, "date label: year outside 0..9999")
		}
		dst = appendPad(dst, wy, 4)
		return appendPad(append(dst, '-', 'W'), w, 2), nil
	case Day, Hour:
		dst = appendPad(dst, y, 4)
		dst = appendPad(append(dst, '-'), int(m), 2)
		dst = appendPad(append(dst, '-'), d, 2)
		if u == Hour {
			dst = appendPad(append(dst, 'T'), t.Hour(), 2)
		}
		return dst, nil
	}
	return dst, errorf(ErrInvalidConfig, "date label: invalid unit %d", int(u))
}

func appendPad(dst []byte, v, width int) []byte {
	var buf [20]byte
	b := strconv.AppendInt(buf[:0], int64(v), 10)
	for i := len(b); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, b...)
}

// Part is a component extracted from a date.
type Part int

// Parts. The zero value is invalid.
const (
	// PartInvalid is the zero Part, rejected everywhere.
	PartInvalid Part = iota
	PartYear
	PartQuarter   // 1..4
	PartMonth     // 1..12
	PartDayOfWeek // ISO: Monday 1 .. Sunday 7
	PartHour      // 0..23
)

var partNames = [...]string{"invalid", "year", "quarter", "month", "day-of-week", "hour"}

// String returns the part's name ("day-of-week").
func (p Part) String() string {
	if p < 0 || int(p) >= len(partNames) {
		return "Part(" + strconv.Itoa(int(p)) + ")"
	}
	return partNames[p]
}

// MarshalText encodes the part by name, for policy files.
func (p Part) MarshalText() ([]byte, error) {
	if p <= PartInvalid || int(p) >= len(partNames) {
		return nil, errorf(ErrInvalidConfig, "unknown date part %d", int(p))
	}
	return []byte(partNames[p]), nil
}

// UnmarshalText decodes a part name.
func (p *Part) UnmarshalText(b []byte) error {
	for i := PartYear; int(i) < len(partNames); i++ {
		if string(b) == partNames[i] {
			*p = i
			return nil
		}
	}
	return errorf(ErrInvalidConfig, "unknown date part name of length %d", len(b))
}

// Extract returns one component of t, in t's location.
func Extract(t time.Time, p Part) (int, error) {
	switch p {
	case PartYear:
		return t.Year(), nil
	case PartQuarter:
		return (int(t.Month())-1)/3 + 1, nil
	case PartMonth:
		return int(t.Month()), nil
	case PartDayOfWeek:
		return (int(t.Weekday())+6)%7 + 1, nil
	case PartHour:
		return t.Hour(), nil
	}
	return 0, errorf(ErrInvalidConfig, "extract: invalid part %d", int(p))
}

// Age returns the completed years between birth and at, comparing calendar
// dates (each in its own location). Someone born on 29 February becomes a
// year older on 1 March in common years. A birth after at is ErrOutOfRange.
func Age(birth, at time.Time) (int, error) {
	by, bm, bd := birth.Date()
	ay, am, ad := at.Date()
	if by > ay || (by == ay && (bm > am || (bm == am && bd > ad))) {
		return 0, errorf(ErrOutOfRange, "age: birth date after reference date")
	}
	age := ay - by
	if am < bm || (am == bm && ad < bd) {
		age--
	}
	return age, nil
}

// AgeBuckets turns birth dates into age-bucket labels at a fixed reference
// date. Bucket allocates nothing. It is immutable and safe for concurrent use.
type AgeBuckets struct {
	at time.Time
	b  Bucketer
}

// NewAgeBuckets computes ages at the reference date at and buckets them with b.
func NewAgeBuckets(at time.Time, b Bucketer) (*AgeBuckets, error) {
	if b == nil {
		return nil, errorf(ErrInvalidConfig, "age buckets: no bucketer")
	}
	if at.IsZero() {
		return nil, errorf(ErrInvalidConfig, "age buckets: zero reference date")
	}
	return &AgeBuckets{at: at, b: b}, nil
}

// Bucket returns the label of the age bucket of someone born at birth.
func (a *AgeBuckets) Bucket(birth time.Time) (string, error) {
	age, err := Age(birth, a.at)
	if err != nil {
		return "", err
	}
	return a.b.Bucket(float64(age))
}
