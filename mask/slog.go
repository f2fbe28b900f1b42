package mask

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
)

// A KeyRule maps log attribute keys to a rule name in a [Registry].
//
// Key is an exact key or a pattern in which '*' matches any run of
// characters: "password", "*token*", "user_*". Matching ignores ASCII case.
// Keys longer than 64 bytes with upper-case letters cost an allocation to match.
type KeyRule struct {
	Key  string
	Rule string
}

// DefaultKeyRules returns key rules for attribute names that commonly carry
// personal data or secrets. Callers can extend the returned slice.
func DefaultKeyRules() []KeyRule {
	return []KeyRule{
		{"*password*", "redact"},
		{"*passwd*", "redact"},
		{"*secret*", "redact"},
		{"authorization", "redact"},
		{"cookie", "redact"},
		{"set-cookie", "redact"},
		{"*token*", "credential"},
		{"*api_key*", "credential"},
		{"*apikey*", "credential"},
		{"*email*", "email"},
		{"*phone*", "phone"},
		{"pan", "pan"},
		{"card_number", "pan"},
		{"iban", "iban"},
		{"ssn", "ssn"},
		{"national_id", "national_id"},
		{"ip", "ip"},
		{"client_ip", "ip"},
		{"remote_addr", "ip"},
		{"url", "url"},
	}
}

// An AttrMasker masks log/slog attributes by key. An attribute whose key
// matches a [KeyRule], or that sits in a group whose key matches one, has its
// value masked with that rule: a string directly, any other value through
// its text form, a group member by member. Exact keys are tried first, then
// patterns in the order given; the attribute's own key is tried before the
// keys of its enclosing groups, innermost first.
//
// An attribute that matches no rule and holds a struct, or a pointer to a
// struct, with `mask` tags is replaced by a masked copy, as by
// [Masker.Copy]; if that copy fails, the value is replaced by [Redacted].
//
// The built-in attributes (time, level, msg, source) of a top-level record
// are never masked. An AttrMasker is safe for concurrent use.
type AttrMasker struct {
	exact    map[string]Rule // lower-cased key -> rule
	patterns []keyPattern
	masker   *Masker
}

type keyPattern struct {
	pattern string // lower-cased
	rule    Rule
}

// NewAttrMasker returns an AttrMasker that resolves the rule names of rules
// through a snapshot of r (the built-in rules when r is nil). An unknown rule
// name is an error wrapping [ErrUnknownRule]; an empty key one wrapping
// [ErrInvalidRule].
func NewAttrMasker(r *Registry, rules ...KeyRule) (*AttrMasker, error) {
	m := NewMasker(r)
	a := &AttrMasker{exact: make(map[string]Rule), masker: m}
	for _, kr := range rules {
		if kr.Key == "" {
			return nil, fmt.Errorf("%w: key rule with an empty key", ErrInvalidRule)
		}
		rule, err := m.lookup(kr.Rule)
		if err != nil {
			return nil, fmt.Errorf("mask: key %q: %w", kr.Key, err)
		}
		key := asciiLower(kr.Key)
		if strings.Contains(key, "*") {
			a.patterns = append(a.patterns, keyPattern{key, rule})
		} else if _, dup := a.exact[key]; !dup {
			a.exact[key] = rule
		}
	}
	return a, nil
}

// ReplaceAttr masks a as described on [AttrMasker]. Its signature is that of
// [slog.HandlerOptions] ReplaceAttr:
//
//	slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: am.ReplaceAttr})
func (a *AttrMasker) ReplaceAttr(groups []string, attr slog.Attr) slog.Attr {
	if len(groups) == 0 {
		switch attr.Key {
		case slog.TimeKey, slog.LevelKey, slog.MessageKey, slog.SourceKey:
			return attr
		}
	}
	rule := a.ruleFor(attr.Key)
	for i := len(groups) - 1; rule == nil && i >= 0; i-- {
		rule = a.ruleFor(groups[i])
	}
	return a.maskAttr(rule, attr)
}

// Handler returns a [slog.Handler] that masks every attribute as described
// on [AttrMasker], including those added by WithAttrs, before passing it to
// h.
func (a *AttrMasker) Handler(h slog.Handler) slog.Handler {
	return &maskHandler{a: a, inner: h}
}

// ruleFor returns the rule for key, or nil.
func (a *AttrMasker) ruleFor(key string) Rule {
	if key == "" {
		return nil
	}
	var buf [64]byte
	lower := key
	if hasUpper(key) {
		if len(key) <= len(buf) {
			b := buf[:len(key)]
			for i := 0; i < len(key); i++ {
				b[i] = toLower(key[i])
			}
			if r, ok := a.exact[string(b)]; ok {
				return r
			}
			for _, p := range a.patterns {
				if matchLower(p.pattern, b) {
					return p.rule
				}
			}
			return nil
		}
		lower = asciiLower(key)
	}
	if r, ok := a.exact[lower]; ok {
		return r
	}
	for _, p := range a.patterns {
		if matchLower(p.pattern, []byte(lower)) {
			return p.rule
		}
	}
	return nil
}

func asciiLower(s string) string {
	if !hasUpper(s) {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		b[i] = toLower(c)
	}
	return string(b)
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}

func toLower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// matchLower reports whether s matches pattern, where '*' matches any run of
// bytes. Both are lower-cased already.
func matchLower(pattern string, s []byte) bool {
	// Classic glob matching with backtracking to the last star: linear in
	// practice, O(len(pattern)*len(s)) at worst.
	px, sx := 0, 0
	nextPx, nextSx := -1, -1
	for px < len(pattern) || sx < len(s) {
		if px < len(pattern) {
			c := pattern[px]
			if c == '*' {
				nextPx, nextSx = px, sx+1
				px++
				continue
			}
			if sx < len(s) && s[sx] == c {
				px++
				sx++
				continue
			}
		}
		if nextSx > 0 && nextSx <= len(s) {
			px, sx = nextPx, nextSx
			continue
		}
		return false
	}
	return true
}

// maskAttr masks attr under rule (nil: no key rule applies).
func (a *AttrMasker) maskAttr(rule Rule, attr slog.Attr) slog.Attr {
	v := attr.Value.Resolve()
	if rule != nil {
		return slog.Attr{Key: attr.Key, Value: maskValue(rule, v)}
	}
	if v.Kind() == slog.KindAny {
		attr.Value = a.maskTagged(v)
	}
	return attr
}

// maskValue masks every leaf of v with rule.
func maskValue(rule Rule, v slog.Value) slog.Value {
	switch v.Kind() {
	case slog.KindString:
		return slog.StringValue(rule.Mask(v.String()))
	case slog.KindGroup:
		g := v.Group()
		out := make([]slog.Attr, len(g))
		for i, m := range g {
			out[i] = slog.Attr{Key: m.Key, Value: maskValue(rule, m.Value.Resolve())}
		}
		return slog.GroupValue(out...)
	default:
		return slog.StringValue(rule.Mask(v.String()))
	}
}

// maskTagged masks a struct value by its tags, if it has any.
func (a *AttrMasker) maskTagged(v slog.Value) slog.Value {
	x := v.Any()
	if x == nil {
		return v
	}
	t := reflect.TypeOf(x)
	if t.Kind() != reflect.Struct && (t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct) {
		return v
	}
	out, err := a.masker.Copy(x)
	if err != nil {
		return slog.StringValue(Redacted)
	}
	return slog.AnyValue(out)
}

// maskHandler is the slog.Handler returned by AttrMasker.Handler.
type maskHandler struct {
	a      *AttrMasker
	inner  slog.Handler
	groups []string // groups opened by WithGroup
	rule   Rule     // rule of the innermost matching open group, or nil
}

func (h *maskHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *maskHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(attr slog.Attr) bool {
		out.AddAttrs(h.mask(h.rule, attr))
		return true
	})
	return h.inner.Handle(ctx, out)
}

func (h *maskHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(attrs))
	for i, attr := range attrs {
		masked[i] = h.mask(h.rule, attr)
	}
	return &maskHandler{a: h.a, inner: h.inner.WithAttrs(masked), groups: h.groups, rule: h.rule}
}

func (h *maskHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	rule := h.rule
	if r := h.a.ruleFor(name); r != nil {
		rule = r
	}
	groups := append(h.groups[:len(h.groups):len(h.groups)], name)
	return &maskHandler{a: h.a, inner: h.inner.WithGroup(name), groups: groups, rule: rule}
}

// mask masks attr; outer is the rule of the innermost matching enclosing
// group, or nil.
func (h *maskHandler) mask(outer Rule, attr slog.Attr) slog.Attr {
	rule := h.a.ruleFor(attr.Key)
	if rule == nil {
		rule = outer
	}
	v := attr.Value.Resolve()
	if v.Kind() == slog.KindGroup && rule == nil {
		g := v.Group()
		out := make([]slog.Attr, len(g))
		for i, m := range g {
			out[i] = h.mask(nil, m)
		}
		return slog.Attr{Key: attr.Key, Value: slog.GroupValue(out...)}
	}
	return h.a.maskAttr(rule, slog.Attr{Key: attr.Key, Value: v})
}
