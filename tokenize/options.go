package tokenize

import (
	"time"

	"github.com/custos-dev/custos/access"
)

// Derivation purposes of the keys derived from the root keyset with
// keys.Keyset.Derive; the domain is the tokenizer's domain.
const (
	PurposePseudonym     = "tokenize/pseudonym"
	PurposeDeterministic = "tokenize/deterministic"
	PurposeFPE           = "tokenize/fpe"
	PurposeVault         = "tokenize/vault"
)

// Option configures a tokenizer.
type Option func(*options)

type options struct {
	guard *access.Guard
	now   func() time.Time
}

func buildOptions(opts []Option) options {
	o := options{now: time.Now}
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	return o
}

// WithGuard makes Detokenize ask g before every reveal and record one audit
// event per call. Without it every reveal is allowed and none is audited.
func WithGuard(g *access.Guard) Option { return func(o *options) { o.guard = g } }

// WithClock sets the clock a Vault uses for creation times and expiry
// (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.now = now
		}
	}
}
