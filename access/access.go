// Package access decides who may reveal protected data and records every
// reveal in an audit trail.
//
// Decrypt, detokenize and unmask are reveals. A package that reveals takes a
// [context.Context] carrying the caller's [Principal] and purpose, asks a
// [Guard] whether the reveal is allowed, and records one [Event] per call
// that names who, what, why and the outcome, and never the value.
//
// # Defaults
//
// A nil *Guard, and the Guard returned by [NewGuard] without options, allow
// every reveal and audit nothing. A service turns both on with one option on
// the revealing package (for example encrypt.WithGuard) and a Guard built with
// [WithAuthorizer] and [WithAuditor].
//
// # Context
//
// [WithPrincipal] and [WithPurpose] attach the caller and the purpose of the
// access to a context; [PrincipalFrom] and [PurposeFrom] read them back.
package access

import (
	"context"
	"errors"
	"slices"
	"time"
)

// ErrDenied is returned (wrapped) when an [Authorizer] refuses a reveal.
var ErrDenied = errors.New("access: denied")

// Principal is who asks for a reveal: a user or a service, and its roles.
type Principal struct {
	// ID names the principal, e.g. a user name or service account.
	ID string
	// Roles are the roles granted to the principal.
	Roles []string
}

type principalKey struct{}
type purposeKey struct{}

// WithPrincipal returns a copy of ctx that carries p. The roles are copied,
// so later changes to p.Roles do not affect the context.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	p.Roles = slices.Clone(p.Roles)
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal carried by ctx, if any. The returned
// Roles slice is a copy.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	if ok {
		p.Roles = slices.Clone(p.Roles)
	}
	return p, ok
}

// WithPurpose returns a copy of ctx that carries the purpose of the access,
// e.g. "support", "billing", "fraud-review".
func WithPurpose(ctx context.Context, purpose string) context.Context {
	return context.WithValue(ctx, purposeKey{}, purpose)
}

// PurposeFrom returns the purpose carried by ctx, if any.
func PurposeFrom(ctx context.Context) (string, bool) {
	p, ok := ctx.Value(purposeKey{}).(string)
	return p, ok
}

// Action is the kind of reveal being asked for.
type Action uint8

// Actions. The zero value is invalid.
const (
	ActionUnknown    Action = iota
	ActionDecrypt           // decrypting a field or stream
	ActionDetokenize        // turning a token back into its value
	ActionUnmask            // showing a masked value in clear
	ActionErase             // destroying data or keys (crypto-shredding)
)

// String returns the action's name, e.g. "decrypt".
func (a Action) String() string {
	switch a {
	case ActionDecrypt:
		return "decrypt"
	case ActionDetokenize:
		return "detokenize"
	case ActionUnmask:
		return "unmask"
	case ActionErase:
		return "erase"
	default:
		return "unknown"
	}
}

// Request describes one reveal. It never holds the protected value.
type Request struct {
	// Action is what is asked for.
	Action Action
	// Resource names what is revealed, conventionally "table.field" or a
	// tokenizer's name.
	Resource string
	// Subject is the data subject or row the value belongs to, if known.
	Subject string
	// KeyID is the ID of the key involved, if known (0 otherwise).
	KeyID uint32
}

// Authorizer decides whether the principal and purpose in ctx may perform a
// request. It returns nil to allow, and an error wrapping [ErrDenied] to
// refuse. Implementations must be safe for concurrent use.
type Authorizer interface {
	Authorize(ctx context.Context, req Request) error
}

// AuthorizerFunc adapts a function to [Authorizer].
type AuthorizerFunc func(ctx context.Context, req Request) error

// Authorize calls f.
func (f AuthorizerFunc) Authorize(ctx context.Context, req Request) error { return f(ctx, req) }

// Outcome is how a reveal ended.
type Outcome uint8

// Outcomes. The zero value is invalid.
const (
	OutcomeUnknown Outcome = iota
	OutcomeAllowed         // the reveal succeeded
	OutcomeDenied          // the authorizer refused it
	OutcomeFailed          // it was allowed but failed (bad ciphertext, destroyed key...)
)

// String returns the outcome's name, e.g. "allowed".
func (o Outcome) String() string {
	switch o {
	case OutcomeAllowed:
		return "allowed"
	case OutcomeDenied:
		return "denied"
	case OutcomeFailed:
		return "failed"
	default:
		return "unknown"
	}
}

// Event is one audit record: one per reveal call. It never holds the value.
type Event struct {
	Time      time.Time
	Principal string   // Principal.ID, "" when the context carries none
	Roles     []string // the principal's roles
	Purpose   string   // "" when the context carries none
	Action    Action
	Resource  string
	Subject   string
	KeyID     uint32
	Outcome   Outcome
	// Err is the error that ended the reveal, nil when it succeeded. Errors of
	// Custos packages carry names, lengths and key IDs only.
	Err error
}

// Auditor receives audit events. Implementations must be safe for concurrent
// use and must not retain ctx beyond the call.
type Auditor interface {
	Audit(ctx context.Context, e Event)
}

// AuditorFunc adapts a function to [Auditor].
type AuditorFunc func(ctx context.Context, e Event)

// Audit calls f.
func (f AuditorFunc) Audit(ctx context.Context, e Event) { f(ctx, e) }

// Guard joins an optional [Authorizer] and an optional [Auditor]. A nil
// *Guard is valid: it allows everything and audits nothing. A Guard is
// immutable and safe for concurrent use.
type Guard struct {
	authz Authorizer
	audit Auditor
	now   func() time.Time
}

// Option configures a [Guard].
type Option func(*Guard)

// WithAuthorizer makes the guard ask a before every reveal.
func WithAuthorizer(a Authorizer) Option { return func(g *Guard) { g.authz = a } }

// WithAuditor makes the guard send one event per reveal to a.
func WithAuditor(a Auditor) Option { return func(g *Guard) { g.audit = a } }

// WithClock sets the clock used to stamp events (default time.Now).
func WithClock(now func() time.Time) Option { return func(g *Guard) { g.now = now } }

// NewGuard returns a guard with the given options.
func NewGuard(opts ...Option) *Guard {
	g := &Guard{now: time.Now}
	for _, o := range opts {
		o(g)
	}
	if g.now == nil {
		g.now = time.Now
	}
	return g
}

// Authorize asks the guard's authorizer about req. It returns nil when the
// guard is nil or has no authorizer. A refusal that does not already wrap
// [ErrDenied] is wrapped so that errors.Is(err, ErrDenied) holds.
func (g *Guard) Authorize(ctx context.Context, req Request) error {
	if g == nil || g.authz == nil {
		return nil
	}
	err := g.authz.Authorize(ctx, req)
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrDenied) {
		return err
	}
	return &deniedError{err: err}
}

// Audits reports whether Record sends events anywhere. Callers may use it to
// skip work that only feeds the audit trail.
func (g *Guard) Audits() bool { return g != nil && g.audit != nil }

// Record sends one event for req, with outcome derived from err: nil is
// [OutcomeAllowed], an error wrapping [ErrDenied] is [OutcomeDenied], any other
// error is [OutcomeFailed].
func (g *Guard) Record(ctx context.Context, req Request, err error) {
	if g == nil || g.audit == nil {
		return
	}
	e := Event{
		Time:     g.now(),
		Action:   req.Action,
		Resource: req.Resource,
		Subject:  req.Subject,
		KeyID:    req.KeyID,
		Outcome:  OutcomeAllowed,
		Err:      err,
	}
	if p, ok := PrincipalFrom(ctx); ok {
		e.Principal, e.Roles = p.ID, p.Roles
	}
	if p, ok := PurposeFrom(ctx); ok {
		e.Purpose = p
	}
	switch {
	case err == nil:
	case errors.Is(err, ErrDenied):
		e.Outcome = OutcomeDenied
	default:
		e.Outcome = OutcomeFailed
	}
	g.audit.Audit(ctx, e)
}

// Reveal authorizes req, runs fn if allowed, and records one event with the
// result. It returns the authorizer's refusal or fn's error.
func (g *Guard) Reveal(ctx context.Context, req Request, fn func() error) error {
	err := g.Authorize(ctx, req)
	if err == nil {
		err = fn()
	}
	g.Record(ctx, req, err)
	return err
}

type deniedError struct{ err error }

func (e *deniedError) Error() string { return "access: denied: " + e.err.Error() }

func (e *deniedError) Unwrap() []error { return []error{ErrDenied, e.err} }
