package retention

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParsePeriod(t *testing.T) {
	day := int64(86400)
	tests := []struct {
		name   string
		in     string
		months int32
		fixed  int64
		canon  string
	}{
		{"years", "7y", 84, 0, "7y"},
		{"months", "18mo", 18, 0, "1y6mo"},
		{"years months", "1y6mo", 18, 0, "1y6mo"},
		{"days", "30d", 0, 30 * day, "30d"},
		{"weeks days", "2w3d", 0, 17 * day, "17d"},
		{"hours", "36h", 0, 36 * 3600, "1d12h"},
		{"minutes", "90min", 0, 5400, "1h30min"},
		{"seconds", "59s", 0, 59, "59s"},
		{"zero", "0s", 0, 0, "0s"},
		{"zero days", "0d", 0, 0, "0s"},
		{"all", "1y2mo3w4d5h6min7s", 14, 25*day + 5*3600 + 6*60 + 7, "1y2mo25d5h6min7s"},
		{"max years", "10000y", 120000, 0, "10000y"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePeriod(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.months, p.months)
			assert.Equal(t, tc.fixed, p.fixed)
			assert.Equal(t, tc.canon, p.String())
			assert.False(t, p.IsZero())
		})
	}
}

func TestParsePeriodRejects(t *testing.T) {
	for _, in := range []string{
		"", "-1d", "+1d", "1", "d", "1m", "6m", "1 d", " 1d", "1d ", "1D", "1Y", "01d", "00s",
		"1d1y", "1d1d", "1mo1y", "1.5d", "1e3d", "1x", "1dd", "10001y", "120001mo",
		"99999999999999999d", "1000000000000s", "1y-1d", "1_000d", "１d",
	} {
		t.Run(in, func(t *testing.T) {
			_, err := ParsePeriod(in)
			assert.ErrorIs(t, err, ErrInvalidPeriod)
		})
	}
}

func TestPeriodJSON(t *testing.T) {
	var v struct {
		P Period `json:"p,omitzero"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"p":"1y6mo"}`), &v))
	assert.Equal(t, "1y6mo", v.P.String())
	out, err := json.Marshal(v)
	require.NoError(t, err)
	assert.JSONEq(t, `{"p":"1y6mo"}`, string(out))

	var e struct{ P Period }
	err = json.Unmarshal([]byte(`{"P":"-30d"}`), &e)
	assert.True(t, errors.Is(err, ErrInvalidPeriod), "got %v", err)

	v.P = Period{}
	out, err = json.Marshal(v)
	require.NoError(t, err)
	assert.JSONEq(t, `{}`, string(out))
}

// Hand-computed calendar cases.
func TestPeriodAddTo(t *testing.T) {
	d := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		require.NoError(t, err)
		return tm
	}
	tests := []struct {
		name, start, period, want string
	}{
		{"month end clamps, leap", "2024-01-31T10:00:00Z", "1mo", "2024-02-29T10:00:00Z"},
		{"month end clamps", "2023-01-31T10:00:00Z", "1mo", "2023-02-28T10:00:00Z"},
		{"leap day plus year", "2024-02-29T00:00:00Z", "1y", "2025-02-28T00:00:00Z"},
		{"leap day plus 4y", "2024-02-29T00:00:00Z", "4y", "2028-02-29T00:00:00Z"},
		{"seven years", "2019-03-15T12:34:56.789Z", "7y", "2026-03-15T12:34:56.789Z"},
		{"30 days across Feb", "2023-02-15T00:00:00Z", "30d", "2023-03-17T00:00:00Z"},
		{"months then days", "2023-01-31T00:00:00Z", "1mo1d", "2023-03-01T00:00:00Z"},
		{"year end", "2023-12-31T23:59:59Z", "1s", "2024-01-01T00:00:00Z"},
		{"before 1970", "1960-08-31T00:00:00Z", "6mo", "1961-02-28T00:00:00Z"},
		{"century non-leap", "2096-02-29T00:00:00Z", "4y", "2100-02-28T00:00:00Z"},
		{"offset zone is UTC instant", "2024-01-31T23:30:00-02:00", "1mo", "2024-03-01T01:30:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePeriod(tc.period)
			require.NoError(t, err)
			assert.Equal(t, d(tc.want), p.AddTo(d(tc.start)))
		})
	}
}

// refAdd is an independent reference for Period.AddTo built on the time
// package: AddDate with the months, pulled back to the month's last day when
// AddDate overflowed into the next month, then the fixed part.
func refAdd(t time.Time, months int, fixed int64) time.Time {
	t = t.UTC()
	y, m, d := t.Date()
	first := time.Date(y, m, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC).AddDate(0, months, 0)
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	r := time.Date(first.Year(), first.Month(), d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	return r.Add(time.Duration(fixed) * time.Second)
}

func TestPeriodAddToMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		start := time.Unix(rng.Int64N(1<<36)-1<<35, rng.Int64N(1e9)).UTC() // years ~880 to ~3100
		months := rng.IntN(240)
		fixed := rng.Int64N(400 * 86400)
		p := Period{months: int32(months), fixed: fixed, set: true}
		require.Equal(t, refAdd(start, months, fixed), p.AddTo(start), "start %v months %d fixed %d", start, months, fixed)
	}
}

func TestPeriodAtLeast(t *testing.T) {
	mp := func(s string) Period {
		p, err := ParsePeriod(s)
		require.NoError(t, err)
		return p
	}
	tests := []struct {
		a, b string
		want bool
	}{
		{"7y", "5y", true}, {"5y", "7y", false}, {"1y", "12mo", true}, {"12mo", "1y", true},
		{"1y", "365d", true}, {"1y", "366d", false}, {"365d", "1y", false}, {"367d", "1y", true}, {"1y", "1y1s", false},
		{"1mo", "28d", true}, {"1mo", "29d", false}, {"2y", "730d", true}, {"2y", "731d", false}, {"32d", "1mo", true}, {"1y1d", "1y", true},
	}
	for _, tc := range tests {
		t.Run(tc.a+">="+tc.b, func(t *testing.T) {
			assert.Equal(t, tc.want, mp(tc.a).AtLeast(mp(tc.b)))
		})
	}
	// Soundness: when AtLeast says yes, it holds at random start times.
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		a := Period{months: int32(rng.IntN(30)), fixed: rng.Int64N(900 * 86400), set: true}
		b := Period{months: int32(rng.IntN(30)), fixed: rng.Int64N(900 * 86400), set: true}
		if !a.AtLeast(b) {
			continue
		}
		start := time.Unix(rng.Int64N(1<<33), 0)
		require.False(t, a.AddTo(start).Before(b.AddTo(start)), "%v >= %v at %v", a, b, start)
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"7y", "1y6mo", "30d", "2w3d", "36h", "0s", "1m", "-1d", "01d", "10000y", "1y2mo3w4d5h6min7s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidPeriod)
			return
		}
		// Round trip through the canonical form.
		q, err := ParsePeriod(p.String())
		require.NoError(t, err)
		require.Equal(t, p, q)
		require.True(t, p.AtLeast(q) && q.AtLeast(p))
		// Adding never moves time backwards.
		start := time.Date(2020, 5, 31, 0, 0, 0, 0, time.UTC)
		require.False(t, p.AddTo(start).Before(start))
	})
}
