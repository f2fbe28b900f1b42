package access

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestContextRoundTrip(t *testing.T) {
	ctx := context.Background()
	_, ok := PrincipalFrom(ctx)
	assert.False(t, ok)
	_, ok = PurposeFrom(ctx)
	assert.False(t, ok)

	roles := []string{"support"}
	ctx = WithPrincipal(ctx, Principal{ID: "alice", Roles: roles})
	ctx = WithPurpose(ctx, "ticket-123")
	roles[0] = "admin" // must not leak into the context
	p, ok := PrincipalFrom(ctx)
	require.True(t, ok)
	assert.Equal(t, Principal{ID: "alice", Roles: []string{"support"}}, p)
	p.Roles[0] = "root" // nor back
	p2, _ := PrincipalFrom(ctx)
	assert.Equal(t, []string{"support"}, p2.Roles)
	purpose, ok := PurposeFrom(ctx)
	require.True(t, ok)
	assert.Equal(t, "ticket-123", purpose)
}

func TestEnumStrings(t *testing.T) {
	assert.Equal(t, "unknown", ActionUnknown.String())
	assert.Equal(t, "decrypt", ActionDecrypt.String())
	assert.Equal(t, "detokenize", ActionDetokenize.String())
	assert.Equal(t, "unmask", ActionUnmask.String())
	assert.Equal(t, "erase", ActionErase.String())
	assert.Equal(t, "unknown", Action(99).String())
	assert.Equal(t, "unknown", OutcomeUnknown.String())
	assert.Equal(t, "allowed", OutcomeAllowed.String())
	assert.Equal(t, "denied", OutcomeDenied.String())
	assert.Equal(t, "failed", OutcomeFailed.String())
}

func testRBAC(t *testing.T) *RBAC {
	t.Helper()
	r, err := NewRBAC(
		Grant{Role: "support", Actions: []Action{ActionDecrypt}, Resources: []string{"customers.email", "customers.name"}, Purposes: []string{"support"}},
		Grant{Role: "billing", Actions: []Action{ActionDecrypt, ActionDetokenize}, Resources: []string{"payments.*"}},
		Grant{Role: "dpo", Actions: []Action{ActionErase}, Resources: []string{"*"}},
	)
	require.NoError(t, err)
	return r
}

func TestRBAC(t *testing.T) {
	r := testRBAC(t)
	ctxFor := func(id, purpose string, roles ...string) context.Context {
		ctx := WithPrincipal(context.Background(), Principal{ID: id, Roles: roles})
		if purpose != "" {
			ctx = WithPurpose(ctx, purpose)
		}
		return ctx
	}
	tests := []struct {
		name  string
		ctx   context.Context
		req   Request
		allow bool
	}{
		{"support reads email for support", ctxFor("a", "support", "support"), Request{Action: ActionDecrypt, Resource: "customers.email"}, true},
		{"support wrong purpose", ctxFor("a", "marketing", "support"), Request{Action: ActionDecrypt, Resource: "customers.email"}, false},
		{"support no purpose", ctxFor("a", "", "support"), Request{Action: ActionDecrypt, Resource: "customers.email"}, false},
		{"support other field", ctxFor("a", "support", "support"), Request{Action: ActionDecrypt, Resource: "customers.ssn"}, false},
		{"support wrong action", ctxFor("a", "support", "support"), Request{Action: ActionDetokenize, Resource: "customers.email"}, false},
		{"billing prefix", ctxFor("b", "", "billing"), Request{Action: ActionDetokenize, Resource: "payments.card"}, true},
		{"billing prefix is not the table itself", ctxFor("b", "", "billing"), Request{Action: ActionDetokenize, Resource: "payments."}, false},
		{"billing prefix other table", ctxFor("b", "", "billing"), Request{Action: ActionDetokenize, Resource: "paymentsx.card"}, false},
		{"dpo any resource", ctxFor("c", "gdpr", "dpo"), Request{Action: ActionErase, Resource: "anything"}, true},
		{"two roles, second matches", ctxFor("d", "", "support", "billing"), Request{Action: ActionDecrypt, Resource: "payments.iban"}, true},
		{"unknown role", ctxFor("e", "support", "intern"), Request{Action: ActionDecrypt, Resource: "customers.email"}, false},
		{"no principal", WithPurpose(context.Background(), "support"), Request{Action: ActionDecrypt, Resource: "customers.email"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := r.Authorize(tt.ctx, tt.req)
			if tt.allow {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrDenied)
			var de *DeniedError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, tt.req.Resource, de.Resource)
		})
	}
	var zero RBAC
	assert.ErrorIs(t, zero.Authorize(ctxFor("a", "", "support"), Request{Action: ActionDecrypt, Resource: "x"}), ErrDenied)
}

func TestNewRBACRejects(t *testing.T) {
	tests := []struct {
		name string
		g    Grant
	}{
		{"no role", Grant{Actions: []Action{ActionDecrypt}, Resources: []string{"*"}}},
		{"no actions", Grant{Role: "r", Resources: []string{"*"}}},
		{"unknown action", Grant{Role: "r", Actions: []Action{ActionUnknown}, Resources: []string{"*"}}},
		{"no resources", Grant{Role: "r", Actions: []Action{ActionDecrypt}}},
		{"empty resource", Grant{Role: "r", Actions: []Action{ActionDecrypt}, Resources: []string{""}}},
		{"inner star", Grant{Role: "r", Actions: []Action{ActionDecrypt}, Resources: []string{"a*b"}}},
		{"two stars", Grant{Role: "r", Actions: []Action{ActionDecrypt}, Resources: []string{"*.*"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewRBAC(tt.g)
			assert.ErrorIs(t, err, ErrInvalidPolicy)
		})
	}
}

type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) Audit(_ context.Context, e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func TestGuard(t *testing.T) {
	var nilGuard *Guard
	assert.NoError(t, nilGuard.Authorize(context.Background(), Request{}))
	nilGuard.Record(context.Background(), Request{}, nil) // must not panic
	assert.False(t, nilGuard.Audits())
	assert.NoError(t, NewGuard().Authorize(context.Background(), Request{Action: ActionDecrypt}))

	fixed := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	rec := &recorder{}
	g := NewGuard(WithAuthorizer(testRBAC(t)), WithAuditor(rec), WithClock(func() time.Time { return fixed }))
	assert.True(t, g.Audits())
	ctx := WithPurpose(WithPrincipal(context.Background(), Principal{ID: "alice", Roles: []string{"support"}}), "support")
	req := Request{Action: ActionDecrypt, Resource: "customers.email", Subject: "cust-1", KeyID: 42}

	boom := errors.New("encrypt: authentication failed")
	assert.NoError(t, g.Reveal(ctx, req, func() error { return nil }))
	assert.ErrorIs(t, g.Reveal(ctx, req, func() error { return boom }), boom)
	ran := false
	denied := g.Reveal(ctx, Request{Action: ActionDecrypt, Resource: "customers.ssn"}, func() error { ran = true; return nil })
	assert.ErrorIs(t, denied, ErrDenied)
	assert.False(t, ran, "fn must not run when denied")

	require.Len(t, rec.events, 3)
	assert.Equal(t, Event{Time: fixed, Principal: "alice", Roles: []string{"support"}, Purpose: "support",
		Action: ActionDecrypt, Resource: "customers.email", Subject: "cust-1", KeyID: 42, Outcome: OutcomeAllowed}, rec.events[0])
	assert.Equal(t, OutcomeFailed, rec.events[1].Outcome)
	assert.Equal(t, boom, rec.events[1].Err)
	assert.Equal(t, OutcomeDenied, rec.events[2].Outcome)
	assert.Equal(t, "customers.ssn", rec.events[2].Resource)

	// A plain error from a custom authorizer is wrapped into ErrDenied.
	plain := errors.New("custom says no")
	g2 := NewGuard(WithAuthorizer(AuthorizerFunc(func(context.Context, Request) error { return plain })))
	err := g2.Authorize(ctx, req)
	assert.ErrorIs(t, err, ErrDenied)
	assert.ErrorIs(t, err, plain)
	assert.Contains(t, err.Error(), "access: denied")
}

func TestSlogAuditor(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	g := NewGuard(WithAuditor(NewSlogAuditor(logger)), WithClock(func() time.Time { return time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC) }))
	ctx := WithPurpose(WithPrincipal(context.Background(), Principal{ID: "svc", Roles: []string{"r1"}}), "billing")
	g.Record(ctx, Request{Action: ActionDetokenize, Resource: "cards.pan", Subject: "s1", KeyID: 7}, errors.New("tokenize: unknown token"))
	var m map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &m))
	assert.Equal(t, map[string]any{
		"time": "2026-11-21T00:00:00Z", "level": "INFO", "msg": "access: reveal",
		"principal": "svc", "roles": []any{"r1"}, "purpose": "billing", "action": "detokenize",
		"resource": "cards.pan", "subject": "s1", "key_id": float64(7), "outcome": "failed",
		"error": "tokenize: unknown token",
	}, m)

	// Disabled level: nothing written.
	buf.Reset()
	quiet := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelError}))
	NewGuard(WithAuditor(NewSlogAuditor(quiet))).Record(ctx, Request{Action: ActionDecrypt}, nil)
	assert.Empty(t, buf.String())
}

func TestGuardConcurrent(t *testing.T) {
	rec := &recorder{}
	g := NewGuard(WithAuthorizer(testRBAC(t)), WithAuditor(rec))
	allowed := WithPurpose(WithPrincipal(context.Background(), Principal{ID: "a", Roles: []string{"support"}}), "support")
	deniedCtx := WithPrincipal(context.Background(), Principal{ID: "b", Roles: []string{"support"}})
	req := Request{Action: ActionDecrypt, Resource: "customers.email"}
	wantAllowed := g.Authorize(allowed, req) == nil
	wantDenied := g.Authorize(deniedCtx, req) != nil
	require.True(t, wantAllowed)
	require.True(t, wantDenied)
	rec.events = nil

	const workers, n = 8, 200
	var wg sync.WaitGroup
	errs := make(chan string, workers*n)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				ctx := allowed
				if (w+i)%2 == 1 {
					ctx = deniedCtx
				}
				err := g.Reveal(ctx, req, func() error { return nil })
				if (err == nil) != (ctx == allowed) {
					errs <- "mismatch"
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	assert.Empty(t, errs)
	assert.Len(t, rec.events, workers*n)
}
