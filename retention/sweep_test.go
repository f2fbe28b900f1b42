package retention

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memStore is a host store for tests: records sorted by ID, a source that
// pages by ID (keyset), and a handler that disposes of records (which
// removes them from later pages, as deletion or an "anonymized" marker
// would). It counts every act per record.
type memStore struct {
	mu     sync.Mutex
	recs   []Record // sorted by ID
	idx    map[string]int
	gone   []Action // per record; ActionUnknown while present
	acts   []int
	holds  *MemoryHolds
	held   []bool         // snapshot of holds per record, when not nil (see snapshotHolds)
	onAct  func(r Record) // called for every act, under mu
	failAt int            // handler call number (1-based) that crashes half way; 0 = never
	calls  int
	// filter, when set, hides records from the source the way an index on
	// the trigger time would (WHERE created_at <= now - shortest period).
	filter func(i int) bool
}

func newMemStore(recs []Record, holds *MemoryHolds) *memStore {
	recs = append([]Record(nil), recs...)
	sort.Slice(recs, func(i, j int) bool { return recs[i].ID < recs[j].ID })
	m := &memStore{recs: recs, idx: make(map[string]int, len(recs)), gone: make([]Action, len(recs)), acts: make([]int, len(recs)), holds: holds}
	for i, r := range recs {
		m.idx[r.ID] = i
	}
	return m
}

// snapshotHolds caches the hold flags the source reports, so that a test
// which changes holds only between sweeps does not query them per record.
// The handler still checks the live holds.
func (m *memStore) snapshotHolds() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.held == nil {
		m.held = make([]bool, len(m.recs))
	}
	for i, r := range m.recs {
		m.held[i] = m.holds.IsHeld(r.Subject, r.ID)
	}
}

func (m *memStore) Next(_ context.Context, cursor string, limit int) (Batch, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := sort.Search(len(m.recs), func(i int) bool { return m.recs[i].ID > cursor })
	b := Batch{Records: make([]Record, 0, min(limit, len(m.recs)-i))}
	for ; i < len(m.recs) && len(b.Records) < limit; i++ {
		if m.gone[i] != ActionUnknown || (m.filter != nil && !m.filter(i)) {
			continue
		}
		r := m.recs[i]
		switch {
		case m.held != nil:
			r.Held = m.held[i]
		case m.holds != nil:
			r.Held = m.holds.IsHeld(r.Subject, r.ID)
		}
		b.Records = append(b.Records, r)
		b.Next = r.ID
	}
	return b, nil
}

var errCrash = errors.New("simulated crash")

func (m *memStore) Dispose(_ context.Context, a Action, recs []Record, out []Outcome) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	n := len(recs)
	crash := m.failAt > 0 && m.calls == m.failAt
	if crash {
		n = len(recs) / 2
	}
	for i := range recs[:n] {
		r := recs[i]
		if m.holds != nil && m.holds.IsHeld(r.Subject, r.ID) {
			out[i] = SkippedHeld
			continue
		}
		j, ok := m.idx[r.ID]
		if !ok || m.gone[j] != ActionUnknown {
			continue // idempotent: already done
		}
		m.gone[j] = a
		m.acts[j]++
		if m.onAct != nil {
			m.onAct(r)
		}
	}
	if crash {
		return errCrash
	}
	return nil
}

func (m *memStore) isGone(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.gone[m.idx[id]] != ActionUnknown
}

func (m *memStore) state() (map[string]Action, map[string]int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, a := map[string]Action{}, map[string]int{}
	for i, r := range m.recs {
		if m.gone[i] != ActionUnknown {
			g[r.ID] = m.gone[i]
		}
		if m.acts[i] != 0 {
			a[r.ID] = m.acts[i]
		}
	}
	return g, a
}

func allHandlers(h Handler) []Option {
	var o []Option
	for a := Delete; a < numActions; a++ {
		o = append(o, WithHandler(a, h))
	}
	return o
}

// propPolicies covers every trigger, both modes, every action and a
// retain-until date.
func propPolicies(t testing.TB) *Policies {
	t.Helper()
	p, err := New(Config{Policies: []Policy{
		{Category: "c30d", Mode: Governance, Period: mustPeriod(t, "30d"), Trigger: Created, Action: Delete},
		{Category: "m1y6mo", Mode: Compliance, Period: mustPeriod(t, "1y6mo"), Trigger: Modified, Action: Anonymize},
		{Category: "a2y", Mode: Governance, Period: mustPeriod(t, "2y"), Trigger: LastActivity, Action: Archive},
		{Category: "ev1mo", Mode: Compliance, Period: mustPeriod(t, "1mo"), Trigger: Event, Event: "closed", Action: CryptoShred},
		{Category: "c7y", Mode: Compliance, Period: mustPeriod(t, "7y"), Trigger: Created, Action: Review},
		{Category: "fixed", Mode: Governance, RetainUntil: mustTime(t, "2027-03-31T12:00:00Z"), Action: Delete},
	}})
	require.NoError(t, err)
	return p
}

// refDue is an independent reference for when a record's retention ends
// (time package arithmetic), or the zero time if it never does.
func refDue(t testing.TB, p *Policies, r Record) time.Time {
	pol, ok := p.Policy(r.Category)
	require.True(t, ok)
	var due time.Time
	if !pol.RetainUntil.IsZero() {
		due = pol.RetainUntil
	} else {
		start := map[Trigger]time.Time{Created: r.Created, Modified: r.Modified, LastActivity: r.Activity, Event: r.EventAt}[pol.Trigger]
		if start.IsZero() {
			return time.Time{}
		}
		due = refAdd(start, pol.Period.Months(), int64(pol.Period.Fixed()/time.Second))
	}
	if r.RetainUntil.After(due) {
		due = r.RetainUntil
	}
	return due
}

func randomRecords(rng *rand.Rand, n int) []Record {
	cats := []string{"c30d", "m1y6mo", "a2y", "ev1mo", "c7y", "fixed"}
	base := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	span := int64(8 * 365 * 86400)
	at := func() time.Time { return time.Unix(base+rng.Int64N(span), rng.Int64N(1e9)).UTC() }
	recs := make([]Record, n)
	for i := range recs {
		c := at()
		r := Record{ID: fmt.Sprintf("r%06d", i), Category: cats[rng.IntN(len(cats))], Subject: fmt.Sprintf("s%d", rng.IntN(n/10)),
			Created: c, Modified: c.Add(time.Duration(rng.Int64N(400*86400)) * time.Second)}
		if rng.IntN(10) > 0 {
			r.Activity = r.Modified.Add(time.Duration(rng.Int64N(100*86400)) * time.Second)
		}
		if rng.IntN(2) == 0 {
			r.EventAt = at()
		}
		if rng.IntN(20) == 0 {
			r.RetainUntil = at().AddDate(3, 0, 0)
		}
		recs[i] = r
	}
	return recs
}

// TestSweepProperty: 10,000 records with random categories, timestamps and
// holds, swept at 1,000 increasing random clock times, with holds placed
// and lifted between sweeps. No held record is acted on, no record before
// its period ends, and every due record exactly once.
func TestSweepProperty(t *testing.T) {
	const nRecs, nSweeps = 10000, 1000
	rng := rand.New(rand.NewPCG(7, 7))
	pol := propPolicies(t)
	recs := randomRecords(rng, nRecs)
	holds := &MemoryHolds{}
	ctx := context.Background()
	holdIDs := []string{}
	placeHold := func() {
		id := fmt.Sprintf("h%d", len(holdIDs))
		h := Hold{ID: id}
		if rng.IntN(4) == 0 {
			h.Subject = recs[rng.IntN(nRecs)].Subject
		} else {
			h.RecordID = recs[rng.IntN(nRecs)].ID
		}
		require.NoError(t, holds.PutHold(ctx, h))
		holdIDs = append(holdIDs, id)
	}
	for range 600 {
		placeHold()
	}

	store := newMemStore(recs, holds)
	var now time.Time
	due := make(map[string]time.Time, nRecs)
	for _, r := range recs {
		due[r.ID] = refDue(t, pol, r)
	}
	store.onAct = func(r Record) {
		d := due[r.ID]
		if d.IsZero() || now.Before(d) {
			t.Errorf("record %s acted on at %v before its period ends (%v)", r.ID, now, d)
		}
		if holds.IsHeld(r.Subject, r.ID) {
			t.Errorf("held record %s acted on", r.ID)
		}
	}
	// Most sweeps read through an "index": only records whose trigger time
	// plus the shortest length of their period has passed (a host's SQL
	// query would do the same); every tenth sweep reads everything.
	lower := make([]time.Time, nRecs)
	for i, r := range store.recs {
		p, _ := pol.Policy(r.Category)
		start := map[Trigger]time.Time{Created: r.Created, Modified: r.Modified, LastActivity: r.Activity, Event: r.EventAt}[p.Trigger]
		switch {
		case !p.RetainUntil.IsZero():
			lower[i] = p.RetainUntil
		case start.IsZero():
			lower[i] = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
		default:
			m := p.Period.Months()
			lower[i] = start.Add(time.Duration(m/12*365+m%12*28)*24*time.Hour + p.Period.Fixed())
		}
	}
	fullSweep := false
	store.filter = func(i int) bool { return fullSweep || !lower[i].After(now) }
	sink := &memSink{}
	s, err := NewSweeper(pol, store, sink, SweepConfig{BatchSize: 500},
		append(allHandlers(store), WithClock(func() time.Time { return now }), WithCheckpoints(&MemoryCheckpoints{}))...)
	require.NoError(t, err)

	// Records in order of their reference due time; those already due must
	// be gone after each sweep unless held.
	order := make([]Record, 0, nRecs)
	for _, r := range recs {
		if !due[r.ID].IsZero() {
			order = append(order, r)
		}
	}
	sort.Slice(order, func(i, j int) bool { return due[order[i].ID].Before(due[order[j].ID]) })
	times := make([]time.Time, nSweeps)
	lo := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for i := range times {
		times[i] = time.Unix(lo+rng.Int64N(int64(18*365*86400)), rng.Int64N(1e9)).UTC()
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	times[nSweeps-1] = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC) // after every period

	next := 0
	pending := map[string]Record{} // due by the reference, not yet acted on
	heldSkips := 0
	for i, tm := range times {
		now = tm
		if i%50 == 49 { // lift a third of the holds, place new ones
			for _, id := range holdIDs {
				if rng.IntN(3) == 0 {
					_, _ = holds.RemoveHold(ctx, id)
				}
			}
			for range 20 {
				placeHold()
			}
		}
		if i == nSweeps-1 { // finally lift everything
			for _, id := range holdIDs {
				_, _ = holds.RemoveHold(ctx, id)
			}
		}
		if i == 0 || i%50 == 49 || i == nSweeps-1 {
			store.snapshotHolds()
		}
		fullSweep = i%10 == 0
		rep, err := s.Sweep(ctx)
		require.NoError(t, err)
		require.True(t, rep.Complete)
		heldSkips += rep.HeldSkipped
		for next < len(order) && !due[order[next].ID].After(now) {
			pending[order[next].ID] = order[next]
			next++
		}
		for id, r := range pending {
			if store.isGone(id) {
				delete(pending, id)
				continue
			}
			require.True(t, holds.IsHeld(r.Subject, id), "record %s due at %v not acted on by sweep at %v", id, due[id], now)
		}
	}
	require.Empty(t, pending)
	gone, acts := store.state()
	nDue := 0
	for _, r := range recs {
		if due[r.ID].IsZero() {
			_, acted := gone[r.ID]
			require.False(t, acted, "record %s without trigger acted on", r.ID)
			continue
		}
		nDue++
		require.Equal(t, 1, acts[r.ID], "record %s", r.ID)
		wantAction := map[string]Action{"c30d": Delete, "m1y6mo": Anonymize, "a2y": Archive, "ev1mo": CryptoShred, "c7y": Review, "fixed": Delete}[r.Category]
		require.Equal(t, wantAction, gone[r.ID])
	}
	assert.Len(t, gone, nDue)
	assert.Greater(t, nDue, nRecs/2)
	assert.Greater(t, heldSkips, 0, "the run exercised held records that were due")
	// Evidence: one Done per act, one SkippedHeld per skip.
	done, skipped := 0, 0
	for _, d := range sink.all() {
		switch d.Outcome {
		case Done:
			done++
		case SkippedHeld:
			skipped++
		}
	}
	assert.Equal(t, nDue, done)
	assert.Equal(t, heldSkips, skipped)
}

// TestSweepCrashAndResume: a sweep that crashes half way through a random
// batch, restarted from its checkpoint, ends in the same state as one that
// ran without interruption.
func TestSweepCrashAndResume(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	pol := propPolicies(t)
	recs := randomRecords(rng, 3000)
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	holds := &MemoryHolds{}
	for i := 0; i < len(recs); i += 17 {
		require.NoError(t, holds.PutHold(context.Background(), Hold{ID: recs[i].ID, RecordID: recs[i].ID}))
	}
	run := func(failAt int) (map[string]Action, map[string]int, int) {
		store := newMemStore(recs, holds)
		store.failAt = failAt
		cps := &MemoryCheckpoints{}
		sink := &memSink{}
		mk := func() *Sweeper {
			s, err := NewSweeper(pol, store, sink, SweepConfig{BatchSize: 100, Name: "crash"},
				append(allHandlers(store), WithClock(func() time.Time { return now }), WithCheckpoints(cps))...)
			require.NoError(t, err)
			return s
		}
		_, err := mk().Sweep(context.Background())
		if failAt > 0 {
			require.ErrorIs(t, err, errCrash)
			_, saved, _ := cps.Load(context.Background(), "crash")
			rep, err := mk().Sweep(context.Background()) // the restarted process
			require.NoError(t, err)
			assert.Equal(t, saved, rep.Resumed)
		} else {
			require.NoError(t, err)
		}
		_, left, _ := cps.Load(context.Background(), "crash")
		assert.False(t, left, "a finished sweep clears its checkpoint")
		g, a := store.state()
		return g, a, len(sink.all())
	}
	wantGone, wantActs, _ := run(0)
	require.NotEmpty(t, wantGone)
	for _, v := range wantActs {
		require.Equal(t, 1, v)
	}
	for trial := range 15 {
		failAt := 1 + rng.IntN(60)
		t.Run(fmt.Sprint(trial), func(t *testing.T) {
			gone, acts, _ := run(failAt)
			assert.Equal(t, wantGone, gone, "handler call %d crashed", failAt)
			assert.Equal(t, wantActs, acts)
		})
	}
}

func TestSweepCancelBetweenBatches(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pol := propPolicies(t)
	recs := randomRecords(rng, 1000)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	store := newMemStore(recs, nil)
	ctx, cancel := context.WithCancel(context.Background())
	batches := 0
	src := SourceFunc(func(ctx context.Context, cursor string, limit int) (Batch, error) {
		batches++
		if batches == 4 {
			cancel()
		}
		return store.Next(ctx, cursor, limit)
	})
	cps := &MemoryCheckpoints{}
	s, err := NewSweeper(pol, src, &memSink{}, SweepConfig{BatchSize: 100},
		append(allHandlers(store), WithClock(func() time.Time { return now }), WithCheckpoints(cps))...)
	require.NoError(t, err)
	rep, err := s.Sweep(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 4, rep.Batches, "the batch in flight completes, the next is not started")
	cur, ok, _ := cps.Load(context.Background(), "retention")
	require.True(t, ok)
	assert.Equal(t, recs[399].ID, cur)
	rep, err = s.Sweep(context.Background())
	require.NoError(t, err)
	assert.True(t, rep.Resumed)
	assert.Equal(t, 600, rep.Scanned, "resumed after the 400 records already walked")
}

func TestSweepDryRun(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	pol := propPolicies(t)
	recs := randomRecords(rng, 2000)
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	holds := &MemoryHolds{}
	for i := 0; i < len(recs); i += 9 {
		require.NoError(t, holds.PutHold(context.Background(), Hold{ID: recs[i].ID, RecordID: recs[i].ID}))
	}
	store := newMemStore(recs, holds)
	sink, cps := &memSink{}, &MemoryCheckpoints{}
	s, err := NewSweeper(pol, store, sink, SweepConfig{BatchSize: 128},
		append(allHandlers(store), WithClock(func() time.Time { return now }), WithCheckpoints(cps))...)
	require.NoError(t, err)
	seen := 0
	dry, err := s.DryRun(context.Background(), func(*Record, Decision) { seen++ })
	require.NoError(t, err)
	assert.Equal(t, 2000, seen)
	gone, _ := store.state()
	assert.Empty(t, gone, "a dry run changes nothing")
	assert.Empty(t, sink.all(), "a dry run writes no evidence")
	_, ok, _ := cps.Load(context.Background(), "retention")
	assert.False(t, ok)

	// Independent count of what is due, from the reference.
	wantDue := map[Action]int{}
	for _, r := range recs {
		d := refDue(t, pol, r)
		if !d.IsZero() && !now.Before(d) && !holds.IsHeld(r.Subject, r.ID) {
			p, _ := pol.Policy(r.Category)
			wantDue[p.Action]++
		}
	}
	assert.Equal(t, wantDue, dry.Due)

	real, err := s.Sweep(context.Background())
	require.NoError(t, err)
	assert.Equal(t, dry.Due, real.Due)
	assert.Equal(t, dry.Scanned, real.Scanned)
	assert.Equal(t, dry.HeldSkipped, real.HeldSkipped)
	gone, _ = store.state()
	total := 0
	for _, n := range wantDue {
		total += n
	}
	assert.Len(t, gone, total)
	assert.Equal(t, total, real.Done)
}

func TestSweepRate(t *testing.T) {
	pol := propPolicies(t)
	recs := randomRecords(rand.New(rand.NewPCG(1, 1)), 500)
	store := newMemStore(recs, nil)
	s, err := NewSweeper(pol, store, &memSink{}, SweepConfig{BatchSize: 50, RecordsPerSecond: 2000}, allHandlers(store)...)
	require.NoError(t, err)
	start := time.Now()
	rep, err := s.Sweep(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 500, rep.Scanned)
	assert.GreaterOrEqual(t, time.Since(start), 240*time.Millisecond, "500 records at 2000/s take about 250 ms")

	// A dry run is paced too, and a cancelled context ends the wait.
	store = newMemStore(recs, nil)
	s, err = NewSweeper(pol, store, &memSink{}, SweepConfig{BatchSize: 50, RecordsPerSecond: 100}, allHandlers(store)...)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start = time.Now()
	rep, err = s.DryRun(ctx, nil)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 50, rep.Scanned, "the first batch, then the wait for the rate")
	assert.Less(t, time.Since(start), 2*time.Second)
}

func TestNewSweeperRejects(t *testing.T) {
	pol := propPolicies(t)
	store := newMemStore(nil, nil)
	_, err := NewSweeper(pol, store, &memSink{}, SweepConfig{}, WithHandler(Delete, store))
	assert.ErrorIs(t, err, ErrNoHandler)
	_, err = NewSweeper(pol, store, nil, SweepConfig{}, allHandlers(store)...)
	assert.Error(t, err)
	_, err = NewSweeper(pol, store, &memSink{}, SweepConfig{BatchSize: MaxBatchSize + 1}, allHandlers(store)...)
	assert.Error(t, err)
	_, err = NewSweeper(pol, store, &memSink{}, SweepConfig{RecordsPerSecond: -1}, allHandlers(store)...)
	assert.Error(t, err)
}

// A hold placed between reading a record and acting on it is honoured by
// the handler, and recorded as a skip.
func TestSweepHoldRace(t *testing.T) {
	pol := propPolicies(t)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	recs := []Record{{ID: "a", Category: "c30d", Created: now.AddDate(-1, 0, 0)}, {ID: "b", Category: "c30d", Created: now.AddDate(-1, 0, 0)}}
	holds := &MemoryHolds{}
	store := newMemStore(recs, holds)
	src := SourceFunc(func(ctx context.Context, cursor string, limit int) (Batch, error) {
		b, err := store.Next(ctx, cursor, limit)
		if len(b.Records) > 0 {
			_ = holds.PutHold(ctx, Hold{ID: "late", RecordID: "b"})
		}
		return b, err
	})
	sink := &memSink{}
	s, err := NewSweeper(pol, src, sink, SweepConfig{}, append(allHandlers(store), WithClock(func() time.Time { return now }))...)
	require.NoError(t, err)
	rep, err := s.Sweep(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Done)
	assert.Equal(t, 1, rep.HeldSkipped)
	gone, _ := store.state()
	assert.Equal(t, map[string]Action{"a": Delete}, gone)
	ds := sink.all()
	require.Len(t, ds, 2)
	assert.Equal(t, Done, ds[0].Outcome)
	assert.Equal(t, SkippedHeld, ds[1].Outcome)
	assert.Equal(t, "b", ds[1].RecordID)
}

// Expired vault tokens are one more source: the token's expiry is the
// trigger event, the period is zero, the action is delete.
func TestTokenCleanupSource(t *testing.T) {
	pol, err := New(Config{Policies: []Policy{{Category: "vault_token", Mode: Governance, Period: mustPeriod(t, "0s"),
		Trigger: Event, Event: "expired", Action: Delete}}})
	require.NoError(t, err)
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	var recs []Record
	for i := range 10 {
		recs = append(recs, Record{ID: fmt.Sprintf("tok%d", i), Category: "vault_token", EventAt: now.Add(time.Duration(i-5) * time.Minute)})
	}
	store := newMemStore(recs, nil)
	s, err := NewSweeper(pol, store, &memSink{}, SweepConfig{}, WithHandler(Delete, store), WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	rep, err := s.Sweep(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 6, rep.Done, "tokens that expired at or before now")
	gone, _ := store.state()
	for i := range 10 {
		_, ok := gone[fmt.Sprintf("tok%d", i)]
		assert.Equal(t, i <= 5, ok, "tok%d", i)
	}
}

// evidencingStore stores the evidence of its acts itself, atomically with
// them; fail makes a call do nothing and return an error.
type evidencingStore struct {
	*memStore
	mu   sync.Mutex
	own  []Disposition
	fail bool
}

func (e *evidencingStore) DisposeWithEvidence(ctx context.Context, a Action, recs []Record, ev []Disposition) error {
	if e.fail {
		return errors.New("transaction rolled back")
	}
	out := make([]Outcome, len(recs))
	for i := range out {
		out[i] = Done
	}
	if err := e.memStore.Dispose(ctx, a, recs, out); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range ev {
		ev[i].Outcome = out[i]
		e.own = append(e.own, ev[i])
	}
	return nil
}

func TestSweepEvidencingHandler(t *testing.T) {
	pol := propPolicies(t)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	old := now.AddDate(-1, 0, 0)
	recs := []Record{{ID: "a", Category: "c30d", Created: old}, {ID: "b", Category: "c30d", Created: old},
		{ID: "c", Category: "c30d", Created: old, Held: true}}
	holds := &MemoryHolds{}
	store := &evidencingStore{memStore: newMemStore(recs, holds)}
	src := SourceFunc(func(ctx context.Context, cursor string, limit int) (Batch, error) {
		b, err := store.Next(ctx, cursor, limit)
		for i := range b.Records {
			b.Records[i].Held = b.Records[i].ID == "c"
		}
		if len(b.Records) > 0 {
			_ = holds.PutHold(ctx, Hold{ID: "late", RecordID: "b"})
		}
		return b, err
	})
	sink := &memSink{}
	s, err := NewSweeper(pol, src, sink, SweepConfig{}, append(allHandlers(store), WithClock(func() time.Time { return now }))...)
	require.NoError(t, err)

	store.fail = true
	rep, err := s.Sweep(context.Background())
	require.Error(t, err)
	assert.Equal(t, 2, rep.Failed)
	var got []string
	for _, d := range sink.all() {
		got = append(got, d.RecordID+":"+d.Outcome.String())
	}
	assert.Equal(t, []string{"c:skipped_held", "a:failed", "b:failed"}, got, "failed acts go to the sweeper's sink")
	assert.Empty(t, store.own)

	store.fail = false
	sink.ds = nil
	rep, err = s.Sweep(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Done)
	assert.Equal(t, 2, rep.HeldSkipped)
	got = got[:0]
	for _, d := range sink.all() {
		got = append(got, d.RecordID+":"+d.Outcome.String())
	}
	assert.Equal(t, []string{"c:skipped_held"}, got, "the handler stored its own evidence")
	require.Len(t, store.own, 2)
	assert.Equal(t, Disposition{RecordID: "a", Category: "c30d", Rule: "c30d", Action: Delete, Time: now, Actor: "retention-sweeper", Outcome: Done}, store.own[0])
	assert.Equal(t, SkippedHeld, store.own[1].Outcome)
	assert.Equal(t, "b", store.own[1].RecordID)
}

// TestSweeperConcurrent hammers one Sweeper, Governor and the in-memory
// stores from many goroutines and compares with single-threaded results.
func TestSweeperConcurrent(t *testing.T) {
	pol := propPolicies(t)
	recs := randomRecords(rand.New(rand.NewPCG(8, 8)), 3000)
	now := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	store := newMemStore(recs, nil)
	s, err := NewSweeper(pol, store, &memSink{}, SweepConfig{BatchSize: 256},
		append(allHandlers(store), WithClock(func() time.Time { return now }))...)
	require.NoError(t, err)
	want, err := s.DryRun(context.Background(), nil)
	require.NoError(t, err)
	g := NewGovernor(WithAuthorizer(testGrants), WithAuditor(&recordingAuditor{}), WithClock(func() time.Time { return now }))
	wantEarly := make([]error, 50)
	for i := range wantEarly {
		_, wantEarly[i] = g.CheckEarly(context.Background(), pol, &recs[i], Privilege{Actor: "officer", Bypass: true})
	}
	cps, q := &MemoryCheckpoints{}, &MemoryErasureQueue{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			rep, err := s.DryRun(context.Background(), nil)
			assert.NoError(t, err)
			assert.Equal(t, want, rep)
			for i := range wantEarly {
				_, err := g.CheckEarly(context.Background(), pol, &recs[i], Privilege{Actor: "officer", Bypass: true})
				assert.Equal(t, errors.Is(wantEarly[i], ErrComplianceMode), errors.Is(err, ErrComplianceMode))
				assert.Equal(t, wantEarly[i] == nil, err == nil)
			}
			name := fmt.Sprint("sweep", w)
			for i := range 100 {
				require.NoError(t, cps.Save(context.Background(), name, fmt.Sprint(i)))
				require.NoError(t, q.Enqueue(context.Background(), ErasureRequest{ID: fmt.Sprint(w, "-", i)}, nil))
			}
			c, ok, err := cps.Load(context.Background(), name)
			assert.NoError(t, err)
			assert.True(t, ok)
			assert.Equal(t, "99", c)
		})
	}
	wg.Wait()
	assert.Len(t, q.Pending(), 800)
	gone, _ := store.state()
	assert.Empty(t, gone, "dry runs changed nothing")
}

func TestSweepBadSource(t *testing.T) {
	pol := propPolicies(t)
	stuck := SourceFunc(func(_ context.Context, cursor string, _ int) (Batch, error) {
		return Batch{Records: []Record{{ID: "a", Category: "c30d"}}, Next: "a"}, nil
	})
	noCursor := SourceFunc(func(_ context.Context, cursor string, _ int) (Batch, error) {
		return Batch{Records: []Record{{ID: "a", Category: "c30d"}}}, nil
	})
	for name, src := range map[string]Source{"stuck": stuck, "no cursor": noCursor} {
		t.Run(name, func(t *testing.T) {
			s, err := NewSweeper(pol, src, &memSink{}, SweepConfig{}, allHandlers(newMemStore(nil, nil))...)
			require.NoError(t, err)
			_, err = s.Sweep(context.Background())
			assert.ErrorIs(t, err, ErrBadSource)
			_, err = s.DryRun(context.Background(), nil)
			assert.ErrorIs(t, err, ErrBadSource)
		})
	}
}
