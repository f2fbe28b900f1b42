package retention

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/testvec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/assert/yaml"
	"github.com/stretchr/testify/require"
)

func mustPeriod(t testing.TB, s string) Period {
	t.Helper()
	p, err := ParsePeriod(s)
	require.NoError(t, err)
	return p
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return tm
}

const policyJSON = `{
  "categories": ["invoices", "sessions", "accounts", "campaign"],
  "policies": [
    {"category": "invoices", "mode": "compliance", "period": "10y", "trigger": "created",
     "action": "delete", "min_period": "10y", "legal_basis": "HGB §257"},
    {"category": "sessions", "rule": "sessions-30d", "mode": "governance", "period": "30d",
     "trigger": "last_activity", "action": "anonymize", "max_period": "90d"},
    {"category": "accounts", "mode": "governance", "period": "1y6mo", "trigger": "event",
     "event": "account_closed", "action": "crypto_shred"},
    {"category": "campaign", "mode": "governance", "retain_until": "2027-01-01T00:00:00Z", "action": "review"}
  ]
}`

func testPolicies(t testing.TB) *Policies {
	t.Helper()
	var cfg Config
	require.NoError(t, testvec.Decode([]byte(policyJSON), &cfg))
	p, err := New(cfg)
	require.NoError(t, err)
	return p
}

func TestConfigJSON(t *testing.T) {
	p := testPolicies(t)
	inv, ok := p.Policy("invoices")
	require.True(t, ok)
	assert.Equal(t, Compliance, inv.Mode)
	assert.Equal(t, "10y", inv.Period.String())
	assert.Equal(t, Created, inv.Trigger)
	assert.Equal(t, "invoices", inv.Rule, "rule defaults to the category")
	// Round trip: encode the loaded config and load it again.
	out, err := json.Marshal(p.Config())
	require.NoError(t, err)
	var cfg Config
	require.NoError(t, testvec.Decode(out, &cfg))
	q, err := New(cfg)
	require.NoError(t, err)
	assert.Equal(t, p.Config(), q.Config())
}

func TestConfigJSONRejects(t *testing.T) {
	tests := []struct{ name, doc string }{
		{"negative period", `{"policies":[{"category":"a","mode":"governance","period":"-30d","trigger":"created","action":"delete"}]}`},
		{"ambiguous unit", `{"policies":[{"category":"a","mode":"governance","period":"6m","trigger":"created","action":"delete"}]}`},
		{"unknown mode", `{"policies":[{"category":"a","mode":"strict","period":"6mo","trigger":"created","action":"delete"}]}`},
		{"unknown action", `{"policies":[{"category":"a","mode":"governance","period":"6mo","trigger":"created","action":"burn"}]}`},
		{"unknown trigger", `{"policies":[{"category":"a","mode":"governance","period":"6mo","trigger":"born","action":"delete"}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cfg Config
			assert.Error(t, json.Unmarshal([]byte(tc.doc), &cfg))
		})
	}
}

func TestNewRejects(t *testing.T) {
	ok := Policy{Category: "a", Mode: Governance, Period: mustPeriod(t, "1y"), Trigger: Created, Action: Delete}
	with := func(f func(*Policy)) Config {
		p := ok
		f(&p)
		return Config{Policies: []Policy{p}}
	}
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		{"compliance below min", with(func(p *Policy) { p.Mode = Compliance; p.MinPeriod = mustPeriod(t, "2y") }), ErrInvalidPolicy},
		{"governance below min", with(func(p *Policy) { p.MinPeriod = mustPeriod(t, "13mo") }), ErrInvalidPolicy},
		{"not surely above min", with(func(p *Policy) { p.Period = mustPeriod(t, "365d"); p.MinPeriod = mustPeriod(t, "1y") }), ErrInvalidPolicy},
		{"above max", with(func(p *Policy) { p.MaxPeriod = mustPeriod(t, "6mo") }), ErrInvalidPolicy},
		{"max below min", with(func(p *Policy) {
			p.MinPeriod = mustPeriod(t, "1y")
			p.MaxPeriod = mustPeriod(t, "6mo")
		}), ErrInvalidPolicy},
		{"no mode", with(func(p *Policy) { p.Mode = ModeUnknown }), ErrInvalidPolicy},
		{"no action", with(func(p *Policy) { p.Action = ActionUnknown }), ErrInvalidPolicy},
		{"bad action", with(func(p *Policy) { p.Action = numActions }), ErrInvalidPolicy},
		{"no trigger", with(func(p *Policy) { p.Trigger = TriggerUnknown }), ErrInvalidPolicy},
		{"event without name", with(func(p *Policy) { p.Trigger = Event }), ErrInvalidPolicy},
		{"name without event", with(func(p *Policy) { p.Event = "closed" }), ErrInvalidPolicy},
		{"no period", with(func(p *Policy) { p.Period = Period{} }), ErrInvalidPolicy},
		{"period and date", with(func(p *Policy) { p.RetainUntil = time.Now() }), ErrInvalidPolicy},
		{"date with trigger", with(func(p *Policy) { p.Period = Period{}; p.RetainUntil = time.Now() }), ErrInvalidPolicy},
		{"empty category", with(func(p *Policy) { p.Category = "" }), ErrInvalidPolicy},
		{"duplicate", Config{Policies: []Policy{ok, ok}}, ErrInvalidPolicy},
		{"undeclared category", Config{Categories: []string{"b"}, Policies: []Policy{ok}}, ErrUnknownCategory},
		{"declared without policy", Config{Categories: []string{"a", "b"}, Policies: []Policy{ok}}, ErrInvalidPolicy},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(tc.cfg)
			assert.ErrorIs(t, err, tc.want)
			assert.Nil(t, p)
			assert.Contains(t, err.Error(), "retention: ")
		})
	}
	p, err := New(Config{})
	require.NoError(t, err, "the zero config is valid")
	_, err = p.Evaluate(&Record{Category: "a", Created: time.Now()}, time.Now())
	assert.ErrorIs(t, err, ErrUnknownCategory)
}

func TestEvaluate(t *testing.T) {
	p := testPolicies(t)
	created := mustTime(t, "2016-02-29T08:00:00Z")
	tests := []struct {
		name    string
		rec     Record
		now     string
		verdict Verdict
		until   string
		action  Action
	}{
		{"invoice kept", Record{Category: "invoices", Created: created}, "2026-02-27T23:59:59Z", Retain, "2026-02-28T08:00:00Z", Delete},
		{"invoice due at the instant", Record{Category: "invoices", Created: created}, "2026-02-28T08:00:00Z", Due, "2026-02-28T08:00:00Z", Delete},
		{"invoice one second early", Record{Category: "invoices", Created: created}, "2026-02-28T07:59:59Z", Retain, "2026-02-28T08:00:00Z", Delete},
		{"invoice held", Record{Category: "invoices", Created: created, Held: true}, "2030-01-01T00:00:00Z", Held, "2026-02-28T08:00:00Z", Delete},
		{"invoice extended per record", Record{Category: "invoices", Created: created, RetainUntil: mustTime(t, "2028-01-01T00:00:00Z")}, "2027-01-01T00:00:00Z", Retain, "2028-01-01T00:00:00Z", Delete},
		{"per record date cannot shorten", Record{Category: "invoices", Created: created, RetainUntil: mustTime(t, "2017-01-01T00:00:00Z")}, "2020-01-01T00:00:00Z", Retain, "2026-02-28T08:00:00Z", Delete},
		{"session due", Record{Category: "sessions", Created: created, Activity: mustTime(t, "2026-01-01T00:00:00Z")}, "2026-01-31T00:00:00Z", Due, "2026-01-31T00:00:00Z", Anonymize},
		{"session kept by activity", Record{Category: "sessions", Created: created, Activity: mustTime(t, "2026-01-02T00:00:00Z")}, "2026-01-31T00:00:00Z", Retain, "2026-02-01T00:00:00Z", Anonymize},
		{"no activity yet", Record{Category: "sessions", Created: created}, "2099-01-01T00:00:00Z", Retain, "", Anonymize},
		{"account open", Record{Category: "accounts", Created: created}, "2099-01-01T00:00:00Z", Retain, "", CryptoShred},
		{"account closed", Record{Category: "accounts", EventAt: mustTime(t, "2024-08-31T00:00:00Z")}, "2026-03-01T00:00:00Z", Due, "2026-02-28T00:00:00Z", CryptoShred},
		{"campaign before date", Record{Category: "campaign"}, "2026-12-31T23:59:59Z", Retain, "2027-01-01T00:00:00Z", Review},
		{"campaign after date", Record{Category: "campaign", Created: created}, "2027-01-01T00:00:00Z", Due, "2027-01-01T00:00:00Z", Review},
		{"held without trigger", Record{Category: "accounts", Held: true}, "2099-01-01T00:00:00Z", Held, "", CryptoShred},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := p.Evaluate(&tc.rec, mustTime(t, tc.now))
			require.NoError(t, err)
			assert.Equal(t, tc.verdict, d.Verdict)
			assert.Equal(t, tc.action, d.Action)
			if tc.until == "" {
				assert.True(t, d.Until.IsZero(), "until %v", d.Until)
			} else {
				assert.Equal(t, mustTime(t, tc.until), d.Until)
			}
		})
	}
	_, err := p.Evaluate(&Record{Category: "nope", Created: created}, time.Now())
	assert.ErrorIs(t, err, ErrUnknownCategory)
}

func TestEvaluateAllocs(t *testing.T) {
	p := testPolicies(t)
	r := Record{ID: "r1", Category: "sessions", Activity: mustTime(t, "2026-01-01T00:00:00Z")}
	now := mustTime(t, "2026-06-01T00:00:00Z")
	allocs := testing.AllocsPerRun(1000, func() {
		d, _ := p.Evaluate(&r, now)
		if d.Verdict != Due {
			t.Fatal("wrong verdict")
		}
	})
	assert.Zero(t, allocs)
}

func TestEvaluateConcurrent(t *testing.T) {
	p := testPolicies(t)
	recs := make([]Record, 2000)
	cats := []string{"invoices", "sessions", "accounts", "campaign", "unknown"}
	base := mustTime(t, "2010-01-01T00:00:00Z")
	for i := range recs {
		ts := base.Add(time.Duration(i) * 37 * time.Hour)
		recs[i] = Record{Category: cats[i%len(cats)], Created: ts, Activity: ts, Held: i%7 == 0}
		if i%3 == 0 {
			recs[i].EventAt = ts
		}
	}
	now := mustTime(t, "2026-11-21T00:00:00Z")
	want := make([]Decision, len(recs))
	for i := range recs {
		want[i], _ = p.Evaluate(&recs[i], now)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range recs {
				j := (i + g*250) % len(recs)
				d, _ := p.Evaluate(&recs[j], now)
				if d != want[j] {
					t.Errorf("record %d: got %+v, want %+v", j, d, want[j])
					return
				}
			}
		})
	}
	wg.Wait()
}

func FuzzConfig(f *testing.F) {
	f.Add([]byte(policyJSON))
	f.Add([]byte(`{"policies":[{"category":"a","mode":"governance","period":"1y","trigger":"created","action":"delete"}]}`))
	f.Add([]byte(`{"policies":[{"category":"a","mode":"compliance","retain_until":"2030-01-01T00:00:00Z","action":"review"}]}`))
	f.Add([]byte(`{"categories":["a"],"policies":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var cfg Config
		if err := json.Unmarshal(data, &cfg); err != nil {
			return
		}
		p, err := New(cfg)
		if err != nil {
			require.Contains(t, err.Error(), "retention: ")
			return
		}
		// What loads re-encodes and loads to the same policies.
		out, err := json.Marshal(p.Config())
		require.NoError(t, err)
		var again Config
		require.NoError(t, json.Unmarshal(out, &again))
		q, err := New(again)
		require.NoError(t, err)
		require.Equal(t, len(p.Config().Policies), len(q.Config().Policies))
		for i, pol := range p.Config().Policies {
			got := q.Config().Policies[i]
			require.True(t, pol.RetainUntil.Equal(got.RetainUntil))
			pol.RetainUntil, got.RetainUntil = time.Time{}, time.Time{}
			require.Equal(t, pol, got)
		}
	})
}

func FuzzEnumText(f *testing.F) {
	for _, s := range []string{"delete", "anonymize", "crypto_shred", "created", "event", "governance", "compliance", "unknown", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var a Action
		if a.UnmarshalText([]byte(s)) == nil {
			out, err := a.MarshalText()
			require.NoError(t, err)
			require.Equal(t, s, string(out))
		}
		var tr Trigger
		if tr.UnmarshalText([]byte(s)) == nil {
			out, err := tr.MarshalText()
			require.NoError(t, err)
			require.Equal(t, s, string(out))
		}
		var m Mode
		if m.UnmarshalText([]byte(s)) == nil {
			out, err := m.MarshalText()
			require.NoError(t, err)
			require.Equal(t, s, string(out))
		}
	})
}

// TestConfigYAML: the policy file of the CLI is YAML; the same struct
// decodes from it through its yaml tags and text unmarshalers.
func TestConfigYAML(t *testing.T) {
	doc := `
categories: [invoices, sessions, campaign]
policies:
  - category: invoices
    mode: compliance
    period: 10y
    trigger: created
    action: delete
    min_period: 10y
    legal_basis: "HGB §257"
  - category: sessions
    rule: sessions-30d
    mode: governance
    period: 30d
    trigger: last_activity
    action: anonymize
  - category: campaign
    mode: governance
    retain_until: 2027-01-01T00:00:00Z
    action: review
`
	var cfg Config
	require.NoError(t, yaml.Unmarshal([]byte(doc), &cfg))
	p, err := New(cfg)
	require.NoError(t, err)
	inv, _ := p.Policy("invoices")
	assert.Equal(t, Policy{Category: "invoices", Rule: "invoices", Mode: Compliance, Period: mustPeriod(t, "10y"), Trigger: Created,
		Action: Delete, MinPeriod: mustPeriod(t, "10y"), LegalBasis: "HGB §257"}, inv)
	c, _ := p.Policy("campaign")
	assert.Equal(t, mustTime(t, "2027-01-01T00:00:00Z"), c.RetainUntil)
	s, _ := p.Policy("sessions")
	assert.Equal(t, "sessions-30d", s.Rule)

	for _, bad := range []string{"period: 6m", "period: -30d", "mode: strict", "action: shred"} {
		var c Config
		err := yaml.Unmarshal([]byte("policies:\n  - category: x\n    "+bad+"\n"), &c)
		assert.Error(t, err, bad)
	}
}
