package retention

import (
	"errors"
	"fmt"
	"time"
)

// Errors returned by policy loading and evaluation.
var (
	// ErrInvalidPolicy is returned by [New] for a policy that fails
	// validation; the message names the category and the field.
	ErrInvalidPolicy = errors.New("retention: invalid policy")
	// ErrUnknownCategory is returned for a category that has no policy, or
	// that the configuration does not declare.
	ErrUnknownCategory = errors.New("retention: unknown category")
)

// Policy is the retention rule for one category of data. It is a plain
// struct that encodes to and from JSON (and YAML through the text
// marshalers of its fields); [New] validates it.
type Policy struct {
	// Category is the kind of data the policy governs ("invoices").
	Category string `json:"category" yaml:"category"`
	// Rule names the rule in evidence records; it defaults to Category.
	Rule string `json:"rule,omitempty" yaml:"rule,omitempty"`
	// Mode is governance or compliance (required).
	Mode Mode `json:"mode" yaml:"mode"`
	// Period is how long records are kept after the trigger. Exactly one of
	// Period and RetainUntil must be set.
	Period Period `json:"period,omitzero" yaml:"period,omitempty"`
	// RetainUntil keeps every record of the category until this instant,
	// whatever its trigger time.
	RetainUntil time.Time `json:"retain_until,omitzero" yaml:"retain_until,omitempty"`
	// Trigger starts the period (required with Period).
	Trigger Trigger `json:"trigger,omitempty" yaml:"trigger,omitempty"`
	// Event names the event for Trigger == Event ("account_closed").
	Event string `json:"event,omitempty" yaml:"event,omitempty"`
	// Action is what happens when the period ends (required).
	Action Action `json:"action" yaml:"action"`
	// MinPeriod and MaxPeriod bound Period, now and in every later change.
	MinPeriod Period `json:"min_period,omitzero" yaml:"min_period,omitempty"`
	MaxPeriod Period `json:"max_period,omitzero" yaml:"max_period,omitempty"`
	// LegalBasis records why the data is kept (an article, a contract
	// clause); it is carried into audit events.
	LegalBasis string `json:"legal_basis,omitempty" yaml:"legal_basis,omitempty"`
}

// Config is a set of policies as it comes from a file or from code. The zero
// Config has no policies: every record then evaluates to
// [ErrUnknownCategory], and nothing is ever due.
type Config struct {
	// Categories, when set, lists the categories the application knows:
	// a policy for any other category is an error, and so is a listed
	// category without a policy.
	Categories []string `json:"categories,omitempty" yaml:"categories,omitempty"`
	Policies   []Policy `json:"policies" yaml:"policies"`
}

// Policies is a validated, immutable set of policies, safe for concurrent
// use. Build one with [New].
type Policies struct {
	byCategory map[string]int
	list       []compiled
}

type compiled struct {
	Policy
	absolute  bool // RetainUntil is set
	untilSec  int64
	untilNsec int64
}

// New validates cfg and returns the policy set. Every problem found is
// reported (joined with [errors.Join]), each wrapping [ErrInvalidPolicy] or
// [ErrUnknownCategory].
func New(cfg Config) (*Policies, error) {
	p := &Policies{byCategory: make(map[string]int, len(cfg.Policies))}
	var errs []error
	known := make(map[string]bool, len(cfg.Categories))
	for _, c := range cfg.Categories {
		known[c] = true
	}
	for _, pol := range cfg.Policies {
		if err := validate(pol); err != nil {
			errs = append(errs, err)
			continue
		}
		if _, dup := p.byCategory[pol.Category]; dup {
			errs = append(errs, fmt.Errorf("%w %q: duplicate category", ErrInvalidPolicy, pol.Category))
			continue
		}
		if len(cfg.Categories) > 0 && !known[pol.Category] {
			errs = append(errs, fmt.Errorf("%w %q: not among the declared categories", ErrUnknownCategory, pol.Category))
			continue
		}
		if pol.Rule == "" {
			pol.Rule = pol.Category
		}
		c := compiled{Policy: pol}
		if !pol.RetainUntil.IsZero() {
			c.RetainUntil = pol.RetainUntil.UTC()
			c.absolute = true
			c.untilSec, c.untilNsec = c.RetainUntil.Unix(), int64(c.RetainUntil.Nanosecond())
		}
		p.list = append(p.list, c)
		p.byCategory[pol.Category] = len(p.list) - 1
	}
	for _, c := range cfg.Categories {
		if _, ok := p.byCategory[c]; !ok && !hasInvalid(cfg.Policies, c) {
			errs = append(errs, fmt.Errorf("%w %q: declared category has no policy", ErrInvalidPolicy, c))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
}

func hasInvalid(ps []Policy, cat string) bool {
	for _, p := range ps {
		if p.Category == cat {
			return true
		}
	}
	return false
}

func validate(p Policy) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %q: %s", ErrInvalidPolicy, p.Category, fmt.Sprintf(format, args...))
	}
	switch {
	case p.Category == "":
		return fmt.Errorf("%w: empty category", ErrInvalidPolicy)
	case p.Mode != Governance && p.Mode != Compliance:
		return bad("mode %v: want governance or compliance", p.Mode)
	case p.Action == ActionUnknown || p.Action >= numActions:
		return bad("action %v: want delete, anonymize, archive, crypto_shred or review", p.Action)
	case p.Period.IsZero() == p.RetainUntil.IsZero():
		return bad("exactly one of period and retain_until must be set")
	}
	if !p.RetainUntil.IsZero() {
		if p.Trigger != TriggerUnknown || p.Event != "" {
			return bad("retain_until takes no trigger or event")
		}
		if !p.MinPeriod.IsZero() || !p.MaxPeriod.IsZero() {
			return bad("min_period and max_period apply to period, not to retain_until")
		}
		return nil
	}
	switch {
	case p.Trigger == TriggerUnknown || p.Trigger >= numTriggers:
		return bad("trigger %v: want created, modified, last_activity or event", p.Trigger)
	case p.Trigger == Event && p.Event == "":
		return bad("trigger event needs an event name")
	case p.Trigger != Event && p.Event != "":
		return bad("event %q given for trigger %v", p.Event, p.Trigger)
	case !p.MinPeriod.IsZero() && !p.MaxPeriod.IsZero() && !p.MaxPeriod.AtLeast(p.MinPeriod):
		return bad("max_period %v below min_period %v", p.MaxPeriod, p.MinPeriod)
	case !p.MinPeriod.IsZero() && !p.Period.AtLeast(p.MinPeriod):
		return bad("%v period %v is below min_period %v (or not above it on every calendar: months and years compare conservatively)", p.Mode, p.Period, p.MinPeriod)
	case !p.MaxPeriod.IsZero() && !p.MaxPeriod.AtLeast(p.Period):
		return bad("period %v exceeds max_period %v", p.Period, p.MaxPeriod)
	}
	return nil
}

// Policy returns the policy of a category.
func (p *Policies) Policy(category string) (Policy, bool) {
	i, ok := p.byCategory[category]
	if !ok {
		return Policy{}, false
	}
	return p.list[i].Policy, true
}

// Config returns the policies as a [Config], in load order.
func (p *Policies) Config() Config {
	c := Config{Policies: make([]Policy, len(p.list))}
	for i := range p.list {
		c.Policies[i] = p.list[i].Policy
	}
	return c
}

// actions reports which actions the policies use.
func (p *Policies) actions() (used [numActions]bool) {
	for i := range p.list {
		used[p.list[i].Action] = true
	}
	return used
}

// Record is what the evaluator knows of one record: identifiers and
// timestamps, never the data. A zero time means "not known" or "has not
// happened"; a record whose trigger time is zero is retained.
type Record struct {
	// ID identifies the record in its store; it appears in evidence.
	ID string
	// Category selects the policy.
	Category string
	// Subject is the person the record is about, if any.
	Subject string
	// Created, Modified and Activity feed the matching triggers.
	Created, Modified, Activity time.Time
	// EventAt is when the category's trigger event happened for this
	// record (for Trigger == Event); zero while it has not.
	EventAt time.Time
	// RetainUntil extends retention of this one record (never shortens it).
	RetainUntil time.Time
	// Held is true while a legal hold applies to the record.
	Held bool
}

// Decision is the evaluator's answer for one record.
type Decision struct {
	Verdict Verdict
	// Until is when the retention ends; zero while the trigger has not
	// happened. For a held record it is when the period ends (or ended).
	Until time.Time
	// Action is the policy's end action (set for every verdict).
	Action Action
	// Rule is the policy's rule name.
	Rule string
	// Mode is the policy's mode.
	Mode Mode
}

// Evaluate decides what should happen to r at time now: retain (until
// when), held, or due (which action). It is pure arithmetic on r's
// timestamps and does not allocate. A record whose category has no policy
// gets [ErrUnknownCategory] and must be left alone.
func (p *Policies) Evaluate(r *Record, now time.Time) (Decision, error) {
	i, ok := p.byCategory[r.Category]
	if !ok {
		return Decision{}, ErrUnknownCategory
	}
	c := &p.list[i]
	d := Decision{Action: c.Action, Rule: c.Rule, Mode: c.Mode}
	var sec, nsec int64
	if c.absolute {
		sec, nsec = c.untilSec, c.untilNsec
	} else {
		var start *time.Time
		switch c.Trigger {
		case Created:
			start = &r.Created
		case Modified:
			start = &r.Modified
		case LastActivity:
			start = &r.Activity
		default:
			start = &r.EventAt
		}
		if start.IsZero() {
			d.Verdict = Retain
			if r.Held {
				d.Verdict = Held
			}
			return d, nil
		}
		sec, nsec = c.Period.addUnix(start.Unix()), int64(start.Nanosecond())
	}
	if !r.RetainUntil.IsZero() {
		if s, n := r.RetainUntil.Unix(), int64(r.RetainUntil.Nanosecond()); s > sec || (s == sec && n > nsec) {
			sec, nsec = s, n
		}
	}
	d.Until = time.Unix(sec, nsec).UTC()
	ns, nn := now.Unix(), int64(now.Nanosecond())
	switch {
	case r.Held:
		d.Verdict = Held
	case ns > sec || (ns == sec && nn >= nsec):
		d.Verdict = Due
	default:
		d.Verdict = Retain
	}
	return d, nil
}
