package mask

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type address struct {
	Street string `mask:"full"`
	City   string
}

type Contact struct {
	Email string `mask:"email"`
}

type contactBase struct {
	Phone string `mask:"phone"`
}

type customer struct {
	Name        string            `mask:"name"`
	Email       string            `mask:"email"`
	Phones      []string          `mask:"phone"`
	Card        *string           `mask:"pan"`
	Notes       map[string]string `mask:"redact"`
	Codes       [2]string         `mask:"last4"`
	ID          string            `mask:"-"`
	Plain       string
	Home        address
	Work        *address
	Created     time.Time
	Extra       any
	Tagged      any `mask:"redact"`
	Contacts    []Contact
	ByKey       map[string]*Contact
	Contact                // embedded exported
	contactBase            // embedded unexported, its exported field is promoted
	note        string     // unexported, copied
	when        *time.Time // unexported, copied
}

func newCustomer() customer {
	card := "4242 4242 4242 4242"
	when := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	return customer{
		Name:        "Мария Иванова",
		Email:       "maria@example.com",
		Phones:      []string{"+1 415-555-0132", "12"},
		Card:        &card,
		Notes:       map[string]string{"a": "secret note"},
		Codes:       [2]string{"ABCDEFGH", "12"},
		ID:          "cust-42",
		Plain:       "plain",
		Home:        address{Street: "Main St 1", City: "Springfield"},
		Work:        &address{Street: "山田通り", City: "Tokyo"},
		Created:     when,
		Extra:       address{Street: "Elm", City: "X"},
		Tagged:      "hide me",
		Contacts:    []Contact{{Email: "bob@example.org"}},
		ByKey:       map[string]*Contact{"k": {Email: "eve@example.net"}},
		Contact:     Contact{Email: "emb@example.com"},
		contactBase: contactBase{Phone: "030 1234 5678"},
		note:        "private",
		when:        &when,
	}
}

func checkMaskedCustomer(t *testing.T, got customer) {
	t.Helper()
	assert.Equal(t, "М. И.", got.Name)
	assert.Equal(t, "m***@example.com", got.Email)
	assert.Equal(t, []string{"+* ***-***-0132", "****"}, got.Phones)
	require.NotNil(t, got.Card)
	assert.Equal(t, "**** **** **** 4242", *got.Card)
	assert.Equal(t, map[string]string{"a": Redacted}, got.Notes)
	assert.Equal(t, [2]string{"****EFGH", "*2"}, got.Codes)
	assert.Equal(t, "cust-42", got.ID)
	assert.Equal(t, "plain", got.Plain)
	assert.Equal(t, address{Street: "*********", City: "Springfield"}, got.Home)
	require.NotNil(t, got.Work)
	assert.Equal(t, address{Street: "****", City: "Tokyo"}, *got.Work)
	assert.Equal(t, time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC), got.Created)
	assert.Equal(t, address{Street: "***", City: "X"}, got.Extra)
	assert.Equal(t, Redacted, got.Tagged)
	assert.Equal(t, []Contact{{Email: "b***@example.org"}}, got.Contacts)
	require.Contains(t, got.ByKey, "k")
	assert.Equal(t, "e***@example.net", got.ByKey["k"].Email)
	assert.Equal(t, "e***@example.com", got.Contact.Email)
	assert.Equal(t, "*** **** 5678", got.Phone)
	assert.Equal(t, "private", got.note)
	assert.Equal(t, time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC), *got.when)
}

func TestStructCopy(t *testing.T) {
	m := NewMasker(nil)
	in := newCustomer()
	orig := newCustomer()

	t.Run("value", func(t *testing.T) {
		got, err := StructWith(m, in)
		require.NoError(t, err)
		checkMaskedCustomer(t, got)
		assert.Equal(t, orig, in, "input unchanged")
	})
	t.Run("pointer", func(t *testing.T) {
		got, err := StructWith(m, &in)
		require.NoError(t, err)
		require.NotSame(t, &in, got)
		checkMaskedCustomer(t, *got)
		assert.Equal(t, orig, in, "input unchanged")
	})
	t.Run("any", func(t *testing.T) {
		got, err := m.Copy(in)
		require.NoError(t, err)
		checkMaskedCustomer(t, got.(customer))
		assert.Equal(t, orig, in, "input unchanged")
	})
	t.Run("default", func(t *testing.T) {
		got, err := Struct(in)
		require.NoError(t, err)
		checkMaskedCustomer(t, got)
		assert.Equal(t, orig, in)
	})
	t.Run("generic any", func(t *testing.T) {
		var v any = &in
		got, err := StructWith(m, v)
		require.NoError(t, err)
		checkMaskedCustomer(t, *got.(*customer))
		assert.Equal(t, orig, in)
	})
	t.Run("in place", func(t *testing.T) {
		c := newCustomer()
		card, work := c.Card, c.Work
		require.NoError(t, m.InPlace(&c))
		checkMaskedCustomer(t, c)
		// What c pointed to is not modified: c now points to masked copies.
		assert.Equal(t, "4242 4242 4242 4242", *card)
		assert.Equal(t, "山田通り", work.Street)
	})
	t.Run("nil pointer", func(t *testing.T) {
		got, err := StructWith(m, (*customer)(nil))
		require.NoError(t, err)
		assert.Nil(t, got)
	})
	t.Run("zero value", func(t *testing.T) {
		got, err := StructWith(m, customer{})
		require.NoError(t, err)
		assert.Equal(t, customer{}, got)
	})
}

type noTags struct {
	A string
	B int
	T time.Time
}

func TestStructNoTagsReturnsInput(t *testing.T) {
	in := noTags{A: "a", B: 1}
	got, err := Struct(in)
	require.NoError(t, err)
	assert.Equal(t, in, got)
}

type node struct {
	Name string `mask:"full"`
	Next *node
	Kids []*node
}

type bag struct {
	Items []any
	Data  map[string]any `mask:"redact"`
}

func TestStructCycles(t *testing.T) {
	a := &node{Name: "alpha"}
	b := &node{Name: "beta", Next: a}
	a.Next = b
	a.Kids = []*node{a, b}
	got, err := Struct(a)
	require.NoError(t, err)
	assert.Equal(t, "*****", got.Name)
	assert.Equal(t, "****", got.Next.Name)
	assert.Same(t, got, got.Next.Next, "the cycle is kept, in the copy")
	assert.Same(t, got, got.Kids[0])
	assert.Same(t, got.Next, got.Kids[1])
	assert.Equal(t, "alpha", a.Name)
	assert.Equal(t, "beta", b.Name)

	items := []any{"x", nil}
	items[1] = items
	data := map[string]any{"k": "value"}
	data["self"] = data
	bg, err := Struct(bag{Items: items, Data: data})
	require.NoError(t, err)
	assert.Equal(t, Redacted, bg.Data["k"])
	self, ok := bg.Data["self"].(map[string]any)
	require.True(t, ok)
	assert.Equal(t, reflect.ValueOf(bg.Data).Pointer(), reflect.ValueOf(self).Pointer(), "the map cycle is kept, in the copy")
	assert.Equal(t, "value", data["k"], "input unchanged")
	assert.Equal(t, "x", bg.Items[0])
}

func TestInPlaceSelfCycle(t *testing.T) {
	a := &node{Name: "alpha"}
	a.Next = a
	require.NoError(t, Default().InPlace(a))
	assert.Equal(t, "*****", a.Name)
	assert.Same(t, a, a.Next)
}

type (
	badRule struct {
		A string `mask:"emial"`
	}
	badEmptyTag struct {
		A string `mask:""`
	}
	badInt struct {
		N int `mask:"redact"`
	}
	badStruct struct {
		A address `mask:"redact"`
	}
	badBytes struct {
		B []byte `mask:"full"`
	}
	badHidden struct {
		//lint:ignore U1000 the unexported field is what the test is about
		a string `mask:"email"`
	}
	badHiddenNst struct {
		//lint:ignore U1000 the unexported field is what the test is about
		a address
	}
	badMapKey   struct{ M map[address]string }
	badNested   struct{ Inner badRule }
	badEmbedPtr struct{ *contactBase }
	okHiddenAny struct {
		A string `mask:"email"`
		//lint:ignore U1000 the unexported field is what the test is about
		x any
	}
	ifaceHolder struct {
		V any `mask:"redact"`
	}
)

func TestStructErrors(t *testing.T) {
	m := NewMasker(nil)
	tests := []struct {
		name  string
		v     any
		err   error
		field string
	}{
		{"unknown rule", badRule{}, ErrUnknownRule, "A"},
		{"empty tag", badEmptyTag{}, ErrInvalidRule, "A"},
		{"rule on int", badInt{}, ErrUnsupported, "N"},
		{"rule on struct", badStruct{}, ErrUnsupported, "A"},
		{"rule on bytes", badBytes{}, ErrUnsupported, "B"},
		{"tag on unexported", badHidden{}, ErrUnsupported, "a"},
		{"unexported with tagged fields", badHiddenNst{}, ErrUnsupported, "a"},
		{"map key with tagged fields", badMapKey{}, ErrUnsupported, ""},
		{"nested unknown rule", &badNested{}, ErrUnknownRule, "A"},
		{"embedded unexported pointer", badEmbedPtr{}, ErrUnsupported, "contactBase"},
		{"string", "hello", ErrUnsupported, ""},
		{"int pointer", new(int), ErrUnsupported, ""},
		{"slice of structs", []customer{}, ErrUnsupported, ""},
		{"nil", nil, ErrUnsupported, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := m.Prepare(tt.v)
			require.ErrorIs(t, err, tt.err)
			_, err2 := m.Copy(tt.v)
			require.ErrorIs(t, err2, tt.err, "Copy reports the same error")
			if tt.field != "" {
				var fe *FieldError
				require.True(t, errors.As(err, &fe), "%v", err)
				assert.Equal(t, tt.field, fe.Field)
			}
			assert.Regexp(t, "^mask: ", err.Error())
		})
	}
	assert.NoError(t, m.Prepare(okHiddenAny{}), "an unexported interface is copied, not an error")

	// A rule on an interface can only be checked when the value is seen.
	_, err := Struct(ifaceHolder{V: 42})
	assert.ErrorIs(t, err, ErrUnsupported)
	got, err := Struct(ifaceHolder{V: "x"})
	require.NoError(t, err)
	assert.Equal(t, Redacted, got.V)
	got, err = Struct(ifaceHolder{V: []string{"a", "b"}})
	require.NoError(t, err)
	assert.Equal(t, []string{Redacted, Redacted}, got.V)

	// InPlace needs a non-nil pointer to a struct and leaves it as it was on error.
	assert.ErrorIs(t, m.InPlace(customer{}), ErrUnsupported)
	assert.ErrorIs(t, m.InPlace((*customer)(nil)), ErrUnsupported)
	assert.ErrorIs(t, m.InPlace(nil), ErrUnsupported)
	h := ifaceHolder{V: 42}
	assert.ErrorIs(t, m.InPlace(&h), ErrUnsupported)
	assert.Equal(t, 42, h.V)
}

func TestFieldErrorMessage(t *testing.T) {
	err := NewMasker(nil).Prepare(badRule{})
	assert.EqualError(t, err, `mask: mask.badRule.A (rule "emial"): unknown rule "emial"`)
}

func TestPlanCachedPerType(t *testing.T) {
	m := NewMasker(nil)
	require.NoError(t, m.Prepare(customer{}))
	r1, ok := m.plans.Load(planKey{t: reflect.TypeFor[customer]()})
	require.True(t, ok)
	_, err := Struct(customer{})
	require.NoError(t, err)
	_, err = m.Copy(newCustomer())
	require.NoError(t, err)
	r2, _ := m.plans.Load(planKey{t: reflect.TypeFor[customer]()})
	assert.Same(t, r1, r2, "the plan is built once")
	// Errors are cached too.
	require.Error(t, m.Prepare(badRule{}))
	_, ok = m.plans.Load(planKey{t: reflect.TypeFor[badRule]()})
	assert.True(t, ok)
}

func TestMaskerSnapshotsRegistry(t *testing.T) {
	r := NewRegistry()
	m := NewMasker(r)
	type custom struct {
		A string `mask:"shout"`
	}
	require.NoError(t, r.Register("shout", Label("SHOUT")))
	assert.ErrorIs(t, m.Prepare(custom{}), ErrUnknownRule, "registered after the Masker was made")
	got, err := StructWith(NewMasker(r), custom{A: "x"})
	require.NoError(t, err)
	assert.Equal(t, "<SHOUT>", got.A)
}

// TestStructAllocs pins the allocation budget of the struct walk: one
// allocation for the copy of the value and one per masked string field.
func TestStructAllocs(t *testing.T) {
	type five struct {
		Name  string `mask:"name"`
		Email string `mask:"email"`
		Phone string `mask:"phone"`
		Card  string `mask:"pan"`
		SSN   string `mask:"ssn"`
	}
	m := NewMasker(nil)
	v := five{"John Smith", "john@example.com", "+1 415-555-0132", "4242424242424242", "536-90-4399"}
	_, err := StructWith(m, v)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(100, func() { _, _ = StructWith(m, v) })
	assert.LessOrEqual(t, allocs, 5.0, "one per masked field, none for the walk")

	// Alternating types costs no more.
	type one struct {
		A string `mask:"full"`
	}
	o := one{A: "x"}
	allocs = testing.AllocsPerRun(100, func() {
		_, _ = StructWith(m, v)
		_, _ = StructWith(m, o)
	})
	assert.LessOrEqual(t, allocs, 6.0)
}

type namedString string

type flatStruct struct {
	Email string `mask:"email"`
	Home  address
	Codes [3]string `mask:"last4"`
	contactBase
	Named namedString `mask:"full"`
	Free  string
	n     int
	Tail  [2]address
}

// TestFlatPathMatchesReflectPath checks the offset-based fast path of
// StructWith against the reflection walk of Copy.
func TestFlatPathMatchesReflectPath(t *testing.T) {
	m := NewMasker(nil)
	in := flatStruct{
		Email: "maria@example.com", Home: address{Street: "Main St 1", City: "X"},
		Codes: [3]string{"ABCDEFGH", "Привет мир", ""}, contactBase: contactBase{Phone: "+1 415-555-0132"},
		Named: "named", Free: "free", n: 7, Tail: [2]address{{Street: "a1"}, {Street: "b22", City: "c"}},
	}
	orig := in
	p, err := m.topPlan(reflect.TypeFor[flatStruct]())
	require.NoError(t, err)
	require.Len(t, p.flat, 9, "the fast path applies")

	got, err := StructWith(m, in)
	require.NoError(t, err)
	slow, err := m.Copy(in)
	require.NoError(t, err)
	assert.Equal(t, slow.(flatStruct), got)
	assert.Equal(t, orig, in, "input unchanged")
	assert.Equal(t, flatStruct{
		Email: "m***@example.com", Home: address{Street: "*********", City: "X"},
		Codes: [3]string{"****EFGH", "****** мир", ""}, contactBase: contactBase{Phone: "+* ***-***-0132"},
		Named: "*****", Free: "free", n: 7, Tail: [2]address{{Street: "**"}, {Street: "***", City: "c"}},
	}, got)
}
