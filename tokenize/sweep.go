package tokenize

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/custos-dev/custos/retention"
	"github.com/custos-dev/custos/tokenize/vault"
)

// DefaultTokenCategory is the retention category of expired vault tokens
// when TokenCleanupConfig.Category is empty.
const DefaultTokenCategory = "vault_token"

// TokenRecordPrefix starts the retention record ID of a vault's tokens in a
// TokenCleanup: the ID is the prefix followed by the vault's domain, for
// example "vault:customers.card". A legal hold on that record ID pauses the
// clean-up of the vault.
const TokenRecordPrefix = "vault:"

// defaultCleanupChunk is the default TokenCleanupConfig.ChunkSize.
const defaultCleanupChunk = 1000

// TokenCleanupConfig configures a TokenCleanup. The zero value is the
// default: category "vault_token", chunks of 1,000 records, no bound on
// chunks per sweep, no hold store.
type TokenCleanupConfig struct {
	// Category is the retention category of the vaults' tokens (default
	// DefaultTokenCategory). Its policy must have trigger Event (for
	// example "expired"), action Delete, no retain-until date, and a period
	// without years or months: the grace kept after a token expires ("0s"
	// removes a token as soon as it has expired).
	Category string `json:"category,omitempty" yaml:"category,omitempty"`
	// ChunkSize is the number of records one store call removes (default
	// 1,000, at most vault.MaxBatchSize).
	ChunkSize int `json:"chunk_size,omitempty" yaml:"chunk_size,omitempty"`
	// MaxChunks bounds the store calls per vault and sweep; 0 means until
	// no expired record is left. The next sweep continues.
	MaxChunks int `json:"max_chunks,omitempty" yaml:"max_chunks,omitempty"`
	// Holds, when set, is consulted for legal holds on each vault's record
	// (see TokenRecordPrefix), when the sweep reads it and again just
	// before the clean-up. Without it no hold can pause the clean-up.
	Holds retention.HoldStore `json:"-" yaml:"-"`
}

// TokenCleanup makes the expired tokens of vaults one more source of a
// retention.Sweeper: it is both the retention.Source and the Handler of
// retention.Delete for the category of vault tokens. Tokens themselves are
// never listed — a vault.Store can remove its expired records in bounded
// chunks (vault.Store.DeleteExpired) but cannot list them — so each vault is
// one record, with ID TokenRecordPrefix + domain, standing for all its
// tokens:
//
//   - The record's trigger time (Record.EventAt) is the Unix epoch, a lower
//     bound of every token's expiry, so the record is due at every sweep
//     unless a legal hold applies to it; its disposition is the evidence of
//     the clean-up (one per vault and sweep, without a count: a Disposition
//     has no field for one).
//   - Disposing of it removes, chunk by chunk, exactly the records whose
//     expiry plus the policy's period (the grace) is at or before the vault's
//     clock (WithClock) at that moment. It never removes a token that has not
//     expired; expired tokens are refused by Detokenize whether or not the
//     clean-up has run.
//
// The clean-up acts on the vault's store as a whole: a store shared by
// several vaults (one table for several domains) loses the expired records
// of all of them, and a hold on one vault's record does not protect the
// others'. Give each domain its own store (see "One store per domain" in
// the package documentation).
//
// A TokenCleanup is immutable and safe for concurrent use.
type TokenCleanup struct {
	category  string
	grace     time.Duration
	chunk     int
	maxChunks int
	holds     retention.HoldStore
	ids       []string // sorted record IDs
	vaults    []*Vault // in the order of ids
}

// NewTokenCleanup returns the clean-up of the expired tokens of vaults under
// the policy of cfg.Category in pol. Give the result to
// retention.NewSweeper as the source and as the handler of
// retention.Delete, with the same pol.
func NewTokenCleanup(pol *retention.Policies, cfg TokenCleanupConfig, vaults ...*Vault) (*TokenCleanup, error) {
	if pol == nil {
		return nil, fmt.Errorf("%w: token clean-up needs retention policies", ErrInvalidConfig)
	}
	if cfg.Category == "" {
		cfg.Category = DefaultTokenCategory
	}
	p, ok := pol.Policy(cfg.Category)
	if !ok {
		return nil, fmt.Errorf("%w: token clean-up: %w %q", ErrInvalidConfig, retention.ErrUnknownCategory, cfg.Category)
	}
	switch {
	case p.Trigger != retention.Event:
		return nil, fmt.Errorf("%w: token clean-up: category %q has trigger %v, want event", ErrInvalidConfig, cfg.Category, p.Trigger)
	case p.Action != retention.Delete:
		return nil, fmt.Errorf("%w: token clean-up: category %q has action %v, want delete", ErrInvalidConfig, cfg.Category, p.Action)
	case !p.RetainUntil.IsZero() || p.Period.IsZero():
		return nil, fmt.Errorf("%w: token clean-up: category %q needs a period, not a retain-until date", ErrInvalidConfig, cfg.Category)
	case p.Period.Months() != 0:
		return nil, fmt.Errorf("%w: token clean-up: category %q has period %v: use days, hours, minutes or seconds", ErrInvalidConfig, cfg.Category, p.Period)
	}
	if cfg.ChunkSize == 0 {
		cfg.ChunkSize = defaultCleanupChunk
	}
	if cfg.ChunkSize < 0 || cfg.ChunkSize > vault.MaxBatchSize {
		return nil, fmt.Errorf("%w: token clean-up: chunk size %d out of range [1, %d]", ErrInvalidConfig, cfg.ChunkSize, vault.MaxBatchSize)
	}
	if cfg.MaxChunks < 0 {
		return nil, fmt.Errorf("%w: token clean-up: negative max chunks %d", ErrInvalidConfig, cfg.MaxChunks)
	}
	if len(vaults) == 0 {
		return nil, fmt.Errorf("%w: token clean-up needs at least one vault", ErrInvalidConfig)
	}
	vs := slices.Clone(vaults)
	for _, v := range vs {
		if v == nil {
			return nil, fmt.Errorf("%w: token clean-up: nil vault", ErrInvalidConfig)
		}
	}
	slices.SortFunc(vs, func(a, b *Vault) int { return cmp.Compare(a.domain, b.domain) })
	c := &TokenCleanup{category: cfg.Category, grace: p.Period.Fixed(), chunk: cfg.ChunkSize, maxChunks: cfg.MaxChunks,
		holds: cfg.Holds, vaults: vs, ids: make([]string, len(vs))}
	for i, v := range vs {
		if i > 0 && v.domain == vs[i-1].domain {
			return nil, fmt.Errorf("%w: token clean-up: two vaults of domain %q", ErrInvalidConfig, v.domain)
		}
		c.ids[i] = TokenRecordPrefix + v.domain
	}
	return c, nil
}

// tokensExpireSince is the trigger time of every vault record: the Unix
// epoch, no later than any token's expiry.
var tokensExpireSince = time.Unix(0, 0).UTC()

// Next implements retention.Source: one record per vault, in the order of
// their IDs, after cursor (a record ID; "" starts at the beginning).
func (c *TokenCleanup) Next(ctx context.Context, cursor string, limit int) (retention.Batch, error) {
	if limit <= 0 {
		return retention.Batch{}, fmt.Errorf("%w: token clean-up: limit %d", ErrInvalidConfig, limit)
	}
	i, found := slices.BinarySearch(c.ids, cursor)
	if found {
		i++
	}
	end := min(len(c.ids), i+limit)
	if i >= end {
		return retention.Batch{}, nil
	}
	b := retention.Batch{Records: make([]retention.Record, 0, end-i), Next: c.ids[end-1]}
	for _, id := range c.ids[i:end] {
		held, err := c.held(ctx, id)
		if err != nil {
			return retention.Batch{}, err
		}
		b.Records = append(b.Records, retention.Record{ID: id, Category: c.category, EventAt: tokensExpireSince, Held: held})
	}
	return b, nil
}

func (c *TokenCleanup) held(ctx context.Context, id string) (bool, error) {
	if c.holds == nil {
		return false, nil
	}
	hs, err := c.holds.HoldsFor(ctx, "", id)
	if err != nil {
		return false, fmt.Errorf("tokenize: token clean-up: checking holds of %s: %w", id, err)
	}
	return len(hs) > 0, nil
}

// Dispose implements retention.Handler for retention.Delete: for each
// record, it removes the expired tokens of its vault as described on
// TokenCleanup. A record now under a legal hold is left alone (SkippedHeld);
// a record that names no vault of c is Failed. It stops with an error, as a
// retention.Handler does, when a store fails or ctx ends between chunks;
// what was removed until then stays removed, and the next sweep goes on.
func (c *TokenCleanup) Dispose(ctx context.Context, action retention.Action, recs []retention.Record, outcomes []retention.Outcome) error {
	if action != retention.Delete {
		return fmt.Errorf("%w: token clean-up handles delete, not %v", ErrInvalidConfig, action)
	}
	if len(outcomes) != len(recs) {
		return fmt.Errorf("%w: token clean-up: %d outcomes for %d records", ErrInvalidConfig, len(outcomes), len(recs))
	}
	for i := range recs {
		j, found := slices.BinarySearch(c.ids, recs[i].ID)
		if !found || recs[i].Category != c.category {
			outcomes[i] = retention.Failed
			continue
		}
		held, err := c.held(ctx, recs[i].ID)
		if err != nil {
			return err
		}
		if held {
			outcomes[i] = retention.SkippedHeld
			continue
		}
		if _, err := c.purge(ctx, c.vaults[j]); err != nil {
			return err
		}
	}
	return nil
}

// purge removes v's records expired for longer than the grace, in chunks.
func (c *TokenCleanup) purge(ctx context.Context, v *Vault) (int, error) {
	cutoff := v.now().Add(-c.grace)
	total := 0
	for calls := 1; ; calls++ {
		n, err := v.store.DeleteExpired(ctx, cutoff, c.chunk)
		total += n
		if err != nil {
			return total, storeErr(v.domain, err)
		}
		if n < c.chunk || calls == c.maxChunks {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("tokenize: token clean-up of %s stopped after %d records: %w", v.domain, total, err)
		}
	}
}
