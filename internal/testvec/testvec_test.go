package testvec

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type vec struct {
	Name  string `json:"name"`
	Value int    `json:"value"`
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []vec
		wantErr bool
	}{
		{name: "valid", in: `[{"name":"a","value":1}]`, want: []vec{{"a", 1}}},
		{name: "unknown field", in: `[{"name":"a","value":1,"extra":2}]`, wantErr: true},
		{name: "trailing data", in: `[] []`, wantErr: true},
		{name: "malformed", in: `[{"name":`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []vec
			err := Decode([]byte(tt.in), &got)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
