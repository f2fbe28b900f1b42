package retention

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidPeriod is returned for a period string that does not follow the
// period grammar (see [ParsePeriod]).
var ErrInvalidPeriod = errors.New("retention: invalid period")

// Limits on a period, so that period arithmetic can never overflow.
const (
	// MaxPeriodYears bounds the calendar part of a period (years and months).
	MaxPeriodYears = 10000
	maxMonths      = MaxPeriodYears * 12
	maxFixedSecs   = int64(MaxPeriodYears) * 366 * 86400
)

// A Period is a retention period: a calendar part (years and months) and a
// fixed part (weeks, days, hours, minutes, seconds). Periods are applied in
// UTC; a month added to a day that the target month lacks ends on that month's
// last day (31 January + 1mo = 28 or 29 February, 29 February + 1y = 28
// February), the usual rule for legal periods.
//
// The zero Period is "unset"; "0s" is a set, empty period. Periods are
// comparable with ==, and encode to and from text ("7y", "1y6mo", "30d").
type Period struct {
	months int32 // years*12 + months
	fixed  int64 // seconds
	set    bool
}

// ParsePeriod parses a period string. The grammar is one or more components
// <n><unit> in this order, each at most once, with no signs, spaces or
// leading zeros:
//
//	y    calendar years        mo   calendar months
//	w    weeks (7 days)        d    days (86,400 s)
//	h    hours                 min  minutes
//	s    seconds
//
// For example "7y", "1y6mo", "30d", "2w3d", "36h", "0s". The unit "m" is
// rejected because it is ambiguous (months or minutes). The calendar part
// may not exceed [MaxPeriodYears], nor may the fixed part.
func ParsePeriod(s string) (Period, error) {
	if s == "" {
		return Period{}, fmt.Errorf("%w: empty string", ErrInvalidPeriod)
	}
	units := [...]string{"y", "mo", "w", "d", "h", "min", "s"}
	var vals [len(units)]int64
	next := 0 // index of the smallest unit still allowed
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return Period{}, fmt.Errorf("%w %q: expected a digit at offset %d", ErrInvalidPeriod, s, len(s)-len(rest))
		}
		if i > 1 && rest[0] == '0' {
			return Period{}, fmt.Errorf("%w %q: leading zero", ErrInvalidPeriod, s)
		}
		if i > 12 {
			return Period{}, fmt.Errorf("%w %q: number too large", ErrInvalidPeriod, s)
		}
		n, err := strconv.ParseInt(rest[:i], 10, 64)
		if err != nil {
			return Period{}, fmt.Errorf("%w %q: bad number", ErrInvalidPeriod, s)
		}
		rest = rest[i:]
		j := 0
		for j < len(rest) && (rest[j] < '0' || rest[j] > '9') {
			j++
		}
		unit := rest[:j]
		rest = rest[j:]
		k := -1
		for u := range units {
			if units[u] == unit {
				k = u
				break
			}
		}
		switch {
		case unit == "":
			return Period{}, fmt.Errorf("%w %q: number without unit", ErrInvalidPeriod, s)
		case unit == "m":
			return Period{}, fmt.Errorf("%w %q: unit \"m\" is ambiguous; use \"mo\" for months or \"min\" for minutes", ErrInvalidPeriod, s)
		case k < 0:
			return Period{}, fmt.Errorf("%w %q: unknown unit %q (want y, mo, w, d, h, min, s)", ErrInvalidPeriod, s, unit)
		case k < next:
			return Period{}, fmt.Errorf("%w %q: unit %q repeated or out of order", ErrInvalidPeriod, s, unit)
		}
		vals[k] = n
		next = k + 1
	}
	months := vals[0]*12 + vals[1]
	if months > maxMonths {
		return Period{}, fmt.Errorf("%w %q: calendar part exceeds %d years", ErrInvalidPeriod, s, MaxPeriodYears)
	}
	// Each value is below 10^12, so these products cannot overflow int64
	// before the bound check: 10^12 * 604800 ≈ 6e17 < 9.2e18, and the sum of
	// five such terms stays below 4e18.
	fixed := vals[2]*7*86400 + vals[3]*86400 + vals[4]*3600 + vals[5]*60 + vals[6]
	if fixed > maxFixedSecs {
		return Period{}, fmt.Errorf("%w %q: fixed part exceeds %d years", ErrInvalidPeriod, s, MaxPeriodYears)
	}
	return Period{months: int32(months), fixed: fixed, set: true}, nil
}

// IsZero reports whether p is unset.
func (p Period) IsZero() bool { return !p.set }

// Months returns the calendar part of p in months (years count 12).
func (p Period) Months() int { return int(p.months) }

// Fixed returns the fixed part of p (weeks, days, hours, minutes, seconds).
func (p Period) Fixed() time.Duration { return time.Duration(p.fixed) * time.Second }

// String returns the canonical form of p, for example "1y6mo" or "30d12h";
// weeks are shown as days and twelve months as a year. An unset period is "".
func (p Period) String() string {
	if !p.set {
		return ""
	}
	var b strings.Builder
	put := func(n int64, unit string) {
		if n != 0 {
			b.WriteString(strconv.FormatInt(n, 10))
			b.WriteString(unit)
		}
	}
	put(int64(p.months/12), "y")
	put(int64(p.months%12), "mo")
	f := p.fixed
	put(f/86400, "d")
	put(f%86400/3600, "h")
	put(f%3600/60, "min")
	put(f%60, "s")
	if b.Len() == 0 {
		return "0s"
	}
	return b.String()
}

// MarshalText encodes p in its canonical form.
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText parses a period strictly with [ParsePeriod]. Empty text
// leaves p unset.
func (p *Period) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*p = Period{}
		return nil
	}
	q, err := ParsePeriod(string(text))
	if err != nil {
		return err
	}
	*p = q
	return nil
}

// AtLeast reports whether p is at least q for every starting time: whether
// start+p >= start+q always holds. It is conservative: when the answer
// depends on the calendar (1y against 366d) it returns false. An unset
// period counts as zero.
func (p Period) AtLeast(q Period) bool {
	if p.months >= q.months && p.fixed >= q.fixed {
		return true
	}
	// k calendar months (clamped to the month's end) last at least
	// 365 days per year and 28 per remaining month, and at most 366 and 31.
	minP := (int64(p.months/12)*365+int64(p.months%12)*28)*86400 + p.fixed
	maxQ := (int64(q.months/12)*366+int64(q.months%12)*31)*86400 + q.fixed
	return minP >= maxQ
}

// AddTo returns t+p, computed in UTC as described on [Period].
func (p Period) AddTo(t time.Time) time.Time {
	return time.Unix(p.addUnix(t.Unix()), int64(t.Nanosecond())).UTC()
}

// Bounds of the instants the evaluator does calendar arithmetic on: about
// ±1,000,000 years around 1970. Beyond them a time saturates, which keeps
// all arithmetic far away from int64 overflow.
const (
	maxEvalSec = 1_000_000 * 366 * 86400
	minEvalSec = -maxEvalSec
)

// addUnix adds p to a Unix time in seconds, saturating at the evaluation
// bounds.
func (p Period) addUnix(s int64) int64 {
	if s >= maxEvalSec {
		return maxEvalSec
	}
	if s < minEvalSec {
		s = minEvalSec
	}
	if p.months != 0 {
		days := floorDiv(s, 86400)
		rem := s - days*86400
		y, m, d := civilFromDays(days)
		t := y*12 + (m - 1) + int64(p.months)
		y2 := floorDiv(t, 12)
		m2 := t - y2*12 + 1
		if dim := daysIn(y2, m2); d > dim {
			d = dim
		}
		s = daysFromCivil(y2, m2, d)*86400 + rem
	}
	return s + p.fixed
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// civilFromDays converts days since 1970-01-01 to a proleptic Gregorian date
// (the well-known era-based algorithm by H. Hinnant).
func civilFromDays(z int64) (y, m, d int64) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// daysFromCivil is the inverse of civilFromDays.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := m + 9
	if m > 2 {
		mp = m - 3
	}
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func daysIn(y, m int64) int64 {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
