package encrypt

import (
	"context"
	"encoding/hex"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Sealer seals and opens the tagged fields of structs of one table in one
// call. Tags:
//
//	ID       string `encrypt:",subject"`                // row or subject ID, bound to every value
//	Email    string `encrypt:"email,index=email_idx"`   // encrypted; feeds index email_idx
//	EmailIdx []byte `encrypt:"email_idx,blindindex"`    // receives the index on Seal
//	Notes    []byte `encrypt:"notes"`                   // encrypted bytes
//
// Encrypted fields are string (sealed to the compact text form) or a byte
// slice (sealed to raw ciphertext, e.g. [Ciphertext]). Blind-index fields
// are a byte slice (e.g. [Index]), a string (hex) or int64/uint64
// ([IndexUint64]). The subject field is a string or an integer.
//
// A nil byte slice stays nil (SQL NULL) through Seal and Open; an empty
// one is encrypted. Seal and Open change the struct only when every field
// succeeds. Sealing
// an already sealed struct encrypts the ciphertexts again: keep sealed and
// open values in distinct variables.
//
// A Sealer is safe for concurrent use; the plan of each struct type is built
// once and cached.
type Sealer struct {
	e       *Encryptor
	table   string
	indexes map[string]*BlindIndex
	opts    []Option
	plans   sync.Map // reflect.Type -> *plan
	last    atomic.Pointer[typedPlan]
}

type typedPlan struct {
	t reflect.Type
	p *plan
}

// Sealer returns a sealer for table using the encryptor's keys. indexes are
// the blind indexes the tags refer to, by their IndexSpec.Name; each must
// index a field of the same table.
func (e *Encryptor) Sealer(table string, indexes []*BlindIndex, opts ...Option) (*Sealer, error) {
	if table == "" {
		return nil, fmt.Errorf("%w: sealer needs a table", ErrInvalidParams)
	}
	s := &Sealer{e: e, table: table, indexes: map[string]*BlindIndex{}, opts: opts}
	for _, ix := range indexes {
		if ix == nil || ix.table != table {
			return nil, fmt.Errorf("%w: sealer for %s: index of another table", ErrInvalidParams, table)
		}
		if _, dup := s.indexes[ix.shortName]; dup {
			return nil, fmt.Errorf("%w: sealer for %s: index %s given twice", ErrInvalidParams, table, ix.shortName)
		}
		s.indexes[ix.shortName] = ix
	}
	return s, nil
}

type plan struct {
	subject int
	enc     []encField
	idx     []idxField
}

type encField struct {
	index int
	bytes bool
	f     *Field
}

type idxField struct {
	index  int
	kind   reflect.Kind
	source int // position in plan.enc of the field it indexes
	ix     *BlindIndex
}

func (s *Sealer) planFor(t reflect.Type) (*plan, error) {
	if lp := s.last.Load(); lp != nil && lp.t == t {
		return lp.p, nil
	}
	if p, ok := s.plans.Load(t); ok {
		s.last.Store(&typedPlan{t: t, p: p.(*plan)})
		return p.(*plan), nil
	}
	p := &plan{subject: -1}
	type pending struct {
		field int
		name  string
	}
	var wantIdx []pending // (struct field index of the encrypted field, index name)
	targets := map[string]int{}
	byName := map[string]int{}
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, ok := sf.Tag.Lookup("encrypt")
		if !ok || tag == "-" {
			continue
		}
		if !sf.IsExported() {
			return nil, fmt.Errorf("%w: %s.%s: unexported field has an encrypt tag", ErrInvalidParams, t, sf.Name)
		}
		name, rest, _ := strings.Cut(tag, ",")
		var isSubject, isIndex bool
		var indexNames []string
		for _, opt := range strings.Split(rest, ",") {
			switch {
			case opt == "":
			case opt == "subject":
				isSubject = true
			case opt == "blindindex":
				isIndex = true
			case strings.HasPrefix(opt, "index="):
				indexNames = append(indexNames, strings.TrimPrefix(opt, "index="))
			default:
				return nil, fmt.Errorf("%w: %s.%s: unknown tag option %q", ErrInvalidParams, t, sf.Name, opt)
			}
		}
		switch {
		case isSubject:
			if p.subject >= 0 {
				return nil, fmt.Errorf("%w: %s: two subject fields", ErrInvalidParams, t)
			}
			switch sf.Type.Kind() {
			case reflect.String, reflect.Int, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
			default:
				return nil, fmt.Errorf("%w: %s.%s: subject must be a string or an integer", ErrInvalidParams, t, sf.Name)
			}
			p.subject = i
		case isIndex:
			if name == "" {
				return nil, fmt.Errorf("%w: %s.%s: blind index field needs the index name", ErrInvalidParams, t, sf.Name)
			}
			k := sf.Type.Kind()
			if !(isBytes(sf.Type) || k == reflect.String || k == reflect.Int64 || k == reflect.Uint64) {
				return nil, fmt.Errorf("%w: %s.%s: blind index field must be []byte, string, int64 or uint64", ErrInvalidParams, t, sf.Name)
			}
			targets[name] = i
		default:
			if name == "" {
				name = strings.ToLower(sf.Name)
			}
			if !isBytes(sf.Type) && sf.Type.Kind() != reflect.String {
				return nil, fmt.Errorf("%w: %s.%s: encrypted field must be a string or []byte", ErrInvalidParams, t, sf.Name)
			}
			f, err := s.e.Field(s.table, name, s.opts...)
			if err != nil {
				return nil, err
			}
			byName[name] = len(p.enc)
			p.enc = append(p.enc, encField{index: i, bytes: isBytes(sf.Type), f: f})
			for _, n := range indexNames {
				wantIdx = append(wantIdx, pending{field: len(p.enc) - 1, name: n})
			}
		}
	}
	if p.subject < 0 && len(p.enc) > 0 {
		return nil, fmt.Errorf("%w: %s: no field tagged `encrypt:\",subject\"`", ErrInvalidParams, t)
	}
	for _, w := range wantIdx {
		ix, ok := s.indexes[w.name]
		if !ok {
			return nil, fmt.Errorf("%w: %s: index %s not given to the sealer", ErrInvalidParams, t, w.name)
		}
		if ix.field != p.enc[w.field].f.field {
			return nil, fmt.Errorf("%w: %s: index %s indexes field %s, not %s", ErrInvalidParams, t, w.name, ix.field, p.enc[w.field].f.field)
		}
		ti, ok := targets[w.name]
		if !ok {
			return nil, fmt.Errorf("%w: %s: no field tagged `encrypt:\"%s,blindindex\"`", ErrInvalidParams, t, w.name)
		}
		p.idx = append(p.idx, idxField{index: ti, kind: t.Field(ti).Type.Kind(), source: w.field, ix: ix})
		delete(targets, w.name)
	}
	for n := range targets {
		return nil, fmt.Errorf("%w: %s: blind index field %s is fed by no encrypted field", ErrInvalidParams, t, n)
	}
	actual, _ := s.plans.LoadOrStore(t, p)
	return actual.(*plan), nil
}

func isBytes(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8
}

func (s *Sealer) target(v any) (reflect.Value, *plan, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, nil, fmt.Errorf("%w: want a non-nil pointer to a struct, got %T", ErrInvalidParams, v)
	}
	rv = rv.Elem()
	p, err := s.planFor(rv.Type())
	return rv, p, err
}

func subjectOf(rv reflect.Value, p *plan) (string, error) {
	f := rv.Field(p.subject)
	var id string
	switch f.Kind() {
	case reflect.String:
		id = f.String()
	case reflect.Int, reflect.Int32, reflect.Int64:
		id = strconv.FormatInt(f.Int(), 10)
	default:
		id = strconv.FormatUint(f.Uint(), 10)
	}
	if id == "" {
		return "", fmt.Errorf("%w: %s: empty subject ID", ErrInvalidInput, rv.Type())
	}
	return id, nil
}

// fields returns the struct v points to, its plan and its subject ID, or a
// nil plan when it has no encrypted fields (nothing to do).
func (s *Sealer) fields(v any) (reflect.Value, *plan, string, error) {
	rv, p, err := s.target(v)
	if err != nil || len(p.enc) == 0 {
		return rv, nil, "", err
	}
	row, err := subjectOf(rv, p)
	if err != nil {
		return rv, nil, "", err
	}
	return rv, p, row, nil
}

// Seal encrypts the tagged fields of the struct v points to, in place, and
// fills its blind-index fields from the plaintexts.
func (s *Sealer) Seal(v any) error {
	rv, p, row, err := s.fields(v)
	if err != nil || p == nil {
		return err
	}
	var sbuf [8]string
	var bbuf [8][]byte
	strs, bys := sbuf[:0], bbuf[:0]
	if len(p.enc) > len(sbuf) {
		strs, bys = make([]string, 0, len(p.enc)), make([][]byte, 0, len(p.enc))
	}
	for _, ef := range p.enc {
		fv := rv.Field(ef.index)
		var ct []byte
		var text string
		if ef.bytes {
			if fv.IsNil() {
				strs, bys = append(strs, ""), append(bys, nil)
				continue
			}
			ct, err = ef.f.Encrypt(row, fv.Bytes())
		} else {
			text, err = ef.f.EncryptString(row, fv.String())
		}
		if err != nil {
			return err
		}
		strs, bys = append(strs, text), append(bys, ct)
	}
	var ibuf [4][]byte
	idx := ibuf[:0]
	for _, xf := range p.idx {
		src := rv.Field(p.enc[xf.source].index)
		var b []byte
		if src.Kind() == reflect.String {
			b, err = xf.ix.ComputeString(src.String())
		} else {
			b, err = xf.ix.Compute(src.Bytes())
		}
		if err != nil {
			return err
		}
		idx = append(idx, b)
	}
	// Commit.
	for i, ef := range p.enc {
		fv := rv.Field(ef.index)
		if ef.bytes {
			fv.SetBytes(bys[i])
		} else {
			fv.SetString(strs[i])
		}
	}
	for i, xf := range p.idx {
		fv := rv.Field(xf.index)
		switch {
		case xf.kind == reflect.String:
			fv.SetString(hex.EncodeToString(idx[i]))
		case xf.kind == reflect.Int64:
			fv.SetInt(int64(IndexUint64(idx[i])))
		case xf.kind == reflect.Uint64:
			fv.SetUint(IndexUint64(idx[i]))
		default:
			fv.SetBytes(idx[i])
		}
	}
	return nil
}

// Open decrypts the tagged fields of the struct v points to, in place. Each
// field's decryption is a reveal (one audit event per field).
func (s *Sealer) Open(ctx context.Context, v any) error {
	rv, p, row, err := s.fields(v)
	if err != nil || p == nil {
		return err
	}
	vals := make([]any, len(p.enc))
	for i, ef := range p.enc {
		fv := rv.Field(ef.index)
		if ef.bytes {
			if fv.IsNil() {
				vals[i] = []byte(nil)
				continue
			}
			pt, err := ef.f.Decrypt(ctx, row, fv.Bytes())
			if err != nil {
				return err
			}
			vals[i] = pt
		} else {
			pt, err := ef.f.DecryptString(ctx, row, fv.String())
			if err != nil {
				return err
			}
			vals[i] = pt
		}
	}
	for i, ef := range p.enc {
		fv := rv.Field(ef.index)
		if ef.bytes {
			fv.SetBytes(vals[i].([]byte))
		} else {
			fv.SetString(vals[i].(string))
		}
	}
	return nil
}

// Lookup returns the blind index of value for the index named name, in the
// form a query compares against a []byte index column.
func (s *Sealer) Lookup(name, value string) ([]byte, error) {
	ix, ok := s.indexes[name]
	if !ok {
		return nil, fmt.Errorf("%w: no index %s", ErrInvalidParams, name)
	}
	return ix.ComputeString(value)
}
