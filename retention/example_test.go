package retention_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"time"

	"github.com/custos-dev/custos/retention"
)

func ExampleParsePeriod() {
	p, err := retention.ParsePeriod("1y6mo")
	if err != nil {
		panic(err)
	}
	start := time.Date(2024, 8, 31, 0, 0, 0, 0, time.UTC)
	fmt.Println(p, p.AddTo(start).Format(time.DateOnly))
	_, err = retention.ParsePeriod("6m")
	fmt.Println(err)
	// Output:
	// 1y6mo 2026-02-28
	// retention: invalid period "6m": unit "m" is ambiguous; use "mo" for months or "min" for minutes
}

func ExampleNew() {
	doc := `{"policies": [
	  {"category": "invoices", "mode": "compliance", "period": "10y", "trigger": "created",
	   "action": "delete", "min_period": "10y", "legal_basis": "commercial code"},
	  {"category": "sessions", "mode": "governance", "period": "30d", "trigger": "last_activity",
	   "action": "anonymize"}]}`
	var cfg retention.Config
	if err := json.Unmarshal([]byte(doc), &cfg); err != nil {
		panic(err)
	}
	pol, err := retention.New(cfg)
	if err != nil {
		panic(err)
	}
	inv, _ := pol.Policy("invoices")
	fmt.Println(inv.Mode, inv.Period, inv.Action)

	cfg.Policies[0].Period, _ = retention.ParsePeriod("5y")
	_, err = retention.New(cfg)
	fmt.Println(err)
	// Output:
	// compliance 10y delete
	// retention: invalid policy "invoices": compliance period 5y is below min_period 10y (or not above it on every calendar: months and years compare conservatively)
}

func ExamplePolicies_Evaluate() {
	period, _ := retention.ParsePeriod("30d")
	pol, _ := retention.New(retention.Config{Policies: []retention.Policy{{
		Category: "sessions", Mode: retention.Governance, Period: period,
		Trigger: retention.LastActivity, Action: retention.Anonymize,
	}}})
	r := retention.Record{ID: "s-1", Category: "sessions", Activity: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}
	for _, now := range []time.Time{
		time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC),
	} {
		d, _ := pol.Evaluate(&r, now)
		fmt.Println(d.Verdict, d.Until.Format(time.DateOnly), d.Action)
	}
	r.Held = true
	d, _ := pol.Evaluate(&r, time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC))
	fmt.Println(d.Verdict)
	// Output:
	// retain 2026-10-31 anonymize
	// due 2026-10-31 anonymize
	// held
}

func ExampleSweeper() {
	period, _ := retention.ParsePeriod("1y")
	pol, _ := retention.New(retention.Config{Policies: []retention.Policy{{
		Category: "orders", Mode: retention.Governance, Period: period,
		Trigger: retention.Created, Action: retention.Delete,
	}}})
	// The host's store: here a map, paged by ID.
	store := map[string]retention.Record{}
	for i, created := range []string{"2024-01-05", "2025-03-01", "2026-02-10", "2024-07-19"} {
		t, _ := time.Parse(time.DateOnly, created)
		id := fmt.Sprintf("order-%d", i+1)
		store[id] = retention.Record{ID: id, Category: "orders", Created: t, Held: id == "order-4"}
	}
	src := retention.SourceFunc(func(_ context.Context, cursor string, limit int) (retention.Batch, error) {
		var ids []string
		for id := range store {
			if id > cursor {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		var b retention.Batch
		for _, id := range ids[:min(limit, len(ids))] {
			b.Records = append(b.Records, store[id])
			b.Next = id
		}
		return b, nil
	})
	del := retention.HandlerFunc(func(_ context.Context, _ retention.Action, recs []retention.Record, _ []retention.Outcome) error {
		for _, r := range recs {
			delete(store, r.ID) // deleting twice is harmless
		}
		return nil
	})
	evidence := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "time" {
				return slog.Attr{} // keep the example's output stable
			}
			return a
		}}))
	s, err := retention.NewSweeper(pol, src, retention.SlogEvidence(evidence), retention.SweepConfig{BatchSize: 2},
		retention.WithHandler(retention.Delete, del),
		retention.WithClock(func() time.Time { return time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC) }))
	if err != nil {
		panic(err)
	}
	rep, err := s.Sweep(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println("deleted", rep.Done, "held", rep.HeldSkipped, "kept", len(store))
	// Output:
	// level=INFO msg="retention disposition" disposition.record_id=order-1 disposition.category=orders disposition.rule=orders disposition.action=delete disposition.actor=retention-sweeper disposition.outcome=done disposition.early=false
	// level=INFO msg="retention disposition" disposition.record_id=order-2 disposition.category=orders disposition.rule=orders disposition.action=delete disposition.actor=retention-sweeper disposition.outcome=done disposition.early=false
	// level=INFO msg="retention disposition" disposition.record_id=order-4 disposition.category=orders disposition.rule=orders disposition.action=delete disposition.actor=retention-sweeper disposition.outcome=skipped_held disposition.early=false
	// deleted 2 held 1 kept 2
}

func ExampleGovernor() {
	ctx := context.Background()
	grants := retention.AuthorizerFunc(func(_ context.Context, actor string, c retention.Capability) error {
		if actor == "legal-team" && c == retention.CapManageHolds {
			return nil
		}
		return fmt.Errorf("%s may not %v", actor, c)
	})
	audit := retention.AuditorFunc(func(_ context.Context, e retention.AuditEvent) error {
		fmt.Println("audit:", e.Act, e.Actor, e.Allowed)
		return nil
	})
	g := retention.NewGovernor(retention.WithAuthorizer(grants), retention.WithAuditor(audit))
	holds := &retention.MemoryHolds{}
	h, err := g.PlaceHold(ctx, holds, retention.Hold{Subject: "customer-42", Reason: "case 2026-117"},
		retention.Privilege{Actor: "legal-team"})
	if err != nil {
		panic(err)
	}
	fmt.Println("held:", holds.IsHeld("customer-42", ""))
	err = g.LiftHold(ctx, holds, h.ID, retention.Privilege{Actor: "support", Reason: "customer asked"})
	fmt.Println(err != nil, holds.IsHeld("customer-42", ""))
	err = g.LiftHold(ctx, holds, h.ID, retention.Privilege{Actor: "legal-team", Reason: "case closed"})
	fmt.Println(err, holds.IsHeld("customer-42", ""))
	// Output:
	// audit: place_hold legal-team true
	// held: true
	// audit: lift_hold support false
	// true true
	// audit: lift_hold legal-team true
	// <nil> false
}

type shredder map[string]bool

func (s shredder) Shred(_ context.Context, subject string) error { delete(s, subject); return nil }

type tokenStore map[string]int

func (s tokenStore) EraseSubject(_ context.Context, subject string) (int, error) {
	n := s[subject]
	delete(s, subject)
	return n, nil
}

func ExampleEraser() {
	keys := shredder{"alice": true, "bob": true}
	tokens := tokenStore{"alice": 3, "bob": 1}
	holds := &retention.MemoryHolds{}
	_ = holds.PutHold(context.Background(), retention.Hold{ID: "h1", Subject: "bob", Reason: "audit"})
	e, _ := retention.NewEraser(keys, retention.WithSubjectStore("vault tokens", tokens), retention.WithHolds(holds),
		retention.WithOutOfReach("backups: encrypted under the subject key"))
	rep, err := e.Erase(context.Background(), retention.ErasureRequest{ID: "r1", Subject: "alice"})
	fmt.Println(err, rep.Status, rep.KeyShredded, rep.Erased, rep.OutOfReach)
	rep, err = e.Erase(context.Background(), retention.ErasureRequest{ID: "r2", Subject: "bob"})
	fmt.Println(err, rep.Status, rep.Holds)
	// Output:
	// <nil> erased true [{vault tokens 3}] [backups: encrypted under the subject key]
	// retention: record or subject is under legal hold: subject erasure refused (1 holds) queued [h1]
}

func ExampleSweeper_DryRun() {
	period, _ := retention.ParsePeriod("90d")
	pol, _ := retention.New(retention.Config{Policies: []retention.Policy{{
		Category: "logs", Mode: retention.Governance, Period: period,
		Trigger: retention.Created, Action: retention.Delete,
	}}})
	recs := []retention.Record{
		{ID: "log-1", Category: "logs", Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{ID: "log-2", Category: "logs", Created: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)},
		{ID: "x-1", Category: "unknown"},
	}
	src := retention.SourceFunc(func(_ context.Context, cursor string, _ int) (retention.Batch, error) {
		if cursor != "" {
			return retention.Batch{}, nil
		}
		return retention.Batch{Records: recs, Next: "end"}, nil
	})
	fail := retention.HandlerFunc(func(context.Context, retention.Action, []retention.Record, []retention.Outcome) error {
		panic("a dry run acts on nothing")
	})
	s, _ := retention.NewSweeper(pol, src, retention.SlogEvidence(slog.Default()), retention.SweepConfig{},
		retention.WithHandler(retention.Delete, fail),
		retention.WithClock(func() time.Time { return time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC) }))
	rep, _ := s.DryRun(context.Background(), func(r *retention.Record, d retention.Decision) {
		fmt.Println(r.ID, d.Verdict, d.Action)
	})
	fmt.Println("would delete", rep.Due[retention.Delete], "unknown", rep.Unknown)
	// Output:
	// log-1 due delete
	// log-2 retain delete
	// x-1 unknown unknown
	// would delete 1 unknown 1
}

func ExampleGovernor_ChangePolicies() {
	mk := func(mode retention.Mode, period string) *retention.Policies {
		p, _ := retention.ParsePeriod(period)
		pol, _ := retention.New(retention.Config{Policies: []retention.Policy{{Category: "invoices", Mode: mode,
			Period: p, Trigger: retention.Created, Action: retention.Delete}}})
		return pol
	}
	anyone := retention.AuthorizerFunc(func(context.Context, string, retention.Capability) error { return nil })
	g := retention.NewGovernor(retention.WithAuthorizer(anyone),
		retention.WithAuditor(retention.SlogAuditor(slog.New(slog.DiscardHandler))))
	root := retention.Privilege{Actor: "root", Bypass: true, Reason: "cost"}
	fmt.Println(g.ChangePolicies(context.Background(), mk(retention.Compliance, "10y"), mk(retention.Compliance, "8y"), root))
	fmt.Println(g.ChangePolicies(context.Background(), mk(retention.Compliance, "10y"), mk(retention.Compliance, "12y"), root))
	fmt.Println(g.ChangePolicies(context.Background(), mk(retention.Governance, "10y"), mk(retention.Governance, "8y"), root))
	// Output:
	// retention: compliance mode forbids this: category "invoices": period shortened from 10y to 8y
	// <nil>
	// <nil>
}

func ExampleSweeper_DisposeEarly() {
	period, _ := retention.ParsePeriod("1y")
	pol, _ := retention.New(retention.Config{Policies: []retention.Policy{
		{Category: "leads", Mode: retention.Governance, Period: period, Trigger: retention.Created, Action: retention.Delete},
		{Category: "invoices", Mode: retention.Compliance, Period: period, Trigger: retention.Created, Action: retention.Delete},
	}})
	officers := retention.AuthorizerFunc(func(_ context.Context, actor string, c retention.Capability) error {
		if actor == "privacy-officer" && c == retention.CapBypassGovernance {
			return nil
		}
		return fmt.Errorf("%s lacks %v", actor, c)
	})
	audit := retention.AuditorFunc(func(_ context.Context, e retention.AuditEvent) error {
		fmt.Println("audit:", e.Act, e.Actor, e.RecordID, e.Allowed)
		return nil
	})
	del := retention.HandlerFunc(func(_ context.Context, _ retention.Action, recs []retention.Record, _ []retention.Outcome) error {
		fmt.Println("deleted", recs[0].ID)
		return nil
	})
	noSource := retention.SourceFunc(func(context.Context, string, int) (retention.Batch, error) { return retention.Batch{}, nil })
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	s, _ := retention.NewSweeper(pol, noSource, retention.SlogEvidence(slog.New(slog.DiscardHandler)), retention.SweepConfig{},
		retention.WithHandler(retention.Delete, del), retention.WithAuthorizer(officers), retention.WithAuditor(audit),
		retention.WithClock(func() time.Time { return now }))
	lead := retention.Record{ID: "lead-7", Category: "leads", Created: now.AddDate(0, -2, 0)}
	invoice := retention.Record{ID: "inv-3", Category: "invoices", Created: now.AddDate(0, -2, 0)}
	officer := retention.Privilege{Actor: "privacy-officer", Bypass: true, Reason: "customer request"}
	fmt.Println(s.DisposeEarly(context.Background(), lead, retention.Privilege{Actor: "privacy-officer"}))
	fmt.Println(s.DisposeEarly(context.Background(), lead, officer))
	fmt.Println(s.DisposeEarly(context.Background(), invoice, officer))
	// Output:
	// audit: early_disposal privacy-officer lead-7 false
	// retention: governance bypass not requested: record "lead-7" is retained until 2027-09-21T00:00:00Z
	// audit: early_disposal privacy-officer lead-7 true
	// deleted lead-7
	// <nil>
	// audit: early_disposal privacy-officer inv-3 false
	// retention: compliance mode forbids this: record "inv-3" of category "invoices" is retained until 2027-09-21T00:00:00Z
}
