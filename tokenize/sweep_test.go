package tokenize_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/retention"
	"github.com/custos-dev/custos/tokenize"
	"github.com/custos-dev/custos/tokenize/vault"
	"github.com/custos-dev/custos/tokenize/vault/memstore"
)

// testClock is a settable clock, safe for concurrent use.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// memEvidence is an in-memory retention.EvidenceSink.
type memEvidence struct {
	mu sync.Mutex
	ds []retention.Disposition
}

func (m *memEvidence) WriteEvidence(_ context.Context, ds []retention.Disposition) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ds = append(m.ds, ds...)
	return nil
}

func (m *memEvidence) all() []retention.Disposition {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.ds)
}

// tokenPolicies returns the policy of expired vault tokens with the given
// grace period.
func tokenPolicies(tb testing.TB, grace string) *retention.Policies {
	tb.Helper()
	p, err := retention.ParsePeriod(grace)
	require.NoError(tb, err)
	pol, err := retention.New(retention.Config{Policies: []retention.Policy{{Category: "vault_token", Mode: retention.Governance,
		Period: p, Trigger: retention.Event, Event: "expired", Action: retention.Delete}}})
	require.NoError(tb, err)
	return pol
}

// tokenSweeper returns a sweeper over c at the clock's time.
func tokenSweeper(tb testing.TB, pol *retention.Policies, c *tokenize.TokenCleanup, sink retention.EvidenceSink, clock func() time.Time) *retention.Sweeper {
	tb.Helper()
	s, err := retention.NewSweeper(pol, c, sink, retention.SweepConfig{Name: "vault-tokens"},
		retention.WithHandler(retention.Delete, c), retention.WithClock(clock))
	require.NoError(tb, err)
	return s
}

// base is a fixed time a day ahead of the real clock, so that the Redis
// store (which maps expiry to a key TTL in real time) keeps every record.
var base = time.Now().UTC().Add(24 * time.Hour).Truncate(time.Second)

// expiringToken is one token of the clean-up tests, by when it expires.
type expiringToken struct {
	name    string
	expires time.Duration // after base
	never   bool          // no expiry
	value   string
	token   string
}

// mintTokens tokenizes one value per entry at base-3h, each with its expiry.
func mintTokens(t *testing.T, v *tokenize.Vault, clock *testClock, specs []expiringToken) []expiringToken {
	t.Helper()
	clock.set(base.Add(-3 * time.Hour))
	out := slices.Clone(specs)
	for i := range out {
		out[i].value = fmt.Sprintf("value-%02d-%s", i, out[i].name)
		var opts []tokenize.TokenOption
		if !out[i].never {
			opts = append(opts, tokenize.WithExpiry(base.Add(out[i].expires)))
		}
		tok, err := v.Tokenize(context.Background(), out[i].value, opts...)
		require.NoError(t, err)
		out[i].token = tok
	}
	return out
}

// state is what Detokenize says of a token: "live", "expired" (refused,
// still stored) or "gone" (removed).
func state(t *testing.T, v *tokenize.Vault, tok expiringToken) string {
	t.Helper()
	got, err := v.Detokenize(context.Background(), tok.token)
	switch {
	case err == nil:
		require.Equal(t, tok.value, got, tok.name)
		return "live"
	case errors.Is(err, tokenize.ErrExpired):
		return "expired"
	case errors.Is(err, tokenize.ErrNotFound):
		return "gone"
	}
	t.Fatalf("%s: unexpected error %v", tok.name, err)
	return ""
}

func states(t *testing.T, v *tokenize.Vault, toks []expiringToken) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, tok := range toks {
		m[tok.name] = state(t, v, tok)
	}
	return m
}

var cleanupSpecs = []expiringToken{
	{name: "2h ago", expires: -2 * time.Hour},
	{name: "30m ago", expires: -30 * time.Minute},
	{name: "exactly now", expires: 0},
	{name: "1µs ahead", expires: time.Microsecond},
	{name: "1h ahead", expires: time.Hour},
	{name: "never", never: true},
}

func TestTokenCleanup(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			ctx := context.Background()
			clock := &testClock{}
			v, err := tokenize.NewVault(newRoot(t), "customers.card", sk.new(t), tokenize.VaultConfig{}, tokenize.WithClock(clock.now))
			require.NoError(t, err)
			toks := mintTokens(t, v, clock, cleanupSpecs)
			pol := tokenPolicies(t, "0s")
			c, err := tokenize.NewTokenCleanup(pol, tokenize.TokenCleanupConfig{}, v)
			require.NoError(t, err)
			sink := &memEvidence{}
			s := tokenSweeper(t, pol, c, sink, clock.now)

			// Before the clean-up, expired tokens are refused already.
			clock.set(base)
			before := map[string]string{"2h ago": "expired", "30m ago": "expired", "exactly now": "expired",
				"1µs ahead": "live", "1h ahead": "live", "never": "live"}
			assert.Equal(t, before, states(t, v, toks))

			// A dry run changes nothing.
			rep, err := s.DryRun(ctx, nil)
			require.NoError(t, err)
			assert.Equal(t, 1, rep.Due[retention.Delete])
			assert.Equal(t, before, states(t, v, toks))
			assert.Empty(t, sink.all())

			rep, err = s.Sweep(ctx)
			require.NoError(t, err)
			assert.Equal(t, 1, rep.Done)
			assert.Equal(t, 0, rep.Failed)
			assert.Equal(t, map[string]string{"2h ago": "gone", "30m ago": "gone", "exactly now": "gone",
				"1µs ahead": "live", "1h ahead": "live", "never": "live"}, states(t, v, toks))
			assert.Equal(t, []retention.Disposition{{RecordID: "vault:customers.card", Category: "vault_token", Rule: "vault_token",
				Action: retention.Delete, Time: base, Actor: "retention-sweeper", Outcome: retention.Done}}, sink.all())

			// An hour later two more have expired: refused, then removed.
			later := base.Add(time.Hour)
			clock.set(later)
			assert.Equal(t, map[string]string{"2h ago": "gone", "30m ago": "gone", "exactly now": "gone",
				"1µs ahead": "expired", "1h ahead": "expired", "never": "live"}, states(t, v, toks))
			_, err = s.Sweep(ctx)
			require.NoError(t, err)
			assert.Equal(t, map[string]string{"2h ago": "gone", "30m ago": "gone", "exactly now": "gone",
				"1µs ahead": "gone", "1h ahead": "gone", "never": "live"}, states(t, v, toks))
			ds := sink.all()
			require.Len(t, ds, 2)
			assert.Equal(t, later, ds[1].Time)
			assert.Equal(t, retention.Done, ds[1].Outcome)
		})
	}
}

// The policy's period is a grace after expiry: tokens expired for less
// than the grace stay (refused), older ones go.
func TestTokenCleanupGrace(t *testing.T) {
	for _, sk := range []storeKind{storeKinds[0], storeKinds[2]} { // memstore, pgstore
		t.Run(sk.name, func(t *testing.T) {
			clock := &testClock{}
			v, err := tokenize.NewVault(newRoot(t), "customers.card", sk.new(t), tokenize.VaultConfig{}, tokenize.WithClock(clock.now))
			require.NoError(t, err)
			toks := mintTokens(t, v, clock, append(slices.Clone(cleanupSpecs), expiringToken{name: "1h ago", expires: -time.Hour}))
			pol := tokenPolicies(t, "1h")
			c, err := tokenize.NewTokenCleanup(pol, tokenize.TokenCleanupConfig{}, v)
			require.NoError(t, err)
			clock.set(base)
			_, err = tokenSweeper(t, pol, c, &memEvidence{}, clock.now).Sweep(context.Background())
			require.NoError(t, err)
			assert.Equal(t, map[string]string{"2h ago": "gone", "1h ago": "gone", "30m ago": "expired", "exactly now": "expired",
				"1µs ahead": "live", "1h ahead": "live", "never": "live"}, states(t, v, toks))
		})
	}
}

func TestTokenCleanupHold(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{}
	v, err := tokenize.NewVault(newRoot(t), "customers.card", memstore.New(), tokenize.VaultConfig{}, tokenize.WithClock(clock.now))
	require.NoError(t, err)
	toks := mintTokens(t, v, clock, cleanupSpecs)
	pol := tokenPolicies(t, "0s")
	holds := &retention.MemoryHolds{}
	require.NoError(t, holds.PutHold(ctx, retention.Hold{ID: "h1", RecordID: "vault:customers.card", Reason: "litigation"}))
	c, err := tokenize.NewTokenCleanup(pol, tokenize.TokenCleanupConfig{Holds: holds}, v)
	require.NoError(t, err)
	sink := &memEvidence{}
	clock.set(base)
	before := states(t, v, toks)

	rep, err := tokenSweeper(t, pol, c, sink, clock.now).Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Held)
	assert.Equal(t, 1, rep.HeldSkipped)
	assert.Equal(t, 0, rep.Done)
	assert.Equal(t, before, states(t, v, toks), "nothing removed under hold")
	ds := sink.all()
	require.Len(t, ds, 1)
	assert.Equal(t, retention.SkippedHeld, ds[0].Outcome)
	assert.Equal(t, "vault:customers.card", ds[0].RecordID)

	// A hold placed after the sweep read the record is seen at the act.
	b, err := c.Next(ctx, "", 10)
	require.NoError(t, err)
	require.Len(t, b.Records, 1)
	assert.True(t, b.Records[0].Held)
	_, err = holds.RemoveHold(ctx, "h1")
	require.NoError(t, err)
	b, err = c.Next(ctx, "", 10)
	require.NoError(t, err)
	require.False(t, b.Records[0].Held)
	require.NoError(t, holds.PutHold(ctx, retention.Hold{ID: "h2", RecordID: "vault:customers.card", Reason: "late"}))
	out := []retention.Outcome{retention.Done}
	require.NoError(t, c.Dispose(ctx, retention.Delete, b.Records, out))
	assert.Equal(t, []retention.Outcome{retention.SkippedHeld}, out)
	assert.Equal(t, before, states(t, v, toks))

	// Lifted: the next sweep cleans up.
	_, err = holds.RemoveHold(ctx, "h2")
	require.NoError(t, err)
	_, err = tokenSweeper(t, pol, c, sink, clock.now).Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, "gone", states(t, v, toks)["2h ago"])
}

// Chunks bound each store call, and MaxChunks each sweep; the next sweep
// continues.
func TestTokenCleanupChunks(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{}
	store := memstore.New()
	v, err := tokenize.NewVault(newRoot(t), "sessions", store, tokenize.VaultConfig{}, tokenize.WithClock(clock.now))
	require.NoError(t, err)
	clock.set(base.Add(-time.Hour))
	for i := range 10 {
		_, err := v.Tokenize(ctx, fmt.Sprint("expired-", i), tokenize.WithExpiry(base.Add(-time.Duration(i+1)*time.Minute)))
		require.NoError(t, err)
	}
	live, err := v.Tokenize(ctx, "live")
	require.NoError(t, err)
	clock.set(base)
	pol := tokenPolicies(t, "0s")
	c, err := tokenize.NewTokenCleanup(pol, tokenize.TokenCleanupConfig{ChunkSize: 3, MaxChunks: 2}, v)
	require.NoError(t, err)
	s := tokenSweeper(t, pol, c, &memEvidence{}, clock.now)
	for _, want := range []int{11 - 6, 11 - 10, 1} {
		_, err := s.Sweep(ctx)
		require.NoError(t, err)
		assert.Equal(t, want, store.Len())
	}
	got, err := v.Detokenize(ctx, live)
	require.NoError(t, err)
	assert.Equal(t, "live", got)
}

// failingExpiry fails DeleteExpired after the first call.
type failingExpiry struct {
	vault.Store
	mu    sync.Mutex
	calls int
}

var errExpiryBroken = errors.New("disk on fire")

func (f *failingExpiry) DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error) {
	f.mu.Lock()
	f.calls++
	n := f.calls
	f.mu.Unlock()
	if n > 1 {
		return 0, errExpiryBroken
	}
	return f.Store.DeleteExpired(ctx, now, limit)
}

func TestTokenCleanupStoreFailure(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{}
	store := &failingExpiry{Store: memstore.New()}
	v, err := tokenize.NewVault(newRoot(t), "sessions", store, tokenize.VaultConfig{}, tokenize.WithClock(clock.now))
	require.NoError(t, err)
	clock.set(base.Add(-time.Hour))
	for i := range 5 {
		_, err := v.Tokenize(ctx, fmt.Sprint("expired-", i), tokenize.WithExpiry(base.Add(-time.Minute)))
		require.NoError(t, err)
	}
	clock.set(base)
	pol := tokenPolicies(t, "0s")
	c, err := tokenize.NewTokenCleanup(pol, tokenize.TokenCleanupConfig{ChunkSize: 2}, v)
	require.NoError(t, err)
	sink := &memEvidence{}
	rep, err := tokenSweeper(t, pol, c, sink, clock.now).Sweep(ctx)
	assert.ErrorIs(t, err, tokenize.ErrStore)
	assert.ErrorIs(t, err, errExpiryBroken)
	assert.NotContains(t, err.Error(), "expired-")
	assert.Equal(t, 1, rep.Failed)
	ds := sink.all()
	require.Len(t, ds, 1)
	assert.Equal(t, retention.Failed, ds[0].Outcome, "evidence records the failure")
	assert.Equal(t, 3, store.Store.(*memstore.Store).Len(), "the first chunk stays removed")
}

func TestTokenCleanupPages(t *testing.T) {
	ctx := context.Background()
	root := newRoot(t)
	var vs []*tokenize.Vault
	for _, d := range []string{"orders.card", "customers.phone", "customers.card"} {
		v, err := tokenize.NewVault(root, d, memstore.New(), tokenize.VaultConfig{})
		require.NoError(t, err)
		vs = append(vs, v)
	}
	c, err := tokenize.NewTokenCleanup(tokenPolicies(t, "0s"), tokenize.TokenCleanupConfig{Category: ""}, vs...)
	require.NoError(t, err)
	var ids []string
	cursor := ""
	for {
		b, err := c.Next(ctx, cursor, 2)
		require.NoError(t, err)
		if len(b.Records) == 0 {
			break
		}
		assert.LessOrEqual(t, len(b.Records), 2)
		for _, r := range b.Records {
			ids = append(ids, r.ID)
			assert.Equal(t, "vault_token", r.Category)
			assert.Equal(t, time.Unix(0, 0).UTC(), r.EventAt)
			assert.False(t, r.Held)
		}
		cursor = b.Next
	}
	assert.Equal(t, []string{"vault:customers.card", "vault:customers.phone", "vault:orders.card"}, ids)

	out := []retention.Outcome{retention.Done, retention.Done}
	err = c.Dispose(ctx, retention.Delete, []retention.Record{{ID: "vault:unknown", Category: "vault_token"}, {ID: "vault:orders.card", Category: "vault_token"}}, out)
	require.NoError(t, err)
	assert.Equal(t, []retention.Outcome{retention.Failed, retention.Done}, out)
	err = c.Dispose(ctx, retention.Anonymize, []retention.Record{{ID: "vault:orders.card", Category: "vault_token"}}, out[:1])
	assert.ErrorIs(t, err, tokenize.ErrInvalidConfig)
	_, err = c.Next(ctx, "", 0)
	assert.ErrorIs(t, err, tokenize.ErrInvalidConfig)
}

func TestNewTokenCleanupErrors(t *testing.T) {
	root := newRoot(t)
	v, err := tokenize.NewVault(root, "customers.card", memstore.New(), tokenize.VaultConfig{})
	require.NoError(t, err)
	v2, err := tokenize.NewVault(root, "customers.card", memstore.New(), tokenize.VaultConfig{})
	require.NoError(t, err)
	policy := func(mut func(*retention.Policy)) *retention.Policies {
		p := retention.Policy{Category: "vault_token", Mode: retention.Governance, Trigger: retention.Event, Event: "expired", Action: retention.Delete}
		p.Period, err = retention.ParsePeriod("0s")
		require.NoError(t, err)
		mut(&p)
		pol, err := retention.New(retention.Config{Policies: []retention.Policy{p}})
		require.NoError(t, err)
		return pol
	}
	good := policy(func(*retention.Policy) {})
	tests := []struct {
		name   string
		pol    *retention.Policies
		cfg    tokenize.TokenCleanupConfig
		vaults []*tokenize.Vault
	}{
		{"nil policies", nil, tokenize.TokenCleanupConfig{}, []*tokenize.Vault{v}},
		{"unknown category", good, tokenize.TokenCleanupConfig{Category: "sessions"}, []*tokenize.Vault{v}},
		{"trigger created", policy(func(p *retention.Policy) { p.Trigger, p.Event = retention.Created, "" }), tokenize.TokenCleanupConfig{}, []*tokenize.Vault{v}},
		{"action anonymize", policy(func(p *retention.Policy) { p.Action = retention.Anonymize }), tokenize.TokenCleanupConfig{}, []*tokenize.Vault{v}},
		{"calendar period", policy(func(p *retention.Policy) { p.Period, _ = retention.ParsePeriod("1mo") }), tokenize.TokenCleanupConfig{}, []*tokenize.Vault{v}},
		{"retain until", policy(func(p *retention.Policy) {
			p.Period, p.Trigger, p.Event, p.RetainUntil = retention.Period{}, retention.TriggerUnknown, "", base
		}), tokenize.TokenCleanupConfig{}, []*tokenize.Vault{v}},
		{"negative chunk", good, tokenize.TokenCleanupConfig{ChunkSize: -1}, []*tokenize.Vault{v}},
		{"chunk too large", good, tokenize.TokenCleanupConfig{ChunkSize: vault.MaxBatchSize + 1}, []*tokenize.Vault{v}},
		{"negative max chunks", good, tokenize.TokenCleanupConfig{MaxChunks: -1}, []*tokenize.Vault{v}},
		{"no vault", good, tokenize.TokenCleanupConfig{}, nil},
		{"nil vault", good, tokenize.TokenCleanupConfig{}, []*tokenize.Vault{v, nil}},
		{"same domain twice", good, tokenize.TokenCleanupConfig{}, []*tokenize.Vault{v, v2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tokenize.NewTokenCleanup(tt.pol, tt.cfg, tt.vaults...)
			assert.ErrorIs(t, err, tokenize.ErrInvalidConfig)
			assert.Nil(t, c)
			if err != nil {
				assert.True(t, strings.HasPrefix(err.Error(), "tokenize: "), err.Error())
			}
		})
	}
	c, err := tokenize.NewTokenCleanup(good, tokenize.TokenCleanupConfig{ChunkSize: vault.MaxBatchSize}, v)
	require.NoError(t, err)
	assert.NotNil(t, c)
}

// Many goroutines clean up the same vault at once: the end state is the
// single-threaded one, every expired token gone and every live one intact.
func TestTokenCleanupConcurrent(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{}
	store := memstore.New()
	v, err := tokenize.NewVault(newRoot(t), "sessions", store, tokenize.VaultConfig{}, tokenize.WithClock(clock.now))
	require.NoError(t, err)
	clock.set(base.Add(-time.Hour))
	const expired, live = 400, 40
	vals := make([]string, expired)
	for i := range vals {
		vals[i] = fmt.Sprint("x", i)
	}
	_, err = v.TokenizeBatch(ctx, vals, tokenize.WithExpiry(base.Add(-time.Second)))
	require.NoError(t, err)
	liveVals := make([]string, live)
	for i := range liveVals {
		liveVals[i] = fmt.Sprint("live", i)
	}
	liveToks, err := v.TokenizeBatch(ctx, liveVals, tokenize.WithExpiry(base.Add(time.Second)))
	require.NoError(t, err)
	clock.set(base)
	pol := tokenPolicies(t, "0s")
	c, err := tokenize.NewTokenCleanup(pol, tokenize.TokenCleanupConfig{ChunkSize: 7}, v)
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for g := range errs {
		wg.Go(func() {
			b, err := c.Next(ctx, "", 1)
			if err != nil {
				errs[g] = err
				return
			}
			out := []retention.Outcome{retention.Done}
			errs[g] = c.Dispose(ctx, retention.Delete, b.Records, out)
			if errs[g] == nil && out[0] != retention.Done {
				errs[g] = fmt.Errorf("outcome %v", out[0])
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, live, store.Len())
	got, err := v.DetokenizeBatch(ctx, liveToks)
	require.NoError(t, err)
	assert.Equal(t, liveVals, got)
}

func FuzzTokenCleanupNext(f *testing.F) {
	root := newRoot(f)
	var vs []*tokenize.Vault
	for _, d := range []string{"a", "customers.card", "customers.phone", "z.z"} {
		v, err := tokenize.NewVault(root, d, memstore.New(), tokenize.VaultConfig{})
		if err != nil {
			f.Fatal(err)
		}
		vs = append(vs, v)
	}
	pol := tokenPolicies(f, "0s")
	c, err := tokenize.NewTokenCleanup(pol, tokenize.TokenCleanupConfig{}, vs...)
	if err != nil {
		f.Fatal(err)
	}
	all := []string{"vault:a", "vault:customers.card", "vault:customers.phone", "vault:z.z"}
	for _, s := range []string{"", "vault:a", "vault:customers.card", "vault:", "vault:zz", "\xff", "vault:customers.d"} {
		f.Add(s, 2)
	}
	f.Add("", -1)
	f.Fuzz(func(t *testing.T, cursor string, limit int) {
		b, err := c.Next(context.Background(), cursor, limit)
		if limit <= 0 {
			if !errors.Is(err, tokenize.ErrInvalidConfig) {
				t.Fatalf("limit %d: err %v", limit, err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, id := range all {
			if id > cursor && len(want) < limit {
				want = append(want, id)
			}
		}
		var got []string
		for _, r := range b.Records {
			got = append(got, r.ID)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("cursor %q limit %d: got %v, want %v", cursor, limit, got, want)
		}
		if len(got) > 0 && b.Next != got[len(got)-1] {
			t.Fatalf("next %q after %v", b.Next, got)
		}
	})
}
