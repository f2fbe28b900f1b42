package sqlident

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestQuote(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{name: "plain", in: "events", want: `"events"`, ok: true},
		{name: "schema", in: "audit.events", want: `"audit"."events"`, ok: true},
		{name: "underscore start", in: "_t1", want: `"_t1"`, ok: true},
		{name: "63 bytes", in: "a" + strings.Repeat("b", 62), want: `"a` + strings.Repeat("b", 62) + `"`, ok: true},
		{name: "64 bytes", in: "a" + strings.Repeat("b", 63)},
		{name: "three parts", in: "a.b.c"},
		{name: "empty", in: ""},
		{name: "empty part", in: "a."},
		{name: "digit start", in: "1t"},
		{name: "quote", in: `t"; drop table x; --`},
		{name: "space", in: "my table"},
		{name: "non-ASCII", in: "tablé"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Quote(tt.in)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}
