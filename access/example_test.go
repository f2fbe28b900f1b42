package access_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/custos-dev/custos/access"
)

func Example() {
	rbac, err := access.NewRBAC(access.Grant{
		Role:      "support",
		Actions:   []access.Action{access.ActionDecrypt},
		Resources: []string{"customers.*"},
		Purposes:  []string{"support-ticket"},
	})
	if err != nil {
		panic(err)
	}
	// A logger without time so that the output is stable.
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	guard := access.NewGuard(access.WithAuthorizer(rbac), access.WithAuditor(access.NewSlogAuditor(logger)))

	ctx := access.WithPrincipal(context.Background(), access.Principal{ID: "alice", Roles: []string{"support"}})
	ctx = access.WithPurpose(ctx, "support-ticket")
	req := access.Request{Action: access.ActionDecrypt, Resource: "customers.email", Subject: "cust-42"}
	err = guard.Reveal(ctx, req, func() error { return nil /* decrypt here */ })
	fmt.Println("alice:", err)

	ctx = access.WithPurpose(ctx, "marketing")
	err = guard.Reveal(ctx, req, func() error { return nil })
	fmt.Println("denied:", errors.Is(err, access.ErrDenied))
	// Output:
	// level=INFO msg="access: reveal" principal=alice roles=[support] purpose=support-ticket action=decrypt resource=customers.email subject=cust-42 key_id=0 outcome=allowed
	// alice: <nil>
	// level=INFO msg="access: reveal" principal=alice roles=[support] purpose=marketing action=decrypt resource=customers.email subject=cust-42 key_id=0 outcome=denied error="access: denied: principal \"alice\" may not decrypt \"customers.email\" for purpose \"marketing\": no grant matches"
	// denied: true
}

func ExampleWithPrincipal() {
	ctx := access.WithPrincipal(context.Background(), access.Principal{ID: "svc-billing", Roles: []string{"billing"}})
	p, ok := access.PrincipalFrom(ctx)
	fmt.Println(p.ID, p.Roles, ok)
	// Output: svc-billing [billing] true
}

func ExampleWithPurpose() {
	ctx := access.WithPurpose(context.Background(), "fraud-review")
	purpose, ok := access.PurposeFrom(ctx)
	fmt.Println(purpose, ok)
	// Output: fraud-review true
}

func ExampleNewGuard() {
	var events []access.Event
	guard := access.NewGuard(
		access.WithAuditor(access.AuditorFunc(func(_ context.Context, e access.Event) { events = append(events, e) })),
		access.WithClock(func() time.Time { return time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC) }),
	)
	ctx := access.WithPrincipal(context.Background(), access.Principal{ID: "bob"})
	_ = guard.Authorize(ctx, access.Request{Action: access.ActionUnmask, Resource: "orders.phone"})
	guard.Record(ctx, access.Request{Action: access.ActionUnmask, Resource: "orders.phone"}, nil)
	fmt.Println(len(events), events[0].Principal, events[0].Action, events[0].Outcome)
	// Output: 1 bob unmask allowed
}

func ExampleNewSlogAuditor() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	a := access.NewSlogAuditor(logger)
	a.Audit(context.Background(), access.Event{Principal: "svc", Action: access.ActionDecrypt, Resource: "users.name", Outcome: access.OutcomeAllowed})
	// Output: {"level":"INFO","msg":"access: reveal","principal":"svc","roles":null,"purpose":"","action":"decrypt","resource":"users.name","subject":"","key_id":0,"outcome":"allowed"}
}
