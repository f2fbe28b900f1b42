package generalize

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/testvec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type dlpVector struct {
	Transformation string          `json:"transformation"`
	Input          json.RawMessage `json:"input"`
	Params         json.RawMessage `json:"params"`
	Expected       json.RawMessage `json:"expected"`
	Note           string          `json:"note"`
	Source         string          `json:"source"`
}

func TestDLPBucketingVectors(t *testing.T) {
	var vs []dlpVector
	testvec.Load(t, filepath.Join("testdata", "google-dlp-examples.json"), &vs)
	fixed, scenario := 0, 0
	for _, v := range vs {
		switch v.Transformation {
		case "fixed_size_bucketing":
			var p struct {
				Lower float64 `json:"lower_bound"`
				Upper float64 `json:"upper_bound"`
				Size  float64 `json:"bucket_size"`
			}
			require.NoError(t, json.Unmarshal(v.Params, &p))
			// DLP writes the bottom cap as "-10"; ours defaults to "<10".
			b, err := NewFixedBuckets(FixedBucketsConfig{Lower: p.Lower, Upper: p.Upper, Width: p.Size, BelowLabel: "-10"})
			require.NoError(t, err)
			var want string
			require.NoError(t, json.Unmarshal(v.Expected, &want))
			var input string
			require.NoError(t, json.Unmarshal(v.Input, &input))
			probe := map[string]float64{"values < 10": 3, "values in [10,20)": 15, "values > 89": 95}[input]
			got, err := b.Bucket(probe)
			require.NoError(t, err)
			assert.Equal(t, want, got, input)
			if strings.HasPrefix(v.Note, "full bucket list documented: ") {
				list := strings.TrimPrefix(v.Note, "full bucket list documented: ")
				list = list[:strings.Index(list, " (")]
				list = strings.TrimSuffix(list, ".")
				assert.Equal(t, strings.Split(list, ", "), b.Labels())
			}
			fixed++
		case "bucketing":
			var in []float64
			var want []string
			require.NoError(t, json.Unmarshal(v.Input, &in))
			require.NoError(t, json.Unmarshal(v.Expected, &want))
			// "0 to 25 Low, 26-75 Medium, 76-100 High" over integer scores.
			b, err := ParseBuckets("[0,26) Low; [26,76) Medium; [76,101) High")
			require.NoError(t, err)
			for i, x := range in {
				got, err := b.Bucket(x)
				require.NoError(t, err)
				assert.Equal(t, want[i], got, "score %v", x)
			}
			scenario++
		}
	}
	assert.Equal(t, 3, fixed)
	assert.Equal(t, 1, scenario)
}

func TestFixedBuckets(t *testing.T) {
	b, err := NewFixedBuckets(FixedBucketsConfig{Lower: 10, Upper: 90, Width: 10})
	require.NoError(t, err)
	assert.Equal(t, []string{"<10", "10-20", "20-30", "30-40", "40-50", "50-60", "60-70", "70-80", "80-90", "90+"}, b.Labels())
	tests := []struct {
		name string
		x    float64
		want string
	}{
		{"far below", -1e300, "<10"},
		{"minus infinity", math.Inf(-1), "<10"},
		{"just below", 9.999999, "<10"},
		{"lower edge", 10, "10-20"},
		{"inside", 19.999, "10-20"},
		{"edge", 20, "20-30"},
		{"last", 89.99, "80-90"},
		{"upper edge", 90, "90+"},
		{"plus infinity", math.Inf(1), "90+"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := b.Bucket(tc.x)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	_, err = b.Bucket(math.NaN())
	assert.ErrorIs(t, err, ErrOutOfRange)

	tenths, err := NewFixedBuckets(FixedBucketsConfig{Lower: 0, Upper: 1, Width: 0.1, BelowLabel: "neg", AboveLabel: "one+"})
	require.NoError(t, err)
	assert.Equal(t, []string{"neg", "0-0.1", "0.1-0.2", "0.2-0.3", "0.3-0.4", "0.4-0.5", "0.5-0.6", "0.6-0.7", "0.7-0.8", "0.8-0.9", "0.9-1", "one+"}, tenths.Labels())
	for _, x := range []float64{0.3, 0.7, 0.1 + 0.2} {
		got, err := tenths.Bucket(x)
		require.NoError(t, err)
		lo, _, _ := strings.Cut(got, "-")
		assert.LessOrEqual(t, mustFloat(t, lo), x, "%v in %s", x, got)
	}
	// Uneven last bucket.
	u, err := NewFixedBuckets(FixedBucketsConfig{Lower: 0, Upper: 25, Width: 10})
	require.NoError(t, err)
	assert.Equal(t, []string{"<0", "0-10", "10-20", "20-25", "25+"}, u.Labels())

	for _, cfg := range []FixedBucketsConfig{
		{Lower: 0, Upper: 10, Width: 0},
		{Lower: 0, Upper: 10, Width: -1},
		{Lower: 10, Upper: 10, Width: 1},
		{Lower: 0, Upper: math.Inf(1), Width: 1},
		{Lower: 0, Upper: 1e9, Width: 1e-3},
		{Lower: math.NaN(), Upper: 1, Width: 1},
		{},
	} {
		_, err := NewFixedBuckets(cfg)
		assert.ErrorIs(t, err, ErrInvalidConfig, "%+v", cfg)
	}
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	var v float64
	_, err := fmt.Sscan(s, &v)
	require.NoError(t, err)
	return v
}

func TestBuckets(t *testing.T) {
	b, err := ParseBuckets("[,18) minor; [18,65) adult; [70,) senior")
	require.NoError(t, err)
	tests := []struct {
		x    float64
		want string
		err  error
	}{
		{-5, "minor", nil}, {17.99, "minor", nil}, {18, "adult", nil}, {64.5, "adult", nil},
		{65, "", ErrOutOfRange}, {69.9, "", ErrOutOfRange}, {70, "senior", nil}, {1e12, "senior", nil},
		{math.NaN(), "", ErrOutOfRange},
	}
	for _, tc := range tests {
		got, err := b.Bucket(tc.x)
		if tc.err != nil {
			assert.ErrorIs(t, err, tc.err, "%v", tc.x)
			assert.Empty(t, got)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, "%v", tc.x)
	}
	assert.Equal(t, []string{"minor", "adult", "senior"}, b.Labels())

	bad := []string{
		"", "[0,1)", "0,1) a", "[0,1 a", "[0;1) a", "[0,1,2) a", "[x,1) a", "[0,y) a",
		"[1,0) a", "[0,5) a; [4,8) b", "[5,8) a; [0,4) b", "[0,1) a; [1,2)", "[NaN,1) a", "[0,Inf) a",
	}
	for _, spec := range bad {
		_, err := ParseBuckets(spec)
		assert.ErrorIs(t, err, ErrInvalidConfig, "%q", spec)
		var pe *ParseError
		assert.ErrorAs(t, err, &pe, "%q", spec)
	}
	_, err = NewBuckets(nil)
	assert.ErrorIs(t, err, ErrInvalidConfig)
}

func TestTopBottomAndRound(t *testing.T) {
	tests := []struct {
		name           string
		x, bottom, top float64
		want           float64
	}{
		{"top coded", 97, 0, 90, 90},
		{"bottom coded", -3, 0, 90, 0},
		{"unchanged inside", 45.5, 0, 90, 45.5},
		{"top only", -1e9, math.Inf(-1), 90, -1e9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := TopBottomCode(tc.x, tc.bottom, tc.top)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := TopBottomCode(1, 5, 4)
	assert.ErrorIs(t, err, ErrInvalidConfig)
	_, err = TopBottomCode(math.NaN(), 0, 1)
	assert.ErrorIs(t, err, ErrOutOfRange)

	rounds := []struct{ x, base, want float64 }{
		{1234, 100, 1200}, {1250, 100, 1300}, {-1250, 100, -1300}, {7.3, 5, 5}, {7.5, 5, 10}, {0.26, 0.25, 0.25},
	}
	for _, r := range rounds {
		got, err := RoundTo(r.x, r.base)
		require.NoError(t, err)
		assert.InDelta(t, r.want, got, 1e-12, "%v to %v", r.x, r.base)
	}
	for _, base := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		_, err := RoundTo(1, base)
		assert.ErrorIs(t, err, ErrInvalidConfig)
	}
	_, err = RoundTo(math.Inf(1), 10)
	assert.ErrorIs(t, err, ErrOutOfRange)
	_, err = RoundTo(math.MaxFloat64, 1e-300)
	assert.ErrorIs(t, err, ErrOutOfRange)
}

func TestDates(t *testing.T) {
	at := time.Date(2024, time.August, 15, 13, 45, 12, 999, time.UTC) // a Thursday
	truncs := []struct {
		u    Unit
		want time.Time
		lbl  string
	}{
		{Year, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), "2024"},
		{Quarter, time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC), "2024-Q3"},
		{Month, time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC), "2024-08"},
		{Week, time.Date(2024, 8, 12, 0, 0, 0, 0, time.UTC), "2024-W33"},
		{Day, time.Date(2024, 8, 15, 0, 0, 0, 0, time.UTC), "2024-08-15"},
		{Hour, time.Date(2024, 8, 15, 13, 0, 0, 0, time.UTC), "2024-08-15T13"},
	}
	for _, tc := range truncs {
		t.Run(tc.u.String(), func(t *testing.T) {
			got, err := Truncate(at, tc.u)
			require.NoError(t, err)
			assert.True(t, tc.want.Equal(got), "%v", got)
			lbl, err := AppendLabel(nil, at, tc.u)
			require.NoError(t, err)
			assert.Equal(t, tc.lbl, string(lbl))
		})
	}
	// ISO week across a year boundary: Saturday 2 January 2021 is in week 53
	// of 2020, which began on Monday 28 December 2020.
	jan2 := time.Date(2021, 1, 2, 10, 0, 0, 0, time.UTC)
	wk, err := Truncate(jan2, Week)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2020, 12, 28, 0, 0, 0, 0, time.UTC), wk)
	lbl, err := AppendLabel([]byte("x="), jan2, Week)
	require.NoError(t, err)
	assert.Equal(t, "x=2020-W53", string(lbl))
	// Truncation keeps the location.
	ny, err := time.LoadLocation("America/New_York")
	if err == nil {
		d, err := Truncate(time.Date(2024, 3, 10, 15, 0, 0, 0, ny), Day)
		require.NoError(t, err)
		assert.Equal(t, time.Date(2024, 3, 10, 0, 0, 0, 0, ny), d)
	}
	_, err = Truncate(at, UnitInvalid)
	assert.ErrorIs(t, err, ErrInvalidConfig)
	_, err = AppendLabel(nil, at, Unit(42))
	assert.ErrorIs(t, err, ErrInvalidConfig)
	_, err = AppendLabel(nil, time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC), Year)
	assert.ErrorIs(t, err, ErrOutOfRange)

	parts := []struct {
		p    Part
		want int
	}{{PartYear, 2024}, {PartQuarter, 3}, {PartMonth, 8}, {PartDayOfWeek, 4}, {PartHour, 13}}
	for _, tc := range parts {
		got, err := Extract(at, tc.p)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, tc.p.String())
	}
	sunday, err := Extract(time.Date(2024, 8, 18, 0, 0, 0, 0, time.UTC), PartDayOfWeek)
	require.NoError(t, err)
	assert.Equal(t, 7, sunday)
	_, err = Extract(at, PartInvalid)
	assert.ErrorIs(t, err, ErrInvalidConfig)
}

func TestAge(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 12, 0, 0, 0, time.UTC) }
	tests := []struct {
		name      string
		birth, at time.Time
		want      int
	}{
		{"day before birthday", d(1980, 6, 15), d(2024, 6, 14), 43},
		{"on birthday", d(1980, 6, 15), d(2024, 6, 15), 44},
		{"leap day, common year 28 Feb", d(2000, 2, 29), d(2001, 2, 28), 0},
		{"leap day, common year 1 Mar", d(2000, 2, 29), d(2001, 3, 1), 1},
		{"leap day, leap year", d(2000, 2, 29), d(2004, 2, 29), 4},
		{"same day", d(2024, 1, 1), d(2024, 1, 1), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Age(tc.birth, tc.at)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := Age(d(2024, 1, 2), d(2024, 1, 1))
	assert.ErrorIs(t, err, ErrOutOfRange)

	fb, err := NewFixedBuckets(FixedBucketsConfig{Lower: 18, Upper: 90, Width: 10})
	require.NoError(t, err)
	ab, err := NewAgeBuckets(d(2024, 6, 14), fb)
	require.NoError(t, err)
	got, err := ab.Bucket(d(1980, 6, 15))
	require.NoError(t, err)
	assert.Equal(t, "38-48", got)
	got, err = ab.Bucket(d(1920, 1, 1))
	require.NoError(t, err)
	assert.Equal(t, "90+", got)
	_, err = ab.Bucket(d(2025, 1, 1))
	assert.ErrorIs(t, err, ErrOutOfRange)
	_, err = NewAgeBuckets(time.Time{}, fb)
	assert.ErrorIs(t, err, ErrInvalidConfig)
	_, err = NewAgeBuckets(d(2024, 1, 1), nil)
	assert.ErrorIs(t, err, ErrInvalidConfig)
}

func TestEnumsText(t *testing.T) {
	type enum interface {
		String() string
		MarshalText() ([]byte, error)
	}
	tests := []struct {
		v    enum
		want string
		back func([]byte) (any, error)
	}{
		{Year, "year", func(b []byte) (any, error) { var u Unit; return u, u.UnmarshalText(b) }},
		{Hour, "hour", func(b []byte) (any, error) { var u Unit; err := u.UnmarshalText(b); return u, err }},
		{PartDayOfWeek, "day-of-week", func(b []byte) (any, error) { var p Part; err := p.UnmarshalText(b); return p, err }},
		{QuasiIdentifier, "quasi-identifier", func(b []byte) (any, error) { var r Role; err := r.UnmarshalText(b); return r, err }},
		{Categorical, "categorical", func(b []byte) (any, error) { var k Kind; err := k.UnmarshalText(b); return k, err }},
		{RecursiveL, "recursive", func(b []byte) (any, error) { var v LVariant; err := v.UnmarshalText(b); return v, err }},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.v.String())
		b, err := tc.v.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, tc.want, string(b))
	}
	var r Role
	assert.ErrorIs(t, r.UnmarshalText([]byte("quasi")), ErrInvalidConfig)
	_, err := RoleInvalid.MarshalText()
	assert.ErrorIs(t, err, ErrInvalidConfig)
	assert.Equal(t, "invalid", KindInvalid.String())
	assert.Equal(t, "Role(9)", Role(9).String())
	assert.Equal(t, "Unit(-1)", Unit(-1).String())

	// A policy file fills the config structs.
	var cfg Config
	require.NoError(t, json.Unmarshal([]byte(`{
		"columns": [
			{"name": "email", "role": "identifier"},
			{"name": "age", "role": "quasi-identifier", "kind": "numeric"},
			{"name": "born", "role": "quasi-identifier", "kind": "date", "layout": "2006-01-02"},
			{"name": "job", "role": "quasi-identifier", "kind": "categorical", "hierarchy": "jobs"},
			{"name": "diagnosis", "role": "sensitive"}
		],
		"k": 5, "suppression_limit": 0.02,
		"l_diversity": {"variant": "recursive", "l": 3, "c": 2},
		"t_closeness": {"t": 0.3}
	}`), &cfg))
	assert.Equal(t, Column{Name: "job", Role: QuasiIdentifier, Kind: Categorical, Hierarchy: "jobs"}, cfg.Columns[3])
	assert.Equal(t, &LDiversity{Variant: RecursiveL, L: 3, C: 2}, cfg.LDiversity)
	assert.Equal(t, 5, cfg.K)
	assert.Error(t, json.Unmarshal([]byte(`{"columns":[{"name":"a","role":"quasi"}]}`), &cfg))
}

func TestDateShifterKnownAnswers(t *testing.T) {
	// Expected values computed independently with Python's hmac/hashlib:
	// HMAC-SHA256(key, "custos/generalize/date-shift/v1\x00" || 0x00 || subject),
	// first 8 bytes big-endian, mod span, plus min.
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	tests := []struct {
		subject  string
		min, max int
		want     int
	}{
		{"patient-0001", -365, 365, -195},
		{"patient-0002", -365, 365, -171},
		{"", -5, 3, 0},
		{"Zoë", -30, 30, 12},
	}
	for _, tc := range tests {
		s, err := NewDateShifter(key, tc.min, tc.max)
		require.NoError(t, err)
		assert.Equal(t, tc.want, s.Days(tc.subject), tc.subject)
	}
}

func TestDateShifterProperties(t *testing.T) {
	key1 := bytes.Repeat([]byte{1}, 32)
	key2 := bytes.Repeat([]byte{2}, 32)
	s1, err := NewDateShifter(key1, -365, 365)
	require.NoError(t, err)
	s1again, err := NewDateShifter(key1, -365, 365)
	require.NoError(t, err)
	s2, err := NewDateShifter(key2, -365, 365)
	require.NoError(t, err)

	t.Run("same subject same shift, intervals kept", func(t *testing.T) {
		history := []time.Time{
			time.Date(2019, 3, 1, 8, 30, 0, 0, time.UTC),
			time.Date(2019, 3, 15, 17, 0, 0, 0, time.UTC),
			time.Date(2023, 12, 31, 23, 59, 59, 0, time.UTC),
		}
		for i := 0; i < 200; i++ {
			id := fmt.Sprintf("subject-%d", i)
			assert.Equal(t, s1.Days(id), s1again.Days(id))
			shifted := make([]time.Time, len(history))
			for j, h := range history {
				shifted[j] = s1.Shift(id, h)
				assert.Equal(t, time.Duration(s1.Days(id))*24*time.Hour, shifted[j].Sub(h))
			}
			for a := range history {
				for b := range history {
					assert.Equal(t, history[b].Sub(history[a]), shifted[b].Sub(shifted[a]))
				}
			}
		}
	})
	t.Run("calendar days kept across daylight saving", func(t *testing.T) {
		ny, err := time.LoadLocation("America/New_York")
		if err != nil {
			t.Skip("no tz database")
		}
		a := time.Date(2024, 3, 1, 9, 0, 0, 0, ny)
		b := time.Date(2024, 3, 20, 9, 0, 0, 0, ny)
		for i := 0; i < 50; i++ {
			id := fmt.Sprintf("s%d", i)
			sa, sb := s1.Shift(id, a), s1.Shift(id, b)
			assert.Equal(t, 9, sa.Hour())
			assert.Equal(t, 19, int(math.Round(sb.Sub(sa).Hours()/24)))
		}
	})
	t.Run("range covered, unrelated across keys", func(t *testing.T) {
		const n = 20000
		same := 0
		var sx, sy, sxx, syy, sxy float64
		lo, hi := 0, 0
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("subject-%d", i)
			x, y := s1.Days(id), s2.Days(id)
			require.GreaterOrEqual(t, x, -365)
			require.LessOrEqual(t, x, 365)
			lo, hi = min(lo, x), max(hi, x)
			if x == y {
				same++
			}
			fx, fy := float64(x), float64(y)
			sx, sy, sxx, syy, sxy = sx+fx, sy+fy, sxx+fx*fx, syy+fy*fy, sxy+fx*fy
		}
		corr := (n*sxy - sx*sy) / math.Sqrt((n*sxx-sx*sx)*(n*syy-sy*sy))
		assert.Less(t, math.Abs(corr), 0.05, "correlation of shifts under two keys")
		assert.Less(t, same, 80, "equal shifts under two keys (expected about 27)")
		assert.Less(t, lo, -355)
		assert.Greater(t, hi, 355)
		assert.InDelta(t, 0, sx/n, 10, "mean shift")
	})
	t.Run("small range uniform", func(t *testing.T) {
		s, err := NewDateShifter(key1, -5, 3)
		require.NoError(t, err)
		counts := map[int]int{}
		for i := 0; i < 9000; i++ {
			counts[s.Days(fmt.Sprint(i))]++
		}
		require.Len(t, counts, 9)
		chi := 0.0
		for d := -5; d <= 3; d++ {
			diff := float64(counts[d] - 1000)
			chi += diff * diff / 1000
		}
		assert.Less(t, chi, 30.0, "chi-square with 8 degrees of freedom") // p ≈ 0.0002
	})
	t.Run("bad parameters", func(t *testing.T) {
		_, err := NewDateShifter(make([]byte, 15), -1, 1)
		assert.ErrorIs(t, err, ErrInvalidConfig)
		_, err = NewDateShifter(key1, 3, 3)
		assert.ErrorIs(t, err, ErrInvalidConfig)
		_, err = NewDateShifter(key1, -MaxShiftDays-1, 0)
		assert.ErrorIs(t, err, ErrInvalidConfig)
	})
	t.Run("key copied", func(t *testing.T) {
		k := bytes.Repeat([]byte{7}, 32)
		s, err := NewDateShifter(k, -100, 100)
		require.NoError(t, err)
		before := s.Days("x")
		k[0] ^= 0xff
		assert.Equal(t, before, s.Days("x"))
	})
}

func TestDateShifterRedacted(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	s, err := NewDateShifter(key, -10, 10)
	require.NoError(t, err)
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		outs = append(outs, fmt.Sprintf(verb, s))
	}
	wrapped := struct{ S *DateShifter }{s}
	outs = append(outs, fmt.Sprintf("%+v", wrapped), fmt.Sprintf("%#v", wrapped))
	js, err := json.Marshal(wrapped)
	require.NoError(t, err)
	outs = append(outs, string(js))
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("shifter", "s", s)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("shifter", "s", s)
	outs = append(outs, buf.String())
	for _, o := range outs {
		assert.Contains(t, o, "REDACTED")
		assert.NotContains(t, o, "0123456789abcdef")
		assert.NotContains(t, o, "3031323334") // hex of the key
		assert.NotContains(t, o, "48 49 50")   // decimal bytes of the key
	}
}

func TestDateShifterConcurrent(t *testing.T) {
	s, err := NewDateShifter(bytes.Repeat([]byte{9}, 32), -1000, 1000)
	require.NoError(t, err)
	want := make([]int, 500)
	for i := range want {
		want[i] = s.Days(fmt.Sprint(i))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range want {
				if got := s.Days(fmt.Sprint(i)); got != want[i] {
					errs <- fmt.Sprint(i)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	assert.Empty(t, errs)
}

func TestPostal(t *testing.T) {
	// HIPAA Safe Harbor: the 17 three-digit ZIP areas that held 20,000
	// people or fewer in the 2000 Census (HHS de-identification guidance)
	// become "000". The populations here are placeholders on the right side
	// of the threshold; real ones come from the Census.
	restricted := []string{"036", "059", "063", "102", "203", "556", "692", "790", "821", "823", "830", "831", "878", "879", "884", "890", "893"}
	pop := map[string]int64{"021": 1_000_000, "100": 1_500_000, "941": 800_000, "555": 20_001}
	for _, z := range restricted {
		pop[z] = 20_000
	}
	g, err := NewPostalGeneralizer(map[string]PostalRule{
		"us": {Keep: 3, MinPopulation: 20_001, Population: pop},
		"GB": {Keep: 2},
		"FR": {Keep: 2, Suppressed: "XX", MinPopulation: 1, Population: map[string]int64{"75": 2_000_000}},
	})
	require.NoError(t, err)
	tests := []struct {
		name, country, code, want string
		err                       error
	}{
		{"kept", "US", "02139", "021", nil},
		{"zip+4", "US", "02139-4307", "021", nil},
		{"lower-case country", "us", "10001", "100", nil},
		{"just above threshold", "US", "55501", "555", nil},
		{"restricted", "US", "03601", "000", nil},
		{"restricted 893", "US", "89301", "000", nil},
		{"not in table", "US", "99999", "000", nil},
		{"UK outward code", "GB", "sw1a 1aa", "SW", nil},
		{"custom suppressed label", "FR", "13001", "XX", nil},
		{"FR kept", "FR", "75011", "75", nil},
		{"too short", "US", "02", "", ErrUnparsable},
		{"empty", "US", "", "", ErrUnparsable},
		{"bad char", "US", "021;9", "", ErrUnparsable},
		{"space in prefix", "US", "0 139", "", ErrUnparsable},
		{"unknown country", "DE", "10115", "", ErrUnknownCountry},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := g.Generalize(tc.country, tc.code)
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
				assert.Empty(t, got)
				if err != nil && tc.code != "" {
					assert.NotContains(t, err.Error(), tc.code)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	for _, z := range restricted {
		got, err := g.Generalize("US", z+"00")
		require.NoError(t, err)
		assert.Equal(t, "000", got, z)
	}
	bad := []map[string]PostalRule{
		nil,
		{"": {Keep: 3}},
		{"US": {Keep: -1}},
		{"US": {Keep: 3, MinPopulation: 10, Population: map[string]int64{"02": 5}}},
		{"US": {Keep: 3, MinPopulation: -1}},
		{"US": {Keep: 3}, "us": {Keep: 2}},
	}
	for _, rules := range bad {
		_, err := NewPostalGeneralizer(rules)
		assert.ErrorIs(t, err, ErrInvalidConfig, "%v", rules)
	}
}

func TestIPPrefixAndGrid(t *testing.T) {
	tests := []struct {
		addr string
		want string
		err  error
	}{
		{"192.0.2.77", "192.0.2.0/24", nil},
		{"2001:db8:abcd:12::1", "2001:db8:abcd::/48", nil},
		{"::ffff:192.0.2.1", "192.0.2.0/24", nil},
		{"10.1.2.3", "10.1.2.0/24", nil},
		{"fe80::1%eth0", "", ErrUnparsable},
		{"192.0.2", "", ErrUnparsable},
		{"", "", ErrUnparsable},
	}
	for _, tc := range tests {
		got, err := IPPrefix(tc.addr, 24, 48)
		if tc.err != nil {
			assert.ErrorIs(t, err, tc.err, tc.addr)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
	}
	got, err := IPPrefix("203.0.113.9", 0, 0)
	require.NoError(t, err)
	assert.Equal(t, "0.0.0.0/0", got)
	_, err = IPPrefix("203.0.113.9", 33, 48)
	assert.ErrorIs(t, err, ErrInvalidConfig)

	grid := []struct{ lat, lon, step, wlat, wlon float64 }{
		{48.8584, 2.2945, 0.1, 48.8, 2.2},
		{-33.8688, 151.2093, 0.5, -34, 151},
		{90, 180, 1, 90, 180},
		{0.3, -0.3, 0.1, 0.3, -0.3},
		{51.5007, -0.1246, 0.01, 51.5, -0.13},
	}
	for _, g := range grid {
		la, lo, err := SnapToGrid(g.lat, g.lon, g.step)
		require.NoError(t, err)
		assert.Equal(t, g.wlat, la, "%v", g)
		assert.Equal(t, g.wlon, lo, "%v", g)
	}
	for _, c := range [][3]float64{{90.1, 0, 1}, {0, -180.5, 1}, {math.NaN(), 0, 1}, {0, 0, 0}, {0, 0, 181}, {0, 0, math.Inf(1)}} {
		_, _, err := SnapToGrid(c[0], c[1], c[2])
		assert.Error(t, err, "%v", c)
		assert.True(t, errors.Is(err, ErrOutOfRange) || errors.Is(err, ErrInvalidConfig))
	}
}
