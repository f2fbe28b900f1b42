package retention

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// Errors of privileged acts and holds.
var (
	// ErrHeld is returned when a legal hold forbids the act.
	ErrHeld = errors.New("retention: record or subject is under legal hold")
	// ErrComplianceMode is returned for an act compliance mode forbids to
	// everyone: disposing early, shortening, weakening or removing a policy.
	ErrComplianceMode = errors.New("retention: compliance mode forbids this")
	// ErrNotAuthorized is returned when the actor lacks a capability, or
	// when no authorizer or auditor is configured.
	ErrNotAuthorized = errors.New("retention: not authorized")
	// ErrBypassNotRequested is returned when a governance-mode record is
	// disposed of early, or a governance policy shortened, without
	// [Privilege.Bypass].
	ErrBypassNotRequested = errors.New("retention: governance bypass not requested")
	// ErrAuditFailed is returned when the audit event of a privileged act
	// could not be written; the act is then not performed.
	ErrAuditFailed = errors.New("retention: audit failed")
	// ErrHoldNotFound is returned when lifting a hold that does not exist.
	ErrHoldNotFound = errors.New("retention: hold not found")
	// ErrNotYetDue is returned by an early disposal check for a record that
	// is not held and not due, when the caller did not ask to act early.
	ErrNotYetDue = errors.New("retention: record not yet due")
)

// Capability is a right an [Authorizer] grants to an actor.
type Capability uint8

// Capabilities. The zero Capability is invalid and never granted.
const (
	CapUnknown Capability = iota
	// CapBypassGovernance allows disposing of a governance-mode record
	// early and shortening a governance policy (with [Privilege.Bypass]).
	CapBypassGovernance
	// CapManageHolds allows placing and lifting legal holds.
	CapManageHolds
	// CapChangePolicy allows replacing the policy set.
	CapChangePolicy
)

var capNames = [...]string{"unknown", "bypass_governance", "manage_holds", "change_policy"}

// String returns the capability's name.
func (c Capability) String() string {
	if int(c) < len(capNames) {
		return capNames[c]
	}
	return fmt.Sprintf("Capability(%d)", uint8(c))
}

// Authorizer decides whether an actor holds a capability. It returns nil to
// grant it. An access-control package adapts to it with a few lines.
type Authorizer interface {
	Authorize(ctx context.Context, actor string, c Capability) error
}

// AuthorizerFunc adapts a function to [Authorizer].
type AuthorizerFunc func(ctx context.Context, actor string, c Capability) error

// Authorize calls f.
func (f AuthorizerFunc) Authorize(ctx context.Context, actor string, c Capability) error {
	return f(ctx, actor, c)
}

// Act names a privileged act in an [AuditEvent].
type Act uint8

// Acts. The zero Act is invalid.
const (
	ActUnknown Act = iota
	// ActEarlyDisposal: a record disposed of before its period ended.
	ActEarlyDisposal
	// ActPlaceHold: a legal hold placed.
	ActPlaceHold
	// ActLiftHold: a legal hold lifted.
	ActLiftHold
	// ActChangePolicy: the policy set replaced.
	ActChangePolicy
	// ActErasure: a subject erased (or the request refused or queued).
	ActErasure
)

var actNames = [...]string{"unknown", "early_disposal", "place_hold", "lift_hold", "change_policy", "erasure"}

// String returns the act's name.
func (a Act) String() string {
	if int(a) < len(actNames) {
		return actNames[a]
	}
	return fmt.Sprintf("Act(%d)", uint8(a))
}

// AuditEvent describes one privileged act, allowed or denied. It names who,
// what and why, never any record's data.
type AuditEvent struct {
	Time     time.Time
	Act      Act
	Actor    string
	Allowed  bool
	Reason   string // the actor's stated reason
	Category string
	Rule     string
	RecordID string
	Subject  string
	HoldID   string
	Detail   string // what changed, or why it was denied
}

// LogValue renders the event for log/slog.
func (e AuditEvent) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Time("time", e.Time),
		slog.String("act", e.Act.String()),
		slog.String("actor", e.Actor),
		slog.Bool("allowed", e.Allowed),
		slog.String("reason", e.Reason),
		slog.String("category", e.Category),
		slog.String("rule", e.Rule),
		slog.String("record_id", e.RecordID),
		slog.String("subject", e.Subject),
		slog.String("hold_id", e.HoldID),
		slog.String("detail", e.Detail),
	)
}

// Auditor records privileged acts. An act whose allowed event cannot be
// recorded is not performed.
type Auditor interface {
	Audit(ctx context.Context, e AuditEvent) error
}

// AuditorFunc adapts a function to [Auditor].
type AuditorFunc func(ctx context.Context, e AuditEvent) error

// Audit calls f.
func (f AuditorFunc) Audit(ctx context.Context, e AuditEvent) error { return f(ctx, e) }

// SlogAuditor returns an [Auditor] that writes each event to l at level
// Info with the message "retention audit".
func SlogAuditor(l *slog.Logger) Auditor { return slogAuditor{l} }

type slogAuditor struct{ l *slog.Logger }

func (a slogAuditor) Audit(ctx context.Context, e AuditEvent) error {
	a.l.LogAttrs(ctx, slog.LevelInfo, "retention audit", slog.Any("event", e))
	return nil
}

// Privilege is what a caller presents for a privileged act: who acts, the
// explicit per-call bypass flag (needed to act early on a governance-mode
// record or to shorten a governance policy), and a stated reason.
type Privilege struct {
	Actor  string
	Bypass bool
	Reason string
}

// Option configures a [Governor], a [Sweeper] or an [Eraser].
type Option func(*options)

type options struct {
	clock       func() time.Time
	authorizer  Authorizer
	auditor     Auditor
	handlers    [numActions]Handler
	checkpoints Checkpoints
	holds       HoldStore
	queue       ErasureQueue
	stores      []namedStore
	outOfReach  []string
}

func buildOptions(opts []Option) options {
	o := options{clock: time.Now}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) Option { return func(o *options) { o.clock = now } }

// WithAuthorizer sets who may perform privileged acts. Without one every
// privileged act is denied.
func WithAuthorizer(a Authorizer) Option { return func(o *options) { o.authorizer = a } }

// WithAuditor sets where privileged acts are recorded. Without one every
// privileged act is denied, since it could not be audited.
func WithAuditor(a Auditor) Option { return func(o *options) { o.auditor = a } }

// Governor performs the privileged acts of retention: placing and lifting
// holds, disposing early, and changing policies. Each act checks the
// actor's capability through an [Authorizer] and is recorded through an
// [Auditor] before it takes effect; denials are recorded too. A Governor is
// immutable and safe for concurrent use.
type Governor struct{ o options }

// NewGovernor returns a Governor. It uses [WithAuthorizer], [WithAuditor] and
// [WithClock].
func NewGovernor(opts ...Option) *Governor { return &Governor{o: buildOptions(opts)} }

// authorize checks the actor's capabilities and audits the outcome.
func (g *Governor) authorize(ctx context.Context, ev AuditEvent, p Privilege, caps ...Capability) error {
	ev.Time, ev.Actor, ev.Reason = g.o.clock().UTC(), p.Actor, p.Reason
	var err error
	switch {
	case p.Actor == "":
		err = fmt.Errorf("%w: no actor named", ErrNotAuthorized)
	case g.o.authorizer == nil:
		err = fmt.Errorf("%w: no authorizer configured", ErrNotAuthorized)
	case g.o.auditor == nil:
		err = fmt.Errorf("%w: no auditor configured", ErrNotAuthorized)
	default:
		for _, c := range caps {
			if e := g.o.authorizer.Authorize(ctx, p.Actor, c); e != nil {
				err = fmt.Errorf("%w: actor %q lacks %v: %w", ErrNotAuthorized, p.Actor, c, e)
				break
			}
		}
	}
	if err != nil {
		return g.deny(ctx, ev, err)
	}
	ev.Allowed = true
	if e := g.o.auditor.Audit(ctx, ev); e != nil {
		return fmt.Errorf("%w: %w", ErrAuditFailed, e)
	}
	return nil
}

// deny records a denied act (best effort) and returns err.
func (g *Governor) deny(ctx context.Context, ev AuditEvent, err error) error {
	if ev.Time.IsZero() {
		ev.Time = g.o.clock().UTC()
	}
	ev.Allowed = false
	ev.Detail = err.Error()
	if g.o.auditor != nil {
		_ = g.o.auditor.Audit(ctx, ev)
	}
	return err
}

// CheckEarly decides whether r may be disposed of now, before its period
// ends, by the actor in p. A held record never may ([ErrHeld]); a
// compliance-mode record never may ([ErrComplianceMode]); a governance-mode
// record may when p.Bypass is set and the actor holds
// [CapBypassGovernance]. Allowed and denied attempts are audited. A record
// already due needs no privilege and is allowed without audit.
func (g *Governor) CheckEarly(ctx context.Context, pol *Policies, r *Record, p Privilege) (Decision, error) {
	d, err := pol.Evaluate(r, g.o.clock())
	if err != nil {
		return d, err
	}
	ev := AuditEvent{Act: ActEarlyDisposal, Actor: p.Actor, Reason: p.Reason, Category: r.Category,
		Rule: d.Rule, RecordID: r.ID, Subject: r.Subject}
	switch {
	case d.Verdict == Held:
		return d, g.deny(ctx, ev, fmt.Errorf("%w: record %q", ErrHeld, r.ID))
	case d.Verdict == Due:
		return d, nil
	case d.Mode == Compliance:
		return d, g.deny(ctx, ev, fmt.Errorf("%w: record %q of category %q is retained until %s",
			ErrComplianceMode, r.ID, r.Category, untilString(d.Until)))
	case !p.Bypass:
		return d, g.deny(ctx, ev, fmt.Errorf("%w: record %q is retained until %s", ErrBypassNotRequested, r.ID, untilString(d.Until)))
	}
	ev.Detail = "retained until " + untilString(d.Until)
	return d, g.authorize(ctx, ev, p, CapBypassGovernance)
}

func untilString(t time.Time) string {
	if t.IsZero() {
		return "its trigger happens"
	}
	return t.Format(time.RFC3339)
}

// ChangePolicies checks that the policy set cur may be replaced by next,
// and audits the change. Every change needs [CapChangePolicy]. For a
// compliance-mode category the change may only extend: the category stays,
// in compliance mode, with the same trigger and a period at least as long
// (or a retain-until date no earlier), else [ErrComplianceMode] for every
// actor. For a governance-mode category, shortening or removal needs
// p.Bypass and [CapBypassGovernance].
func (g *Governor) ChangePolicies(ctx context.Context, cur, next *Policies, p Privilege) error {
	ev := AuditEvent{Act: ActChangePolicy, Actor: p.Actor, Reason: p.Reason}
	var shortened []string
	for i := range cur.list {
		old := &cur.list[i].Policy
		np, ok := next.Policy(old.Category)
		reason := ""
		switch {
		case !ok:
			reason = "category removed"
		case np.Mode != old.Mode && old.Mode == Compliance:
			reason = "mode weakened to governance"
		case np.Period.IsZero() != old.Period.IsZero():
			reason = "changed between period and retain_until"
		case np.Trigger != old.Trigger || np.Event != old.Event:
			reason = "trigger changed"
		case !old.Period.IsZero() && !np.Period.AtLeast(old.Period):
			reason = fmt.Sprintf("period shortened from %v to %v", old.Period, np.Period)
		case !old.RetainUntil.IsZero() && np.RetainUntil.Before(old.RetainUntil):
			reason = "retain_until moved earlier"
		case !old.MinPeriod.IsZero() && !np.MinPeriod.AtLeast(old.MinPeriod):
			reason = "min_period lowered"
		}
		if reason == "" {
			continue
		}
		if old.Mode == Compliance {
			ev.Category, ev.Rule = old.Category, old.Rule
			return g.deny(ctx, ev, fmt.Errorf("%w: category %q: %s", ErrComplianceMode, old.Category, reason))
		}
		shortened = append(shortened, fmt.Sprintf("%s: %s", old.Category, reason))
	}
	if len(shortened) == 0 {
		ev.Detail = "extension or unchanged"
		return g.authorize(ctx, ev, p, CapChangePolicy)
	}
	sort.Strings(shortened)
	ev.Detail = fmt.Sprint(shortened)
	if !p.Bypass {
		return g.deny(ctx, ev, fmt.Errorf("%w: governance policy shortened (%s)", ErrBypassNotRequested, ev.Detail))
	}
	return g.authorize(ctx, ev, p, CapChangePolicy, CapBypassGovernance)
}

// Hold is a legal hold. With a RecordID it holds that one record (Subject
// may then name the record's subject, so that the subject's erasure is
// refused too); with only a Subject it holds every record of the subject.
// It has no expiry: only [Governor.LiftHold] ends it.
type Hold struct {
	ID       string    `json:"id" yaml:"id"`
	Subject  string    `json:"subject,omitempty" yaml:"subject,omitempty"`
	RecordID string    `json:"record_id,omitempty" yaml:"record_id,omitempty"`
	Reason   string    `json:"reason" yaml:"reason"`
	PlacedBy string    `json:"placed_by" yaml:"placed_by"`
	PlacedAt time.Time `json:"placed_at" yaml:"placed_at"`
}

// HoldStore keeps legal holds. Implementations must be safe for concurrent
// use. Hosts should remove holds only through [Governor.LiftHold], which
// authorizes and audits the act.
type HoldStore interface {
	// PutHold stores h (replacing a hold with the same ID).
	PutHold(ctx context.Context, h Hold) error
	// RemoveHold removes the hold with the given ID and returns it, or
	// returns [ErrHoldNotFound].
	RemoveHold(ctx context.Context, id string) (Hold, error)
	// HoldsFor returns the holds whose Subject is subject (subject-wide
	// holds, and record holds naming the subject) or whose RecordID is
	// recordID; either argument may be empty.
	HoldsFor(ctx context.Context, subject, recordID string) ([]Hold, error)
}

// PlaceHold places a legal hold, which needs [CapManageHolds] and is
// audited. An empty ID is filled with a random one, PlacedBy and PlacedAt
// with the actor and the time. It returns the hold as stored.
func (g *Governor) PlaceHold(ctx context.Context, s HoldStore, h Hold, p Privilege) (Hold, error) {
	if h.Subject == "" && h.RecordID == "" {
		return Hold{}, fmt.Errorf("%w: a hold names a subject or a record", ErrInvalidPolicy)
	}
	if h.ID == "" {
		var b [12]byte
		if _, err := rand.Read(b[:]); err != nil {
			return Hold{}, fmt.Errorf("retention: hold ID: %w", err)
		}
		h.ID = "hold_" + hex.EncodeToString(b[:])
	}
	h.PlacedBy, h.PlacedAt = p.Actor, g.o.clock().UTC()
	ev := AuditEvent{Act: ActPlaceHold, HoldID: h.ID, Subject: h.Subject, RecordID: h.RecordID, Detail: h.Reason}
	if err := g.authorize(ctx, ev, p, CapManageHolds); err != nil {
		return Hold{}, err
	}
	if err := s.PutHold(ctx, h); err != nil {
		return Hold{}, fmt.Errorf("retention: placing hold %q: %w", h.ID, err)
	}
	return h, nil
}

// LiftHold lifts a legal hold: an explicit act that needs
// [CapManageHolds] and a stated reason, and is audited.
func (g *Governor) LiftHold(ctx context.Context, s HoldStore, id string, p Privilege) error {
	ev := AuditEvent{Act: ActLiftHold, HoldID: id}
	if p.Reason == "" {
		ev.Actor = p.Actor
		return g.deny(ctx, ev, fmt.Errorf("%w: lifting a hold needs a reason", ErrNotAuthorized))
	}
	if err := g.authorize(ctx, ev, p, CapManageHolds); err != nil {
		return err
	}
	if _, err := s.RemoveHold(ctx, id); err != nil {
		return fmt.Errorf("retention: lifting hold %q: %w", id, err)
	}
	return nil
}

// MemoryHolds is an in-memory [HoldStore], safe for concurrent use. The zero
// value is empty and ready.
type MemoryHolds struct {
	mu    sync.RWMutex
	holds map[string]Hold
	bySub map[string]int // number of subject-wide holds per subject
	byRec map[string]int // number of record holds per record
}

// PutHold stores h.
func (m *MemoryHolds) PutHold(_ context.Context, h Hold) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.holds == nil {
		m.holds, m.bySub, m.byRec = map[string]Hold{}, map[string]int{}, map[string]int{}
	}
	if old, ok := m.holds[h.ID]; ok {
		m.dec(old)
	}
	m.holds[h.ID] = h
	if h.RecordID != "" {
		m.byRec[h.RecordID]++
	} else if h.Subject != "" {
		m.bySub[h.Subject]++
	}
	return nil
}

func (m *MemoryHolds) dec(h Hold) {
	if h.RecordID != "" {
		if m.byRec[h.RecordID]--; m.byRec[h.RecordID] == 0 {
			delete(m.byRec, h.RecordID)
		}
	} else if h.Subject != "" {
		if m.bySub[h.Subject]--; m.bySub[h.Subject] == 0 {
			delete(m.bySub, h.Subject)
		}
	}
}

// RemoveHold removes a hold by ID.
func (m *MemoryHolds) RemoveHold(_ context.Context, id string) (Hold, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h, ok := m.holds[id]
	if !ok {
		return Hold{}, ErrHoldNotFound
	}
	delete(m.holds, id)
	m.dec(h)
	return h, nil
}

// HoldsFor returns the holds on a subject or a record, sorted by ID.
func (m *MemoryHolds) HoldsFor(_ context.Context, subject, recordID string) ([]Hold, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []Hold
	for _, h := range m.holds {
		if (subject != "" && h.Subject == subject) || (recordID != "" && h.RecordID == recordID) {
			out = append(out, h)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// IsHeld reports whether a subject-wide hold on the subject or a record
// hold on the record applies, without allocating; sources use it to fill
// [Record.Held].
func (m *MemoryHolds) IsHeld(subject, recordID string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return (subject != "" && m.bySub[subject] > 0) || (recordID != "" && m.byRec[recordID] > 0)
}
