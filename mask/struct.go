package mask

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"
)

// TagName is the struct tag key a Masker reads: `mask:"email"`.
const TagName = "mask"

// A Masker masks struct values by their field tags.
//
// A field tagged `mask:"name"` is masked with the rule registered under that
// name. The tag applies to a string field (of any string kind) and to the
// strings inside a pointer, slice, array, map value or interface field, so
// `mask:"email"` works as well on []string and map[string]string. A field
// tagged `mask:"-"`, and every untagged field that holds no tagged field, is
// copied unchanged. Untagged struct, pointer, slice, array, map and interface
// fields are walked to find tagged fields inside them; embedded structs are
// walked like any other field. Map keys are never masked.
//
// Unexported fields are copied unchanged (so opaque types such as time.Time
// come through intact); a tag on an unexported field, or an unexported field
// whose type holds tagged fields, is an error, because it could not be masked.
//
// The copy is deep only where something is masked: a pointer, slice or map
// that holds nothing to mask is shared between the input and the copy, as in
// a shallow copy. Aliasing inside the value is kept: two pointers to one
// struct in the input point to one masked struct in the copy, and cycles stay
// cycles.
//
// The walk is driven by a plan built once per type and cached. Building the
// plan reports every problem with the type: an unknown rule name, a rule on a
// field that is not a string, and so on, as a [*FieldError].
//
// A Masker is safe for concurrent use. It takes a snapshot of its registry
// when created, so later registrations do not change it.
type Masker struct {
	rules map[string]Rule
	plans sync.Map // planKey -> *planResult
	top   sync.Map // reflect.Type -> *topEntry, for struct and *struct
	last  atomic.Pointer[topEntry]
}

// NewMasker returns a Masker that resolves tag names through a snapshot of
// r. A nil r means the built-in rules of [NewRegistry].
func NewMasker(r *Registry) *Masker {
	if r == nil {
		r = NewRegistry()
	}
	return &Masker{rules: r.snapshot()}
}

// defaultMasker is built on first use; it is never modified afterwards.
var defaultMasker = sync.OnceValue(func() *Masker { return NewMasker(nil) })

// Default returns the shared Masker with the built-in rules of
// [NewRegistry].
func Default() *Masker { return defaultMasker() }

// Struct returns a masked copy of v, which must be a struct or a pointer to
// a struct, using [Default]. See [Masker] for the tags.
func Struct[T any](v T) (T, error) { return StructWith(Default(), v) }

// StructWith returns a masked copy of v, which must be a struct or a pointer
// to a struct, using m. It never modifies v; on error it returns the zero T.
func StructWith[T any](m *Masker, v T) (T, error) {
	var zero T
	t := reflect.TypeFor[T]()
	if t.Kind() == reflect.Interface {
		out, err := m.Copy(v)
		if err != nil {
			return zero, err
		}
		return out.(T), nil
	}
	p, err := m.topPlan(t)
	if err != nil {
		return zero, err
	}
	if !p.needs {
		return v, nil
	}
	if p.flat != nil {
		// Every masked string lies inside v itself: write them in place
		// through their offsets, with no reflection and no copy of v on
		// the heap. The offsets come from reflect when the plan was built.
		base := unsafe.Pointer(&v)
		for _, f := range p.flat {
			sp := (*string)(unsafe.Add(base, f.off))
			*sp = f.rule.Mask(*sp)
		}
		return v, nil
	}
	return structWalk(m, p, v)
}

// structWalk masks v by reflection. It is apart from StructWith so that the
// fast path there keeps v on the stack.
func structWalk[T any](m *Masker, p *plan, v T) (T, error) {
	rv := reflect.ValueOf(&v).Elem()
	w := walker{m: m}
	if err := w.apply(p, rv); err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// Copy returns a masked copy of v, which must be a struct or a pointer to a
// struct; the result has the dynamic type of v. It never modifies v. A nil
// pointer comes back as it is.
func (m *Masker) Copy(v any) (any, error) {
	if v == nil {
		return nil, fmt.Errorf("%w: nil value", ErrUnsupported)
	}
	t := reflect.TypeOf(v)
	p, err := m.topPlan(t)
	if err != nil {
		return nil, err
	}
	if !p.needs {
		return v, nil
	}
	dst := reflect.New(t).Elem()
	dst.Set(reflect.ValueOf(v))
	w := walker{m: m}
	if err := w.apply(p, dst); err != nil {
		return nil, err
	}
	return dst.Interface(), nil
}

// InPlace masks the struct ptr points to. It masks a copy first and stores
// it only when masking succeeded, so on error *ptr is unchanged. Values that
// the struct reaches through pointers, slices and maps are not modified: the
// struct receives masked copies of them, as with [Masker.Copy].
func (m *Masker) InPlace(ptr any) error {
	rv := reflect.ValueOf(ptr)
	if !rv.IsValid() || rv.Kind() != reflect.Pointer || rv.Type().Elem().Kind() != reflect.Struct {
		return fmt.Errorf("%w: InPlace needs a pointer to a struct, got %s", ErrUnsupported, typeName(rv))
	}
	if rv.IsNil() {
		return fmt.Errorf("%w: InPlace got a nil %s", ErrUnsupported, rv.Type())
	}
	t := rv.Type().Elem()
	p, err := m.planFor(t, "")
	if err != nil {
		return err
	}
	if !p.needs {
		return nil
	}
	tmp := reflect.New(t).Elem()
	tmp.Set(rv.Elem())
	w := walker{m: m}
	// The struct itself is the copy of *ptr: a cycle back to ptr stays a
	// cycle back to ptr.
	w.remember(refKey{ptr: rv.UnsafePointer(), typ: rv.Type()}, rv)
	if err := w.apply(p, tmp); err != nil {
		return err
	}
	rv.Elem().Set(tmp)
	return nil
}

// Prepare builds and caches the plan for the type of v, a struct or a
// pointer to a struct, and reports any problem with its tags. Call it at
// start-up to find a misspelt rule name before the first value is masked.
func (m *Masker) Prepare(v any) error {
	if v == nil {
		return fmt.Errorf("%w: nil value", ErrUnsupported)
	}
	_, err := m.topPlan(reflect.TypeOf(v))
	return err
}

func typeName(rv reflect.Value) string {
	if !rv.IsValid() {
		return "nil"
	}
	return rv.Type().String()
}

// A topEntry is the cached plan of a struct or *struct type.
type topEntry struct {
	t   reflect.Type
	p   *plan
	err error
}

// topPlan returns the plan for a struct or pointer-to-struct type. The
// entry used last is checked first, so a service that masks one type in a
// loop skips the map.
func (m *Masker) topPlan(t reflect.Type) (*plan, error) {
	if e := m.last.Load(); e != nil && e.t == t {
		return e.p, e.err
	}
	if v, ok := m.top.Load(t); ok {
		e := v.(*topEntry)
		m.last.Store(e)
		return e.p, e.err
	}
	k := t.Kind()
	if k != reflect.Struct && (k != reflect.Pointer || t.Elem().Kind() != reflect.Struct) {
		return nil, fmt.Errorf("%w: %s is not a struct or a pointer to a struct", ErrUnsupported, t)
	}
	p, err := m.planFor(t, "")
	v, _ := m.top.LoadOrStore(t, &topEntry{t: t, p: p, err: err})
	e := v.(*topEntry)
	m.last.Store(e)
	return e.p, e.err
}

// A FieldError reports a struct field that cannot be masked as tagged.
type FieldError struct {
	Type  string // the struct type, as reflect prints it
	Field string // the field name
	Rule  string // the rule name in the tag, if any
	Err   error  // ErrUnknownRule, ErrInvalidRule or ErrUnsupported, possibly wrapped
}

// Error names the type, the field and the rule; never a value.
func (e *FieldError) Error() string {
	msg := "mask: " + e.Type + "." + e.Field
	if e.Rule != "" {
		msg += fmt.Sprintf(" (rule %q)", e.Rule)
	}
	if e.Err == nil {
		return msg + ": cannot be masked"
	}
	return msg + ": " + trimPrefix(e.Err.Error())
}

// Unwrap returns the underlying error.
func (e *FieldError) Unwrap() error { return e.Err }

func trimPrefix(s string) string {
	const p = "mask: "
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

type op uint8

const (
	opNone op = iota
	opString
	opStruct
	opPtr
	opSlice
	opArray
	opMap
	opIface
)

// A plan says how to mask a value of one type under one rule (or none).
type plan struct {
	op       op
	typ      reflect.Type
	rule     Rule   // opString, and opIface under a rule
	ruleName string // rule applied to the strings inside, "" for none
	fields   []fieldPlan
	elem     *plan
	needs    bool // a value of this type may have something to mask
	tagged   bool // a value of this type has tagged strings, known statically

	// flat, for a struct whose masked strings all lie inside the struct
	// value itself (not behind a pointer, slice, map or interface), lists
	// them by offset. Nil otherwise.
	flat []flatField

	// checks run once needs and tagged are known.
	hidden []fieldPlan // fields that cannot be written: must not be tagged
}

type flatField struct {
	off  uintptr
	rule Rule
}

// maxFlatFields bounds the offsets a flat plan lists (arrays multiply them).
const maxFlatFields = 64

// flatten appends the offsets of the masked strings of a value planned by p
// at offset base, or reports false when some lie outside the value.
func flatten(p *plan, base uintptr, out []flatField) ([]flatField, bool) {
	switch p.op {
	case opString:
		if len(out) >= maxFlatFields {
			return nil, false
		}
		return append(out, flatField{off: base, rule: p.rule}), true
	case opStruct:
		for _, f := range p.fields {
			var ok bool
			if out, ok = flatten(f.p, base+p.typ.Field(f.index).Offset, out); !ok {
				return nil, false
			}
		}
		return out, true
	case opArray:
		if !p.elem.needs {
			return out, true
		}
		size := p.typ.Elem().Size()
		for i := range p.typ.Len() {
			var ok bool
			if out, ok = flatten(p.elem, base+uintptr(i)*size, out); !ok {
				return nil, false
			}
		}
		return out, true
	}
	return nil, false
}

type fieldPlan struct {
	index int
	name  string
	p     *plan
}

type planKey struct {
	t    reflect.Type
	rule string
}

type planResult struct {
	p   *plan
	err error
}

// planFor returns the cached plan for t under the named rule, building it on
// first use.
func (m *Masker) planFor(t reflect.Type, ruleName string) (*plan, error) {
	key := planKey{t, ruleName}
	if r, ok := m.plans.Load(key); ok {
		res := r.(*planResult)
		return res.p, res.err
	}
	b := builder{m: m, plans: make(map[planKey]*plan)}
	var rule Rule
	if ruleName != "" {
		var err error
		if rule, err = m.lookup(ruleName); err != nil {
			return nil, err
		}
	}
	p, err := b.build(t, ruleName, rule)
	if err == nil {
		err = b.finish()
	}
	if err != nil {
		p = nil
	} else if p.op == opStruct && p.needs {
		if flat, ok := flatten(p, 0, nil); ok {
			p.flat = flat
		}
	}
	r, _ := m.plans.LoadOrStore(key, &planResult{p: p, err: err})
	res := r.(*planResult)
	return res.p, res.err
}

func (m *Masker) lookup(name string) (Rule, error) {
	rule, ok := m.rules[name]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownRule, name)
	}
	return rule, nil
}

type builder struct {
	m     *Masker
	plans map[planKey]*plan
	order []*plan
}

func (b *builder) build(t reflect.Type, ruleName string, rule Rule) (*plan, error) {
	key := planKey{t, ruleName}
	if p, ok := b.plans[key]; ok {
		return p, nil
	}
	p := &plan{typ: t, ruleName: ruleName}
	b.plans[key] = p
	b.order = append(b.order, p)
	switch t.Kind() {
	case reflect.String:
		if rule != nil {
			p.op, p.rule = opString, rule
		}
	case reflect.Struct:
		if rule != nil {
			return nil, fmt.Errorf("%w: rule %q applies to strings, not to struct %s", ErrUnsupported, ruleName, t)
		}
		p.op = opStruct
		if err := b.buildStruct(p, t); err != nil {
			return nil, err
		}
	case reflect.Pointer, reflect.Slice, reflect.Array:
		elem, err := b.build(t.Elem(), ruleName, rule)
		if err != nil {
			return nil, err
		}
		p.elem = elem
		switch t.Kind() {
		case reflect.Pointer:
			p.op = opPtr
		case reflect.Slice:
			p.op = opSlice
		default:
			p.op = opArray
		}
	case reflect.Map:
		key, err := b.build(t.Key(), "", nil)
		if err != nil {
			return nil, err
		}
		p.hidden = append(p.hidden, fieldPlan{name: "map key", p: key})
		elem, err := b.build(t.Elem(), ruleName, rule)
		if err != nil {
			return nil, err
		}
		p.op, p.elem = opMap, elem
	case reflect.Interface:
		p.op, p.rule = opIface, rule
	default:
		if rule != nil {
			return nil, fmt.Errorf("%w: rule %q applies to strings, not to %s", ErrUnsupported, ruleName, t)
		}
	}
	return p, nil
}

func (b *builder) buildStruct(p *plan, t reflect.Type) error {
	for i := range t.NumField() {
		f := t.Field(i)
		fail := func(rule string, err error) error {
			return &FieldError{Type: t.String(), Field: f.Name, Rule: rule, Err: err}
		}
		tag, tagged := f.Tag.Lookup(TagName)
		if tag == "-" {
			continue
		}
		var rule Rule
		if tagged {
			if tag == "" {
				return fail("", fmt.Errorf("%w: empty rule name in tag", ErrInvalidRule))
			}
			var err error
			if rule, err = b.m.lookup(tag); err != nil {
				return fail(tag, err)
			}
		}
		// Exported fields, and the exported fields of an embedded struct of
		// an unexported type, can be written; other fields cannot.
		writable := f.IsExported() || f.Anonymous && f.Type.Kind() == reflect.Struct
		if !writable && tagged {
			return fail(tag, fmt.Errorf("%w: tag on an unexported field", ErrUnsupported))
		}
		fp, err := b.build(f.Type, tag, rule)
		if err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				return err
			}
			return fail(tag, err)
		}
		entry := fieldPlan{index: i, name: f.Name, p: fp}
		if writable {
			p.fields = append(p.fields, entry)
		} else {
			p.hidden = append(p.hidden, entry)
		}
	}
	return nil
}

// finish computes needs and tagged over the (possibly cyclic) plan graph,
// checks the fields that cannot be written, and drops the walk steps that
// have nothing to do.
func (b *builder) finish() error {
	for changed := true; changed; {
		changed = false
		for _, p := range b.order {
			needs, tagged := p.needs, p.tagged
			switch p.op {
			case opString:
				needs, tagged = true, true
			case opIface:
				needs, tagged = true, p.rule != nil
			case opStruct:
				for _, f := range p.fields {
					needs = needs || f.p.needs
					tagged = tagged || f.p.tagged
				}
			case opPtr, opSlice, opArray, opMap:
				needs = needs || p.elem.needs
				tagged = tagged || p.elem.tagged
			}
			if needs != p.needs || tagged != p.tagged {
				p.needs, p.tagged, changed = needs, tagged, true
			}
		}
	}
	for _, p := range b.order {
		for _, h := range p.hidden {
			if !h.p.tagged {
				continue
			}
			if p.op == opMap {
				return fmt.Errorf("%w: map key type %s has tagged fields, and map keys are not masked", ErrUnsupported, h.p.typ)
			}
			return &FieldError{Type: p.typ.String(), Field: h.name,
				Err: fmt.Errorf("%w: unexported field of type %s holds tagged fields", ErrUnsupported, h.p.typ)}
		}
		p.hidden = nil
		if p.op == opStruct {
			kept := p.fields[:0]
			for _, f := range p.fields {
				if f.p.needs {
					kept = append(kept, f)
				}
			}
			p.fields = kept
		}
	}
	return nil
}

// refKey identifies a pointer, map or slice already copied during one walk.
type refKey struct {
	ptr unsafe.Pointer
	len int
	typ reflect.Type
}

// A walker masks one value. It lives for one call and is never shared.
type walker struct {
	m    *Masker
	seen map[refKey]reflect.Value
}

func (w *walker) remember(k refKey, v reflect.Value) {
	if w.seen == nil {
		w.seen = make(map[refKey]reflect.Value)
	}
	w.seen[k] = v
}

// apply masks v in place. v is settable and holds a shallow copy of the
// input, so only freshly allocated memory is ever written.
func (w *walker) apply(p *plan, v reflect.Value) error {
	switch p.op {
	case opString:
		v.SetString(p.rule.Mask(v.String()))
	case opStruct:
		for _, f := range p.fields {
			if err := w.apply(f.p, v.Field(f.index)); err != nil {
				return err
			}
		}
	case opPtr:
		if v.IsNil() {
			return nil
		}
		k := refKey{ptr: v.UnsafePointer(), typ: p.typ}
		if c, ok := w.seen[k]; ok {
			v.Set(c)
			return nil
		}
		c := reflect.New(p.typ.Elem())
		c.Elem().Set(v.Elem())
		w.remember(k, c)
		if err := w.apply(p.elem, c.Elem()); err != nil {
			return err
		}
		v.Set(c)
	case opArray:
		for i := range v.Len() {
			if err := w.apply(p.elem, v.Index(i)); err != nil {
				return err
			}
		}
	case opSlice:
		if v.IsNil() {
			return nil
		}
		k := refKey{ptr: v.UnsafePointer(), len: v.Len(), typ: p.typ}
		if c, ok := w.seen[k]; ok {
			v.Set(c)
			return nil
		}
		c := reflect.MakeSlice(p.typ, v.Len(), v.Len())
		reflect.Copy(c, v)
		w.remember(k, c)
		for i := range c.Len() {
			if err := w.apply(p.elem, c.Index(i)); err != nil {
				return err
			}
		}
		v.Set(c)
	case opMap:
		if v.IsNil() {
			return nil
		}
		k := refKey{ptr: v.UnsafePointer(), typ: p.typ}
		if c, ok := w.seen[k]; ok {
			v.Set(c)
			return nil
		}
		c := reflect.MakeMapWithSize(p.typ, v.Len())
		w.remember(k, c)
		tmp := reflect.New(p.typ.Elem()).Elem()
		for it := v.MapRange(); it.Next(); {
			tmp.Set(it.Value())
			if err := w.apply(p.elem, tmp); err != nil {
				return err
			}
			c.SetMapIndex(it.Key(), tmp)
		}
		v.Set(c)
	case opIface:
		if v.IsNil() {
			return nil
		}
		dyn := v.Elem()
		dp, err := w.m.planFor(dyn.Type(), p.ruleName)
		if err != nil {
			return err
		}
		if !dp.needs {
			if p.rule != nil {
				return fmt.Errorf("%w: rule %q applies to strings, not to %s", ErrUnsupported, p.ruleName, dyn.Type())
			}
			return nil
		}
		c := reflect.New(dyn.Type()).Elem()
		c.Set(dyn)
		if err := w.apply(dp, c); err != nil {
			return err
		}
		v.Set(c)
	}
	return nil
}
