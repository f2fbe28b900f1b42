package mask

import (
	"bytes"
	"context"
	"encoding"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestAttrMasker(t *testing.T) *AttrMasker {
	t.Helper()
	am, err := NewAttrMasker(nil, append(DefaultKeyRules(), KeyRule{"user_*", "name"}, KeyRule{"card", "pan"})...)
	require.NoError(t, err)
	return am
}

// logJSON logs one record through a JSON handler built by mk and returns the
// decoded line.
func logJSON(t *testing.T, mk func(*bytes.Buffer) *slog.Logger, log func(*slog.Logger)) (map[string]any, string) {
	t.Helper()
	var buf bytes.Buffer
	log(mk(&buf))
	var m map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &m), buf.String())
	return m, buf.String()
}

type logCustomer struct {
	Name  string `mask:"name"`
	Email string `mask:"email"`
	Tier  string
}

func TestAttrMasker(t *testing.T) {
	am := newTestAttrMasker(t)
	viaReplace := func(buf *bytes.Buffer) *slog.Logger {
		return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{ReplaceAttr: am.ReplaceAttr}))
	}
	viaHandler := func(buf *bytes.Buffer) *slog.Logger {
		return slog.New(am.Handler(slog.NewJSONHandler(buf, nil)))
	}
	for name, mk := range map[string]func(*bytes.Buffer) *slog.Logger{"ReplaceAttr": viaReplace, "Handler": viaHandler} {
		t.Run(name, func(t *testing.T) {
			got, raw := logJSON(t, mk, func(l *slog.Logger) {
				l.With("password", "hunter2", slog.Group("req", "Authorization", "Bearer abc.def")).
					WithGroup("ctx").
					Info("signed up",
						"Email", "maria@example.com",
						"USER_NAME", "Maria Ivanova",
						"card", int64(4242424242424242),
						"access_token", "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
						"count", 3,
						"customer", logCustomer{Name: "Maria Ivanova", Email: "maria@example.com", Tier: "gold"},
						slog.Group("phone", "home", "+1 415-555-0132", "work", "+44 20 7946 0958"),
						"msg", "user msg key is masked only if a rule says so",
					)
			})
			for _, plain := range []string{"hunter2", "Bearer abc.def", "maria@example.com", "Maria Ivanova", "4242424242424242", "4eC39HqLyjWDarjtT1zdp7dc", "415-555-0132", "7946 0958"} {
				assert.NotContains(t, raw, plain)
			}
			assert.Equal(t, "signed up", got["msg"])
			assert.Equal(t, Redacted, got["password"])
			assert.Equal(t, map[string]any{"Authorization": Redacted}, got["req"])
			ctx := got["ctx"].(map[string]any)
			assert.Equal(t, "m***@example.com", ctx["Email"])
			assert.Equal(t, "M. I.", ctx["USER_NAME"])
			assert.Equal(t, "************4242", ctx["card"])
			assert.Equal(t, "sk_l****", ctx["access_token"])
			assert.Equal(t, float64(3), ctx["count"])
			assert.Equal(t, map[string]any{"Name": "M. I.", "Email": "m***@example.com", "Tier": "gold"}, ctx["customer"])
			assert.Equal(t, map[string]any{"home": "+* ***-***-0132", "work": "+** ** **** 0958"}, ctx["phone"])
		})
	}
}

func TestAttrMaskerBadStructIsRedacted(t *testing.T) {
	am := newTestAttrMasker(t)
	type bad struct {
		A string `mask:"no-such-rule"`
	}
	got := am.ReplaceAttr(nil, slog.Any("v", bad{A: "plaintext"}))
	assert.Equal(t, Redacted, got.Value.String())
}

func TestNewAttrMaskerErrors(t *testing.T) {
	_, err := NewAttrMasker(nil, KeyRule{"email", "no-such-rule"})
	assert.ErrorIs(t, err, ErrUnknownRule)
	_, err = NewAttrMasker(nil, KeyRule{"", "email"})
	assert.ErrorIs(t, err, ErrInvalidRule)
}

func TestMatchLower(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*token*", "access_token", true},
		{"*token*", "token", true},
		{"*token*", "tok", false},
		{"user_*", "user_name", true},
		{"user_*", "username", false},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{"*", "", true},
		{"", "", true},
		{"", "x", false},
		{"**", "abc", true},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+"/"+tt.s, func(t *testing.T) {
			assert.Equal(t, tt.want, matchLower(tt.pattern, []byte(tt.s)))
		})
	}
}

func TestHandlerSlogtest(t *testing.T) {
	am := newTestAttrMasker(t)
	var buf bytes.Buffer
	newHandler := func(t *testing.T) slog.Handler {
		buf.Reset()
		return am.Handler(slog.NewJSONHandler(&buf, nil))
	}
	result := func(t *testing.T) map[string]any {
		var m map[string]any
		require.NoError(t, json.Unmarshal(buf.Bytes(), &m), buf.String())
		return m
	}
	slogtest.Run(t, newHandler, result)
}

func TestSecret(t *testing.T) {
	const plain = "hunter2-Пароль"
	s := NewSecret(plain)
	assert.Equal(t, plain, s.Value())
	type holder struct {
		Exported Secret[string]
		hidden   Secret[string]
		Ptr      *Secret[string]
	}
	h := holder{Exported: s, hidden: s, Ptr: &s}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
		outs = append(outs, fmt.Sprintf(verb, s), fmt.Sprintf(verb, &s), fmt.Sprintf(verb, h), fmt.Sprintf(verb, []any{s}))
	}
	assert.Equal(t, Redacted, fmt.Sprint(s))
	assert.Equal(t, `"[REDACTED]"`, fmt.Sprintf("%q", s))
	assert.Equal(t, Redacted, fmt.Sprintf("%#v", s))
	outs = append(outs, fmt.Sprint(s), fmt.Sprintln(s), s.String(), s.GoString())

	j, err := json.Marshal(h)
	require.NoError(t, err)
	assert.JSONEq(t, `{"Exported":"[REDACTED]","Ptr":"[REDACTED]"}`, string(j))
	outs = append(outs, string(j))
	var tm encoding.TextMarshaler = s
	txt, err := tm.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, Redacted, string(txt))
	m, err := json.Marshal(map[Secret[string]]int{s: 1})
	require.NoError(t, err)
	outs = append(outs, string(m))

	var buf bytes.Buffer
	for _, hnd := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
		l := slog.New(hnd)
		l.Info("login", "password", s, "holder", h, "ptr", &s)
		l.Info("login", slog.Any("s", s), slog.Group("g", "s", s))
	}
	assert.Contains(t, buf.String(), "password="+Redacted)
	outs = append(outs, buf.String())

	for _, o := range outs {
		assert.NotContains(t, o, "hunter2")
		assert.NotContains(t, o, "Пароль")
	}

	var zero Secret[int]
	assert.Equal(t, 0, zero.Value())
	assert.Equal(t, Redacted, fmt.Sprint(zero))
}

// TestHandlerWithAttrsIsolation checks that handlers derived from one another
// do not share group state.
func TestHandlerWithAttrsIsolation(t *testing.T) {
	am := newTestAttrMasker(t)
	var buf bytes.Buffer
	base := am.Handler(slog.NewJSONHandler(&buf, nil))
	a := base.WithGroup("phone") // every leaf under group "phone" masked with the phone rule
	b := base.WithGroup("other")
	r := slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0)
	r.AddAttrs(slog.String("x", "+1 415-555-0132"))
	require.NoError(t, a.Handle(context.Background(), r))
	require.NoError(t, b.Handle(context.Background(), r))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2)
	assert.Contains(t, lines[0], `"phone":{"x":"+* ***-***-0132"}`)
	assert.Contains(t, lines[1], `"other":{"x":"+1 415-555-0132"}`)
}
