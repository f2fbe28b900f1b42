package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

var (
	// ErrNoHandler is returned by [NewSweeper] when a policy's action has no
	// handler, and by [Sweeper.DisposeEarly] likewise.
	ErrNoHandler = errors.New("retention: no handler for action")
	// ErrBadSource is returned when a [Source] returns records without
	// advancing its cursor, which would make the walk loop forever.
	ErrBadSource = errors.New("retention: source did not advance")
)

// Batch is one page of records from a [Source].
type Batch struct {
	// Records in the source's order. An empty batch ends the walk.
	Records []Record
	// Next is the cursor that continues after the last record of this
	// batch. Its format belongs to the source (a keyset position, an
	// offset, a page token).
	Next string
}

// Source is a collection of records the sweeper walks in batches. The host
// implements it over its own store (the sqlsource package has one for SQL
// tables; expired vault tokens are one more source).
//
// Next returns at most limit records that follow cursor; the empty cursor
// starts at the beginning. Records the sweeper disposed of may vanish from
// later pages; a source must not skip records that are still present
// merely because others vanished, so keyset pagination (by a stable sort
// key) suits better than offsets.
type Source interface {
	Next(ctx context.Context, cursor string, limit int) (Batch, error)
}

// SourceFunc adapts a function to [Source].
type SourceFunc func(ctx context.Context, cursor string, limit int) (Batch, error)

// Next calls f.
func (f SourceFunc) Next(ctx context.Context, cursor string, limit int) (Batch, error) {
	return f(ctx, cursor, limit)
}

// Outcome is the result of one disposition.
type Outcome uint8

// Outcomes. The zero Outcome is invalid.
const (
	OutcomeUnknown Outcome = iota
	// Done: the action was applied (or had already been: actions are
	// idempotent).
	Done
	// Failed: the handler reported an error; the record may or may not have
	// been acted on, and the next sweep tries again.
	Failed
	// SkippedHeld: the record was due but held, and left alone.
	SkippedHeld
)

var outcomeNames = [...]string{"unknown", "done", "failed", "skipped_held"}

// String returns the outcome's name.
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// Handler applies one action to records. It must be idempotent: a crash
// can make the sweeper repeat a batch, so acting twice on a record must be
// harmless (deleting a record already gone succeeds). Outcomes arrive
// filled with [Done]; a handler that finds a record held at the moment of
// acting (a hold placed after the record was read) must leave it alone and
// set [SkippedHeld]; it may set [Failed] for single records. An error marks
// every record [Failed] and stops the sweep.
type Handler interface {
	Dispose(ctx context.Context, action Action, recs []Record, outcomes []Outcome) error
}

// HandlerFunc adapts a function to [Handler].
type HandlerFunc func(ctx context.Context, action Action, recs []Record, outcomes []Outcome) error

// Dispose calls f.
func (f HandlerFunc) Dispose(ctx context.Context, action Action, recs []Record, outcomes []Outcome) error {
	return f(ctx, action, recs, outcomes)
}

// EvidencingHandler is a [Handler] that stores the evidence of its acts
// itself, atomically with them (for example in the same database
// transaction), which closes the window in which a crash could lose the
// evidence of an act already done. The sweeper calls DisposeWithEvidence
// instead of Dispose, with one disposition per record and Outcome [Done];
// the handler sets each Outcome as Dispose would set outcomes ([Done],
// [SkippedHeld] or [Failed]) and stores the dispositions together with its
// acts, all or nothing. After an error nothing may have been done or
// stored; the sweeper then records the records as [Failed] in its own sink.
type EvidencingHandler interface {
	Handler
	DisposeWithEvidence(ctx context.Context, action Action, recs []Record, ev []Disposition) error
}

// WithHandler sets the handler of an action. Anonymization is the caller's
// function: a Handler for [Anonymize] that rewrites the records.
func WithHandler(a Action, h Handler) Option {
	return func(o *options) {
		if a > ActionUnknown && a < numActions {
			o.handlers[a] = h
		}
	}
}

// Disposition is the evidence of one act (or one skip because of a hold):
// which record, under which rule, what was done, when, by whom, and the
// outcome. It never holds the record's data.
type Disposition struct {
	RecordID string    `json:"record_id" yaml:"record_id"`
	Category string    `json:"category" yaml:"category"`
	Rule     string    `json:"rule" yaml:"rule"`
	Action   Action    `json:"action" yaml:"action"`
	Time     time.Time `json:"time" yaml:"time"`
	Actor    string    `json:"actor" yaml:"actor"`
	Outcome  Outcome   `json:"outcome" yaml:"outcome"`
	// Early is true for a governance-mode disposal before the period ended.
	Early bool `json:"early,omitempty" yaml:"early,omitempty"`
}

// LogValue renders the disposition for log/slog.
func (d Disposition) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("record_id", d.RecordID),
		slog.String("category", d.Category),
		slog.String("rule", d.Rule),
		slog.String("action", d.Action.String()),
		slog.Time("time", d.Time),
		slog.String("actor", d.Actor),
		slog.String("outcome", d.Outcome.String()),
		slog.Bool("early", d.Early),
	)
}

// EvidenceSink stores dispositions. WriteEvidence gets one batch at a time
// and must store all or return an error.
type EvidenceSink interface {
	WriteEvidence(ctx context.Context, ds []Disposition) error
}

// SlogEvidence returns an [EvidenceSink] that logs each disposition to l at
// level Info with the message "retention disposition".
func SlogEvidence(l *slog.Logger) EvidenceSink { return slogEvidence{l} }

type slogEvidence struct{ l *slog.Logger }

func (s slogEvidence) WriteEvidence(ctx context.Context, ds []Disposition) error {
	for _, d := range ds {
		s.l.LogAttrs(ctx, slog.LevelInfo, "retention disposition", slog.Any("disposition", d))
	}
	return nil
}

// Checkpoints stores sweep cursors, so that an interrupted sweep resumes
// where it stopped. Implementations must be safe for concurrent use.
type Checkpoints interface {
	// Load returns the saved cursor of a sweep, or ok == false.
	Load(ctx context.Context, name string) (cursor string, ok bool, err error)
	// Save stores the cursor of a sweep.
	Save(ctx context.Context, name, cursor string) error
	// Clear forgets a sweep's cursor (the sweep finished).
	Clear(ctx context.Context, name string) error
}

// WithCheckpoints makes sweeps resumable: the sweeper saves the cursor
// after each batch and resumes from it. Without checkpoints every sweep
// starts from the beginning, which is safe (actions are idempotent) but
// repeats the walk.
func WithCheckpoints(c Checkpoints) Option { return func(o *options) { o.checkpoints = c } }

// MemoryCheckpoints is an in-memory [Checkpoints], safe for concurrent use.
// The zero value is ready.
type MemoryCheckpoints struct {
	mu sync.Mutex
	m  map[string]string
}

// Load returns a saved cursor.
func (m *MemoryCheckpoints) Load(_ context.Context, name string) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.m[name]
	return c, ok, nil
}

// Save stores a cursor.
func (m *MemoryCheckpoints) Save(_ context.Context, name, cursor string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string]string{}
	}
	m.m[name] = cursor
	return nil
}

// Clear forgets a cursor.
func (m *MemoryCheckpoints) Clear(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, name)
	return nil
}

// SweepConfig bounds a sweep. The zero value is a safe default.
type SweepConfig struct {
	// Name identifies the sweep's checkpoint (default "retention"); give
	// each source its own name when they share a checkpoint store.
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	// BatchSize is the number of records per batch (default 1000, at most
	// 100,000).
	BatchSize int `json:"batch_size,omitempty" yaml:"batch_size,omitempty"`
	// RecordsPerSecond caps the walk's rate; 0 means no cap.
	RecordsPerSecond float64 `json:"records_per_second,omitempty" yaml:"records_per_second,omitempty"`
	// Actor names the sweeper in evidence (default "retention-sweeper").
	Actor string `json:"actor,omitempty" yaml:"actor,omitempty"`
}

// MaxBatchSize is the largest accepted [SweepConfig.BatchSize].
const MaxBatchSize = 100_000

// Sweeper walks a [Source], evaluates each record against the policies, and
// applies due actions through handlers, writing a [Disposition] for every
// act and every skip because of a hold. A Sweeper is immutable and safe for
// concurrent use; two sweeps with the same checkpoint name must not run at
// the same time (the host serializes them, for example with a database
// advisory lock).
//
// # Crash safety
//
// After each batch the sweeper writes the evidence and then saves the
// checkpoint. A crash repeats at most the current batch: records already
// deleted are gone from the source, and the rest are acted on again,
// idempotently. With a plain [Handler], a crash between an action and the
// write of its evidence loses that evidence; an [EvidencingHandler] (such as
// the sqlsource adapter's Evidenced handler) closes this window by storing
// the evidence in the action's own transaction.
type Sweeper struct {
	pol  *Policies
	src  Source
	sink EvidenceSink
	cfg  SweepConfig
	o    options
	gov  *Governor
}

// NewSweeper returns a sweeper over src. Every action the policies use
// needs a handler ([WithHandler]). Options: [WithHandler],
// [WithCheckpoints], [WithClock], and [WithAuthorizer] with [WithAuditor]
// for [Sweeper.DisposeEarly].
func NewSweeper(pol *Policies, src Source, sink EvidenceSink, cfg SweepConfig, opts ...Option) (*Sweeper, error) {
	if pol == nil || src == nil || sink == nil {
		return nil, errors.New("retention: NewSweeper needs policies, a source and an evidence sink")
	}
	if cfg.BatchSize < 0 || cfg.BatchSize > MaxBatchSize {
		return nil, fmt.Errorf("retention: batch size %d out of range [1, %d]", cfg.BatchSize, MaxBatchSize)
	}
	if cfg.RecordsPerSecond < 0 {
		return nil, fmt.Errorf("retention: negative rate %v", cfg.RecordsPerSecond)
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 1000
	}
	if cfg.Name == "" {
		cfg.Name = "retention"
	}
	if cfg.Actor == "" {
		cfg.Actor = "retention-sweeper"
	}
	o := buildOptions(opts)
	used := pol.actions()
	for a := Delete; a < numActions; a++ {
		if used[a] && o.handlers[a] == nil {
			return nil, fmt.Errorf("%w %v", ErrNoHandler, a)
		}
	}
	return &Sweeper{pol: pol, src: src, sink: sink, cfg: cfg, o: o, gov: &Governor{o: o}}, nil
}

// SweepReport summarizes a sweep.
type SweepReport struct {
	// Now is the clock reading every record was evaluated against.
	Now time.Time
	// Resumed is true when the sweep continued from a checkpoint.
	Resumed bool
	// Complete is true when the walk reached the end of the source.
	Complete bool
	Batches  int
	Scanned  int
	Retained int
	// Held counts held records; HeldSkipped those among them that were due.
	Held, HeldSkipped int
	// Unknown counts records whose category has no policy (left alone).
	Unknown int
	// Due counts due records per action (in a dry run: what would be done).
	Due map[Action]int
	// Done and Failed count outcomes of applied actions.
	Done, Failed int
}

// Sweep walks the source once (from its checkpoint, if any), evaluating
// every record at one clock reading, and applies due actions. It honours
// ctx between batches; a cancelled sweep returns ctx's error and resumes
// from its checkpoint next time.
func (s *Sweeper) Sweep(ctx context.Context) (SweepReport, error) {
	return s.walk(ctx, false, nil)
}

// DryRun walks the whole source like [Sweeper.Sweep] but changes nothing:
// no action, no evidence, no checkpoint. visit, when not nil, sees every
// record with its decision (the zero Decision for a record whose category
// has no policy).
func (s *Sweeper) DryRun(ctx context.Context, visit func(*Record, Decision)) (SweepReport, error) {
	return s.walk(ctx, true, visit)
}

func (s *Sweeper) walk(ctx context.Context, dry bool, visit func(*Record, Decision)) (SweepReport, error) {
	now := s.o.clock()
	rep := SweepReport{Now: now, Due: map[Action]int{}}
	cursor := ""
	cp := s.o.checkpoints
	if dry {
		cp = nil
	}
	if cp != nil {
		c, ok, err := cp.Load(ctx, s.cfg.Name)
		if err != nil {
			return rep, fmt.Errorf("retention: loading checkpoint: %w", err)
		}
		cursor, rep.Resumed = c, ok
	}
	var (
		groups   [numActions][]Record
		outcomes []Outcome
		evidence []Disposition
		start    = time.Now()
	)
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		b, err := s.src.Next(ctx, cursor, s.cfg.BatchSize)
		if err != nil {
			return rep, fmt.Errorf("retention: reading source: %w", err)
		}
		if len(b.Records) == 0 {
			rep.Complete = true
			if cp != nil {
				if err := cp.Clear(context.WithoutCancel(ctx), s.cfg.Name); err != nil {
					return rep, fmt.Errorf("retention: clearing checkpoint: %w", err)
				}
			}
			return rep, nil
		}
		if b.Next == "" || b.Next == cursor {
			return rep, fmt.Errorf("%w: a batch of %d records did not advance the cursor", ErrBadSource, len(b.Records))
		}
		rep.Batches++
		for a := range groups {
			groups[a] = groups[a][:0]
		}
		evidence = evidence[:0]
		stamp := s.o.clock().UTC()
		for i := range b.Records {
			r := &b.Records[i]
			rep.Scanned++
			d, err := s.pol.Evaluate(r, now)
			if visit != nil {
				visit(r, d)
			}
			if err != nil {
				rep.Unknown++
				continue
			}
			switch d.Verdict {
			case Retain:
				rep.Retained++
			case Held:
				rep.Held++
				if !d.Until.IsZero() && !now.Before(d.Until) {
					rep.HeldSkipped++
					evidence = append(evidence, Disposition{RecordID: r.ID, Category: r.Category, Rule: d.Rule,
						Action: d.Action, Time: stamp, Actor: s.cfg.Actor, Outcome: SkippedHeld})
				}
			case Due:
				rep.Due[d.Action]++
				groups[d.Action] = append(groups[d.Action], *r)
			}
		}
		if dry {
			cursor = b.Next
			if err := s.pace(ctx, rep.Scanned, start); err != nil {
				return rep, err
			}
			continue
		}
		var handlerErr error
		for a := Delete; a < numActions; a++ {
			recs := groups[a]
			if len(recs) == 0 {
				continue
			}
			base := len(evidence)
			stamp := s.o.clock().UTC()
			for i := range recs {
				evidence = append(evidence, Disposition{RecordID: recs[i].ID, Category: recs[i].Category,
					Rule: s.pol.list[s.pol.byCategory[recs[i].Category]].Rule, Action: a, Time: stamp,
					Actor: s.cfg.Actor, Outcome: Done})
			}
			ev := evidence[base:]
			stored, err := s.dispose(ctx, s.o.handlers[a], a, recs, ev, &outcomes)
			if err != nil {
				handlerErr = fmt.Errorf("retention: %v handler: %w", a, err)
			}
			for i := range ev {
				switch ev[i].Outcome {
				case Done:
					rep.Done++
				case SkippedHeld:
					rep.HeldSkipped++
				default:
					rep.Failed++
				}
			}
			if stored {
				evidence = evidence[:base]
			}
			if handlerErr != nil {
				break
			}
		}
		// Evidence and checkpoint are written even if ctx was cancelled
		// meanwhile, so that acts already done are not left unrecorded.
		bg := context.WithoutCancel(ctx)
		if len(evidence) > 0 {
			if err := s.sink.WriteEvidence(bg, evidence); err != nil {
				return rep, errors.Join(handlerErr, fmt.Errorf("retention: writing evidence: %w", err))
			}
		}
		if handlerErr != nil {
			return rep, handlerErr
		}
		if cp != nil {
			if err := cp.Save(bg, s.cfg.Name, b.Next); err != nil {
				return rep, fmt.Errorf("retention: saving checkpoint: %w", err)
			}
		}
		cursor = b.Next
		if err := s.pace(ctx, rep.Scanned, start); err != nil {
			return rep, err
		}
	}
}

// pace waits until scanned records since start fit the configured rate.
func (s *Sweeper) pace(ctx context.Context, scanned int, start time.Time) error {
	if s.cfg.RecordsPerSecond <= 0 {
		return nil
	}
	want := time.Duration(float64(scanned) / s.cfg.RecordsPerSecond * float64(time.Second))
	wait := want - time.Since(start)
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// dispose runs a handler on recs and leaves each record's outcome in ev,
// normalized to Done, SkippedHeld or Failed. stored reports that the
// handler stored the dispositions itself.
func (s *Sweeper) dispose(ctx context.Context, h Handler, a Action, recs []Record, ev []Disposition, scratch *[]Outcome) (stored bool, err error) {
	if eh, ok := h.(EvidencingHandler); ok {
		err = eh.DisposeWithEvidence(ctx, a, recs, ev)
		stored = err == nil
	} else {
		out := (*scratch)[:0]
		for range recs {
			out = append(out, Done)
		}
		*scratch = out
		err = h.Dispose(ctx, a, recs, out)
		for i := range ev {
			ev[i].Outcome = out[i]
		}
	}
	for i := range ev {
		if err != nil || (ev[i].Outcome != Done && ev[i].Outcome != SkippedHeld) {
			ev[i].Outcome = Failed
		}
	}
	return stored, err
}

// DisposeEarly applies the policy's action to r now, before its period
// ends, when [Governor.CheckEarly] allows it: never for a held record or in
// compliance mode; in governance mode only with p.Bypass and
// [CapBypassGovernance], audited. A record already due is disposed of
// without privilege. The disposition is written to the evidence sink with
// the actor's name. r.Held must reflect the record's holds; handlers check
// holds again when they act, as the sqlsource adapter does.
func (s *Sweeper) DisposeEarly(ctx context.Context, r Record, p Privilege) error {
	d, err := s.gov.CheckEarly(ctx, s.pol, &r, p)
	if err != nil {
		return err
	}
	h := s.o.handlers[d.Action]
	if h == nil {
		return fmt.Errorf("%w %v", ErrNoHandler, d.Action)
	}
	actor := p.Actor
	if actor == "" {
		actor = s.cfg.Actor
	}
	ev := []Disposition{{RecordID: r.ID, Category: r.Category, Rule: d.Rule, Action: d.Action,
		Time: s.o.clock().UTC(), Actor: actor, Outcome: Done, Early: d.Verdict != Due}}
	var scratch []Outcome
	stored, herr := s.dispose(ctx, h, d.Action, []Record{r}, ev, &scratch)
	if !stored {
		if err := s.sink.WriteEvidence(context.WithoutCancel(ctx), ev); err != nil {
			return errors.Join(herr, fmt.Errorf("retention: writing evidence: %w", err))
		}
	}
	switch {
	case herr != nil:
		return fmt.Errorf("retention: %v handler: %w", d.Action, herr)
	case ev[0].Outcome == SkippedHeld:
		return fmt.Errorf("%w: record %q", ErrHeld, r.ID)
	case ev[0].Outcome != Done:
		return fmt.Errorf("retention: %v of record %q failed", d.Action, r.ID)
	}
	return nil
}
