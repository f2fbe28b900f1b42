package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/custos-dev/custos/keys"
	"github.com/custos-dev/custos/tokenize"
)

// The adapters below connect retention.Eraser to the service's pieces. Each
// is idempotent, as the Eraser requires: a request that failed half-way is
// simply run again.

// keyShredder destroys a customer's data key. keys.SubjectKeys.Destroy is
// already idempotent (destroying twice is not an error), so Shred is a plain
// call; it also reports, as residue, how long other instances of the
// service may still hold the key in their caches.
type keyShredder struct {
	sk  *keys.SubjectKeys
	now func() time.Time
}

func (k keyShredder) Shred(ctx context.Context, subject string) error {
	return k.sk.Destroy(ctx, subject)
}

func (k keyShredder) Residue(_ context.Context, _ string) ([]string, error) {
	until := k.now().Add(cacheTTL).UTC().Format(time.RFC3339)
	return []string{fmt.Sprintf("other service instances may still use a cached copy of the data key until %s (cache TTL %v)", until, cacheTTL)}, nil
}

// cardTokens erases a customer's card tokens. It reads the card number back
// from the customer's token (a reveal, allowed to the erasure job for the
// purpose "erasure") and deletes every token of that number, including the
// ones the payments side holds; then it clears the token from the row.
//
// DeleteValue removes every token of the number, whoever holds it: right
// for a card that belongs to one customer. A service whose values are shared
// between customers would delete by token instead (Vault.Delete).
type cardTokens struct {
	t table
	v *tokenize.Vault
}

func (c cardTokens) EraseSubject(ctx context.Context, subject string) (int, error) {
	r, err := c.t.get(ctx, subject)
	if errors.Is(err, errNoCustomer) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if r.CardToken == "" {
		return 0, nil // erased before
	}
	n := 0
	card, err := c.v.Detokenize(ctx, r.CardToken)
	switch {
	case err == nil:
		if n, err = c.v.DeleteValue(ctx, card); err != nil {
			return n, err
		}
	case errors.Is(err, tokenize.ErrNotFound):
		// Deleted by an earlier attempt that failed before clearing the row.
	case errors.Is(err, tokenize.ErrExpired):
		// The number can no longer be read back: delete this token.
		if err := c.v.Delete(ctx, r.CardToken); err != nil {
			return 0, err
		}
		n = 1
	default:
		return 0, err
	}
	if _, err := c.t.clearCardToken(ctx, subject, r.CardToken); err != nil {
		return n, err
	}
	return n, nil
}

// emailIndex removes a customer's blind-index entry, so that lookups by
// email no longer find the row. (The row itself stays, its email and name
// unreadable, for the order history that refers to it.)
type emailIndex struct{ t table }

func (e emailIndex) EraseSubject(ctx context.Context, subject string) (int, error) {
	return e.t.clearEmailIndex(ctx, subject)
}
