package mask

import (
	"fmt"
	"maps"
	"slices"
	"sync"
)

// A Registry maps rule names, as used in struct tags and policy files, to
// rules. The caller owns it: [NewRegistry] returns one holding the built-in
// rules, and [Registry.Register] adds more. The zero Registry is empty and
// ready to use. A Registry is safe for concurrent use.
//
// Built-in rules:
//
//	redact       Redact("")                   [REDACTED]
//	full         Partial{}                    every character masked, length kept
//	last4        Partial{KeepLast: 4}         ******1234
//	email        EmailRule{}                  j***@example.com
//	phone        PhoneRule{}                  +* ***-***-0132
//	pan          PANRule{}                    **** **** **** 4242
//	pan_bin6     PANRule{BIN: 6}              4242 42** **** 4242
//	pan_bin8     PANRule{BIN: 8}              4242 4242 **** 4242
//	iban         IBANRule{}                   DE** **** **** **** **30 00
//	national_id  NationalIDRule{}             ***-**-4399
//	ssn          NationalIDRule{}             ***-**-4399
//	name         NameRule{}                   J. T.
//	ip           IPRule{}                     192.0.2.0
//	url          URLRule{}                    https://bob:****@example.com/?q=****
//	credential   CredentialRule{}             sk_l****
type Registry struct {
	mu    sync.RWMutex
	rules map[string]Rule
}

// NewRegistry returns a registry holding the built-in rules.
func NewRegistry() *Registry {
	return &Registry{rules: map[string]Rule{
		"redact":      Redact(""),
		"full":        Partial{},
		"last4":       Partial{KeepLast: 4},
		"email":       EmailRule{},
		"phone":       PhoneRule{},
		"pan":         PANRule{},
		"pan_bin6":    PANRule{BIN: 6},
		"pan_bin8":    PANRule{BIN: 8},
		"iban":        IBANRule{},
		"national_id": NationalIDRule{},
		"ssn":         NationalIDRule{},
		"name":        NameRule{},
		"ip":          IPRule{},
		"url":         URLRule{},
		"credential":  CredentialRule{},
	}}
}

// validator is implemented by rule configurations that can be wrong.
type validator interface{ Validate() error }

// Register adds rule under name. The name must be 1 to 64 characters from
// a-z, A-Z, 0-9, '_', '.' and '-', and not be taken yet: a registered rule,
// built-in or not, is never replaced, so a weaker rule cannot slip in under a
// known name. A rule with a Validate method must pass it. Errors wrap
// [ErrInvalidRule].
func (r *Registry) Register(name string, rule Rule) error {
	if err := checkName(name); err != nil {
		return err
	}
	if rule == nil {
		return fmt.Errorf("%w: rule %q is nil", ErrInvalidRule, name)
	}
	if v, ok := rule.(validator); ok {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("rule %q: %w", name, err)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.rules[name]; dup {
		return fmt.Errorf("%w: rule %q is already registered", ErrInvalidRule, name)
	}
	if r.rules == nil {
		r.rules = make(map[string]Rule)
	}
	r.rules[name] = rule
	return nil
}

// Lookup returns the rule registered under name, or an error wrapping
// [ErrUnknownRule].
func (r *Registry) Lookup(name string) (Rule, error) {
	r.mu.RLock()
	rule, ok := r.rules[name]
	r.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownRule, name)
	}
	return rule, nil
}

// Names returns the registered names in sorted order.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Sorted(maps.Keys(r.rules))
}

// snapshot returns a copy of the rules, for a Masker that must not see later
// registrations.
func (r *Registry) snapshot() map[string]Rule {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return maps.Clone(r.rules)
}

func checkName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("%w: rule name must be 1 to 64 characters, got %d", ErrInvalidRule, len(name))
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !isASCIILetter(c) && (c < '0' || c > '9') && c != '_' && c != '.' && c != '-' {
			return fmt.Errorf("%w: rule name %q has a character outside [A-Za-z0-9_.-]", ErrInvalidRule, name)
		}
	}
	return nil
}
