package retention

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// KeyShredder destroys a subject's data key, so that every ciphertext of
// that subject, wherever it is stored (backups included), becomes
// unreadable. Shred must be idempotent: a key already destroyed is success.
// The keys package's per-subject keys (keys.SubjectKeys) fit it through a
// one-method adapter whose Shred calls their Destroy, which is idempotent
// (examples/erasure shows it).
type KeyShredder interface {
	Shred(ctx context.Context, subject string) error
}

// SubjectStore is a store that can erase everything it holds about a
// subject (vault tokens, blind-index rows, ...). EraseSubject returns the
// number of items removed and must be idempotent.
type SubjectStore interface {
	EraseSubject(ctx context.Context, subject string) (int, error)
}

// ResidueReporter is implemented by a [KeyShredder] or [SubjectStore] that
// knows what of a subject it could not erase at once — for example a KMS key
// in its pending-deletion window. Each returned line names the residue
// (names, IDs and dates only, never data).
type ResidueReporter interface {
	Residue(ctx context.Context, subject string) ([]string, error)
}

// ErasureQueue keeps erasure requests refused because of a hold, to be
// run again once the hold is lifted.
type ErasureQueue interface {
	Enqueue(ctx context.Context, req ErasureRequest, holds []Hold) error
}

// WithSubjectStore adds a store the [Eraser] erases a subject from; name
// labels it in the report ("vault tokens", "blind index").
func WithSubjectStore(name string, s SubjectStore) Option {
	return func(o *options) { o.stores = append(o.stores, namedStore{name, s}) }
}

// WithHolds sets the hold store an [Eraser] consults before acting.
func WithHolds(h HoldStore) Option { return func(o *options) { o.holds = h } }

// WithErasureQueue sets where an [Eraser] queues requests refused because
// of a hold.
func WithErasureQueue(q ErasureQueue) Option { return func(o *options) { o.queue = q } }

// WithOutOfReach adds fixed notes to every erasure report about copies the
// library cannot reach ("nightly backups in s3://...: encrypted under the
// subject key, unreadable once it is destroyed").
func WithOutOfReach(notes ...string) Option {
	return func(o *options) { o.outOfReach = append(o.outOfReach, notes...) }
}

type namedStore struct {
	name  string
	store SubjectStore
}

// ErasureRequest asks to erase everything about a subject.
type ErasureRequest struct {
	ID      string    `json:"id" yaml:"id"`
	Subject string    `json:"subject" yaml:"subject"`
	Actor   string    `json:"actor" yaml:"actor"`
	Reason  string    `json:"reason,omitempty" yaml:"reason,omitempty"`
	At      time.Time `json:"at" yaml:"at"`
}

// ErasureStatus is the result of an erasure request.
type ErasureStatus uint8

// Erasure statuses. The zero value is invalid.
const (
	ErasureUnknown ErasureStatus = iota
	// Erased: the key was destroyed and every store erased the subject.
	Erased
	// Partial: some step failed; the report says which. Retry the request.
	Partial
	// Queued: a hold applies; nothing was erased and the request waits.
	Queued
)

var erasureNames = [...]string{"unknown", "erased", "partial", "queued"}

// String returns the status's name.
func (s ErasureStatus) String() string {
	if int(s) < len(erasureNames) {
		return erasureNames[s]
	}
	return fmt.Sprintf("ErasureStatus(%d)", uint8(s))
}

// ErasedItem reports one store's part of an erasure.
type ErasedItem struct {
	Store string `json:"store" yaml:"store"`
	Count int    `json:"count" yaml:"count"`
}

// ErasureReport says what an erasure did and what lies out of reach.
type ErasureReport struct {
	RequestID string        `json:"request_id" yaml:"request_id"`
	Subject   string        `json:"subject" yaml:"subject"`
	Time      time.Time     `json:"time" yaml:"time"`
	Status    ErasureStatus `json:"status" yaml:"status"`
	// Holds lists the IDs of the holds that refused the request.
	Holds []string `json:"holds,omitempty" yaml:"holds,omitempty"`
	// KeyShredded is true when the subject's data key was destroyed.
	KeyShredded bool `json:"key_shredded" yaml:"key_shredded"`
	// Erased lists each store's count of removed items.
	Erased []ErasedItem `json:"erased,omitempty" yaml:"erased,omitempty"`
	// Failed lists the steps that failed ("key", or a store's name).
	Failed []string `json:"failed,omitempty" yaml:"failed,omitempty"`
	// OutOfReach lists what the library could not erase itself.
	OutOfReach []string `json:"out_of_reach,omitempty" yaml:"out_of_reach,omitempty"`
}

// Eraser runs erasure requests (the right to be forgotten): it refuses and
// queues a request when a hold applies, otherwise destroys the subject's
// data key, erases the subject from every store, and reports what was
// erased and what lies out of reach. An Eraser is immutable and safe for
// concurrent use.
type Eraser struct {
	keys KeyShredder
	o    options
}

// NewEraser returns an Eraser that shreds keys with k. Options:
// [WithSubjectStore], [WithHolds], [WithErasureQueue], [WithOutOfReach],
// [WithAuditor] (every request is audited when set; an audit failure stops
// the erasure before it acts) and [WithClock].
func NewEraser(k KeyShredder, opts ...Option) (*Eraser, error) {
	if k == nil {
		return nil, errors.New("retention: NewEraser needs a KeyShredder")
	}
	o := buildOptions(opts)
	o.stores = slices.Clone(o.stores)
	o.outOfReach = slices.Clone(o.outOfReach)
	return &Eraser{keys: k, o: o}, nil
}

// Erase runs one erasure request. When a hold applies (a subject-wide hold,
// or a record hold naming the subject: shredding the subject's key would
// destroy that record too) it queues the request
// (when a queue is configured), returns a report with status [Queued] and
// an error wrapping [ErrHeld]. When a step fails it goes on with the others
// (so that as much as possible is erased), and returns a [Partial] report
// with the joined errors; running the request again is safe.
func (e *Eraser) Erase(ctx context.Context, req ErasureRequest) (ErasureReport, error) {
	rep := ErasureReport{RequestID: req.ID, Subject: req.Subject, Time: e.o.clock().UTC()}
	if req.Subject == "" {
		return rep, errors.New("retention: erasure request without a subject")
	}
	ev := AuditEvent{Time: rep.Time, Act: ActErasure, Actor: req.Actor, Reason: req.Reason, Subject: req.Subject}
	if e.o.holds != nil {
		holds, err := e.o.holds.HoldsFor(ctx, req.Subject, "")
		if err != nil {
			return rep, fmt.Errorf("retention: checking holds: %w", err)
		}
		if len(holds) > 0 {
			rep.Status = Queued
			for _, h := range holds {
				rep.Holds = append(rep.Holds, h.ID)
			}
			err := fmt.Errorf("%w: subject erasure refused (%d holds)", ErrHeld, len(holds))
			if e.o.queue != nil {
				if qerr := e.o.queue.Enqueue(ctx, req, holds); qerr != nil {
					err = errors.Join(err, fmt.Errorf("retention: queueing erasure: %w", qerr))
				}
			}
			if e.o.auditor != nil {
				ev.Detail = err.Error()
				_ = e.o.auditor.Audit(ctx, ev)
			}
			return rep, err
		}
	}
	if e.o.auditor != nil {
		ev.Allowed = true
		if err := e.o.auditor.Audit(ctx, ev); err != nil {
			return rep, fmt.Errorf("%w: %w", ErrAuditFailed, err)
		}
	}
	var errs []error
	if err := e.keys.Shred(ctx, req.Subject); err != nil {
		rep.Failed = append(rep.Failed, "key")
		errs = append(errs, fmt.Errorf("retention: shredding key: %w", err))
	} else {
		rep.KeyShredded = true
	}
	for _, s := range e.o.stores {
		n, err := s.store.EraseSubject(ctx, req.Subject)
		if err != nil {
			rep.Failed = append(rep.Failed, s.name)
			errs = append(errs, fmt.Errorf("retention: erasing from %s: %w", s.name, err))
			continue
		}
		rep.Erased = append(rep.Erased, ErasedItem{Store: s.name, Count: n})
	}
	residue := func(name string, v any) {
		r, ok := v.(ResidueReporter)
		if !ok {
			return
		}
		lines, err := r.Residue(ctx, req.Subject)
		if err != nil {
			rep.OutOfReach = append(rep.OutOfReach, name+": residue unknown (report failed)")
			errs = append(errs, fmt.Errorf("retention: residue of %s: %w", name, err))
			return
		}
		for _, l := range lines {
			rep.OutOfReach = append(rep.OutOfReach, name+": "+l)
		}
	}
	residue("key", e.keys)
	for _, s := range e.o.stores {
		residue(s.name, s.store)
	}
	rep.OutOfReach = append(rep.OutOfReach, e.o.outOfReach...)
	rep.Status = Erased
	if len(errs) > 0 {
		rep.Status = Partial
	}
	return rep, errors.Join(errs...)
}

// MemoryErasureQueue is an in-memory [ErasureQueue], safe for concurrent
// use. The zero value is ready.
type MemoryErasureQueue struct {
	mu   sync.Mutex
	reqs []ErasureRequest
}

// Enqueue appends req.
func (q *MemoryErasureQueue) Enqueue(_ context.Context, req ErasureRequest, _ []Hold) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.reqs = append(q.reqs, req)
	return nil
}

// Pending returns a copy of the queued requests, oldest first.
func (q *MemoryErasureQueue) Pending() []ErasureRequest {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.reqs)
}
