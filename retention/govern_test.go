package retention

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordingAuditor keeps every audit event.
type recordingAuditor struct {
	mu     sync.Mutex
	events []AuditEvent
	fail   bool
}

func (a *recordingAuditor) Audit(_ context.Context, e AuditEvent) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail {
		return errors.New("audit store down")
	}
	a.events = append(a.events, e)
	return nil
}

func (a *recordingAuditor) all() []AuditEvent {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]AuditEvent(nil), a.events...)
}

// grants is an Authorizer from a fixed table actor -> capabilities.
type grants map[string][]Capability

func (g grants) Authorize(_ context.Context, actor string, c Capability) error {
	for _, have := range g[actor] {
		if have == c {
			return nil
		}
	}
	return fmt.Errorf("no %v", c)
}

var testGrants = grants{
	"root":    {CapBypassGovernance, CapManageHolds, CapChangePolicy},
	"officer": {CapBypassGovernance},
	"legal":   {CapManageHolds},
	"admin":   {CapChangePolicy},
	"nobody":  nil,
}

var allActors = []string{"root", "officer", "legal", "admin", "nobody", ""}

// memHandler records every act per record ID.
type memHandler struct {
	mu    sync.Mutex
	acts  map[string]int
	holds *MemoryHolds
}

func (h *memHandler) Dispose(_ context.Context, _ Action, recs []Record, out []Outcome) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.acts == nil {
		h.acts = map[string]int{}
	}
	for i, r := range recs {
		if h.holds != nil && h.holds.IsHeld(r.Subject, r.ID) {
			out[i] = SkippedHeld
			continue
		}
		h.acts[r.ID]++
	}
	return nil
}

func (h *memHandler) count(id string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.acts[id]
}

type memSink struct {
	mu sync.Mutex
	ds []Disposition
}

func (s *memSink) WriteEvidence(_ context.Context, ds []Disposition) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ds = append(s.ds, ds...)
	return nil
}

func (s *memSink) all() []Disposition {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Disposition(nil), s.ds...)
}

var noSource = SourceFunc(func(context.Context, string, int) (Batch, error) { return Batch{}, nil })

func earlySweeper(t *testing.T, now time.Time, aud *recordingAuditor) (*Sweeper, *memHandler, *memSink) {
	t.Helper()
	pol, err := New(Config{Policies: []Policy{
		{Category: "gov", Mode: Governance, Period: mustPeriod(t, "1y"), Trigger: Created, Action: Delete},
		{Category: "comp", Mode: Compliance, Period: mustPeriod(t, "1y"), Trigger: Created, Action: Delete},
	}})
	require.NoError(t, err)
	h, sink := &memHandler{}, &memSink{}
	s, err := NewSweeper(pol, noSource, sink, SweepConfig{}, WithHandler(Delete, h),
		WithAuthorizer(testGrants), WithAuditor(aud), WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	return s, h, sink
}

func TestComplianceEarlyDeleteFailsForEveryone(t *testing.T) {
	now := mustTime(t, "2026-06-01T00:00:00Z")
	aud := &recordingAuditor{}
	s, h, sink := earlySweeper(t, now, aud)
	rec := Record{ID: "c1", Category: "comp", Created: now.AddDate(0, -1, 0)}
	for _, actor := range allActors {
		for _, bypass := range []bool{false, true} {
			err := s.DisposeEarly(context.Background(), rec, Privilege{Actor: actor, Bypass: bypass, Reason: "test"})
			assert.ErrorIs(t, err, ErrComplianceMode, "actor %q bypass %v", actor, bypass)
		}
	}
	assert.Zero(t, h.count("c1"))
	assert.Empty(t, sink.all())
	for _, e := range aud.all() {
		assert.False(t, e.Allowed)
		assert.Equal(t, ActEarlyDisposal, e.Act)
	}
	assert.Len(t, aud.all(), 2*len(allActors), "every denied attempt is audited")
}

func TestGovernanceBypass(t *testing.T) {
	now := mustTime(t, "2026-06-01T00:00:00Z")
	tests := []struct {
		name   string
		p      Privilege
		want   error
		allows bool
	}{
		{"capability without flag", Privilege{Actor: "officer", Reason: "r"}, ErrBypassNotRequested, false},
		{"flag without capability", Privilege{Actor: "legal", Bypass: true, Reason: "r"}, ErrNotAuthorized, false},
		{"neither", Privilege{Actor: "nobody", Reason: "r"}, ErrBypassNotRequested, false},
		{"no actor", Privilege{Bypass: true}, ErrNotAuthorized, false},
		{"both", Privilege{Actor: "officer", Bypass: true, Reason: "customer request"}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			aud := &recordingAuditor{}
			s, h, sink := earlySweeper(t, now, aud)
			rec := Record{ID: "g1", Category: "gov", Created: now.AddDate(0, -1, 0)}
			err := s.DisposeEarly(context.Background(), rec, tc.p)
			evs := aud.all()
			require.Len(t, evs, 1)
			assert.Equal(t, ActEarlyDisposal, evs[0].Act)
			assert.Equal(t, "g1", evs[0].RecordID)
			assert.Equal(t, tc.allows, evs[0].Allowed)
			if !tc.allows {
				assert.ErrorIs(t, err, tc.want)
				assert.Zero(t, h.count("g1"))
				assert.Empty(t, sink.all())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, 1, h.count("g1"))
			assert.Equal(t, "officer", evs[0].Actor)
			assert.Equal(t, "customer request", evs[0].Reason)
			ds := sink.all()
			require.Len(t, ds, 1)
			assert.Equal(t, Disposition{RecordID: "g1", Category: "gov", Rule: "gov", Action: Delete, Time: now,
				Actor: "officer", Outcome: Done, Early: true}, ds[0])
		})
	}
}

func TestGovernanceBypassNeedsAuditorAndAuthorizer(t *testing.T) {
	now := mustTime(t, "2026-06-01T00:00:00Z")
	pol, err := New(Config{Policies: []Policy{{Category: "gov", Mode: Governance, Period: mustPeriod(t, "1y"), Trigger: Created, Action: Delete}}})
	require.NoError(t, err)
	rec := Record{ID: "g1", Category: "gov", Created: now.AddDate(0, -1, 0)}
	p := Privilege{Actor: "root", Bypass: true, Reason: "r"}
	for name, opts := range map[string][]Option{
		"no authorizer": {WithAuditor(&recordingAuditor{})},
		"no auditor":    {WithAuthorizer(testGrants)},
	} {
		t.Run(name, func(t *testing.T) {
			g := NewGovernor(append(opts, WithClock(func() time.Time { return now }))...)
			_, err := g.CheckEarly(context.Background(), pol, &rec, p)
			assert.ErrorIs(t, err, ErrNotAuthorized)
		})
	}
	t.Run("audit failure stops the act", func(t *testing.T) {
		aud := &recordingAuditor{fail: true}
		s, h, _ := earlySweeper(t, now, aud)
		err := s.DisposeEarly(context.Background(), rec, p)
		assert.ErrorIs(t, err, ErrAuditFailed)
		assert.Zero(t, h.count("g1"))
	})
}

func TestEarlyDisposalOfHeldRecordFails(t *testing.T) {
	now := mustTime(t, "2026-06-01T00:00:00Z")
	for _, cat := range []string{"gov", "comp"} {
		for _, created := range []time.Time{now.AddDate(0, -1, 0), now.AddDate(-5, 0, 0)} {
			aud := &recordingAuditor{}
			s, h, _ := earlySweeper(t, now, aud)
			rec := Record{ID: "h1", Category: cat, Created: created, Held: true}
			err := s.DisposeEarly(context.Background(), rec, Privilege{Actor: "root", Bypass: true, Reason: "r"})
			assert.ErrorIs(t, err, ErrHeld)
			assert.Zero(t, h.count("h1"))
		}
	}
}

func TestDueRecordNeedsNoPrivilege(t *testing.T) {
	now := mustTime(t, "2026-06-01T00:00:00Z")
	aud := &recordingAuditor{}
	s, h, sink := earlySweeper(t, now, aud)
	rec := Record{ID: "c2", Category: "comp", Created: now.AddDate(-2, 0, 0)}
	require.NoError(t, s.DisposeEarly(context.Background(), rec, Privilege{}))
	assert.Equal(t, 1, h.count("c2"))
	require.Len(t, sink.all(), 1)
	assert.False(t, sink.all()[0].Early)
	assert.Equal(t, "retention-sweeper", sink.all()[0].Actor)
}

func TestChangePolicies(t *testing.T) {
	mk := func(mode Mode, period string) *Policies {
		p, err := New(Config{Policies: []Policy{{Category: "x", Mode: mode, Period: mustPeriod(t, period), Trigger: Created, Action: Delete}}})
		require.NoError(t, err)
		return p
	}
	empty, err := New(Config{})
	require.NoError(t, err)
	triggerChanged, err := New(Config{Policies: []Policy{{Category: "x", Mode: Compliance, Period: mustPeriod(t, "7y"), Trigger: Modified, Action: Delete}}})
	require.NoError(t, err)
	root := Privilege{Actor: "root", Bypass: true, Reason: "r"}
	t.Run("compliance shortening fails for every actor", func(t *testing.T) {
		for _, next := range []*Policies{mk(Compliance, "5y"), mk(Governance, "7y"), empty, triggerChanged, mk(Compliance, "2555d")} {
			for _, actor := range allActors {
				aud := &recordingAuditor{}
				g := NewGovernor(WithAuthorizer(testGrants), WithAuditor(aud))
				err := g.ChangePolicies(context.Background(), mk(Compliance, "7y"), next, Privilege{Actor: actor, Bypass: true, Reason: "r"})
				assert.ErrorIs(t, err, ErrComplianceMode, "actor %q", actor)
				require.Len(t, aud.all(), 1)
				assert.False(t, aud.all()[0].Allowed)
				assert.Equal(t, actor, aud.all()[0].Actor)
				assert.Equal(t, ActChangePolicy, aud.all()[0].Act)
			}
		}
	})
	t.Run("compliance extension allowed with change capability", func(t *testing.T) {
		aud := &recordingAuditor{}
		g := NewGovernor(WithAuthorizer(testGrants), WithAuditor(aud))
		require.NoError(t, g.ChangePolicies(context.Background(), mk(Compliance, "7y"), mk(Compliance, "8y"), Privilege{Actor: "admin"}))
		require.Len(t, aud.all(), 1)
		assert.True(t, aud.all()[0].Allowed)
		assert.ErrorIs(t, g.ChangePolicies(context.Background(), mk(Compliance, "7y"), mk(Compliance, "8y"), Privilege{Actor: "officer"}), ErrNotAuthorized)
	})
	t.Run("governance shortening", func(t *testing.T) {
		g := NewGovernor(WithAuthorizer(testGrants), WithAuditor(&recordingAuditor{}))
		cur, next := mk(Governance, "7y"), mk(Governance, "5y")
		assert.ErrorIs(t, g.ChangePolicies(context.Background(), cur, next, Privilege{Actor: "root"}), ErrBypassNotRequested)
		assert.ErrorIs(t, g.ChangePolicies(context.Background(), cur, next, Privilege{Actor: "admin", Bypass: true}), ErrNotAuthorized)
		assert.ErrorIs(t, g.ChangePolicies(context.Background(), cur, next, Privilege{Actor: "officer", Bypass: true}), ErrNotAuthorized)
		assert.NoError(t, g.ChangePolicies(context.Background(), cur, next, root))
		assert.NoError(t, g.ChangePolicies(context.Background(), cur, mk(Compliance, "7y"), Privilege{Actor: "admin"}), "governance to compliance is a strengthening")
	})
}

func TestHolds(t *testing.T) {
	ctx := context.Background()
	now := mustTime(t, "2026-06-01T00:00:00Z")
	aud := &recordingAuditor{}
	g := NewGovernor(WithAuthorizer(testGrants), WithAuditor(aud), WithClock(func() time.Time { return now }))
	store := &MemoryHolds{}

	_, err := g.PlaceHold(ctx, store, Hold{Subject: "alice", Reason: "litigation 42"}, Privilege{Actor: "officer"})
	assert.ErrorIs(t, err, ErrNotAuthorized)
	_, err = g.PlaceHold(ctx, store, Hold{Reason: "nothing named"}, Privilege{Actor: "legal"})
	assert.ErrorIs(t, err, ErrInvalidPolicy)

	// A record hold naming its subject holds that record only.
	rh, err := g.PlaceHold(ctx, store, Hold{Subject: "carol", RecordID: "inv-1", Reason: "tax audit"}, Privilege{Actor: "legal"})
	require.NoError(t, err)
	assert.True(t, store.IsHeld("carol", "inv-1"))
	assert.False(t, store.IsHeld("carol", "inv-2"))
	hs, err := store.HoldsFor(ctx, "carol", "")
	require.NoError(t, err)
	assert.Equal(t, []Hold{rh}, hs, "the subject's holds include record holds naming it")
	require.NoError(t, g.LiftHold(ctx, store, rh.ID, Privilege{Actor: "legal", Reason: "audit closed"}))
	assert.False(t, store.IsHeld("carol", "inv-1"))

	h, err := g.PlaceHold(ctx, store, Hold{Subject: "alice", Reason: "litigation 42"}, Privilege{Actor: "legal"})
	require.NoError(t, err)
	assert.Equal(t, "legal", h.PlacedBy)
	assert.Equal(t, now, h.PlacedAt)
	assert.Len(t, h.ID, len("hold_")+24)
	assert.True(t, store.IsHeld("alice", ""))
	assert.True(t, store.IsHeld("alice", "any"))
	assert.False(t, store.IsHeld("bob", "r9"))

	// Lifting needs the capability and a reason.
	assert.ErrorIs(t, g.LiftHold(ctx, store, h.ID, Privilege{Actor: "officer", Reason: "done"}), ErrNotAuthorized)
	assert.ErrorIs(t, g.LiftHold(ctx, store, h.ID, Privilege{Actor: "legal"}), ErrNotAuthorized)
	assert.True(t, store.IsHeld("alice", ""), "a failed lift leaves the hold")
	require.NoError(t, g.LiftHold(ctx, store, h.ID, Privilege{Actor: "legal", Reason: "case closed"}))
	assert.False(t, store.IsHeld("alice", ""))
	assert.ErrorIs(t, g.LiftHold(ctx, store, h.ID, Privilege{Actor: "legal", Reason: "again"}), ErrHoldNotFound)

	var acts []string
	for _, e := range aud.all() {
		acts = append(acts, fmt.Sprintf("%v:%s:%v", e.Act, e.Actor, e.Allowed))
	}
	assert.Equal(t, []string{
		"place_hold:officer:false", "place_hold:legal:true", "lift_hold:legal:true", "place_hold:legal:true",
		"lift_hold:officer:false", "lift_hold:legal:false", "lift_hold:legal:true", "lift_hold:legal:true",
	}, acts)
}

func TestMemoryHoldsConcurrent(t *testing.T) {
	ctx := context.Background()
	m := &MemoryHolds{}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				id := fmt.Sprintf("h%d-%d", g, i)
				_ = m.PutHold(ctx, Hold{ID: id, Subject: fmt.Sprintf("s%d", i%10), RecordID: fmt.Sprintf("r%d", g)})
				if i%2 == 0 {
					_, err := m.RemoveHold(ctx, id)
					assert.NoError(t, err)
				}
				m.IsHeld("s1", "r1")
			}
		})
	}
	wg.Wait()
	// Single-threaded expectation: each goroutine keeps its odd holds.
	for g := range 8 {
		hs, err := m.HoldsFor(ctx, "", fmt.Sprintf("r%d", g))
		require.NoError(t, err)
		assert.Len(t, hs, 100)
		assert.True(t, m.IsHeld("", fmt.Sprintf("r%d", g)))
	}
	for s := range 10 {
		hs, err := m.HoldsFor(ctx, fmt.Sprintf("s%d", s), "")
		require.NoError(t, err)
		if s%2 == 1 {
			assert.Len(t, hs, 8*20)
		} else {
			assert.Empty(t, hs)
		}
	}
}
