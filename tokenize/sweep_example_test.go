package tokenize_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/custos-dev/custos/retention"
	"github.com/custos-dev/custos/tokenize"
	"github.com/custos-dev/custos/tokenize/vault/memstore"
)

// printEvidence prints each disposition of a sweep.
type printEvidence struct{}

func (printEvidence) WriteEvidence(_ context.Context, ds []retention.Disposition) error {
	for _, d := range ds {
		fmt.Println("evidence:", d.RecordID, d.Category, d.Action, d.Outcome, d.Time.Format(time.RFC3339))
	}
	return nil
}

// A retention sweep removes the vault's expired tokens, with evidence.
func ExampleNewTokenCleanup() {
	ctx := context.Background()
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	v, err := tokenize.NewVault(exampleRoot(), "sessions", memstore.New(), tokenize.VaultConfig{}, tokenize.WithClock(clock))
	if err != nil {
		log.Fatal(err)
	}
	short, _ := v.Tokenize(ctx, "one-time", tokenize.WithTTL(time.Minute))
	long, _ := v.Tokenize(ctx, "session-data", tokenize.WithTTL(time.Hour))

	// Expired vault tokens are deleted as soon as they expire ("0s").
	pol, err := retention.New(retention.Config{Policies: []retention.Policy{{
		Category: tokenize.DefaultTokenCategory, Mode: retention.Governance, Period: mustPeriod("0s"),
		Trigger: retention.Event, Event: "expired", Action: retention.Delete,
	}}})
	if err != nil {
		log.Fatal(err)
	}
	cleanup, err := tokenize.NewTokenCleanup(pol, tokenize.TokenCleanupConfig{}, v)
	if err != nil {
		log.Fatal(err)
	}
	sweeper, err := retention.NewSweeper(pol, cleanup, printEvidence{}, retention.SweepConfig{Name: "vault-tokens"},
		retention.WithHandler(retention.Delete, cleanup), retention.WithClock(clock))
	if err != nil {
		log.Fatal(err)
	}

	now = now.Add(2 * time.Minute)
	_, err = v.Detokenize(ctx, short)
	fmt.Println("before:", err)
	if _, err := sweeper.Sweep(ctx); err != nil {
		log.Fatal(err)
	}
	_, err = v.Detokenize(ctx, short)
	fmt.Println("after:", err)
	value, err := v.Detokenize(ctx, long)
	fmt.Println("unexpired:", value, err)
	// Output:
	// before: tokenize: token expired: sessions: expired at 2026-11-21T12:01:00Z
	// evidence: vault:sessions vault_token delete done 2026-11-21T12:02:00Z
	// after: tokenize: token not found: sessions
	// unexpired: session-data <nil>
}

func mustPeriod(s string) retention.Period {
	p, err := retention.ParsePeriod(s)
	if err != nil {
		log.Fatal(err)
	}
	return p
}
