package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sections splits the output at its numbered headings.
func sections(t *testing.T, out string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, part := range strings.Split(out, "\n\n")[0:] {
		if len(part) > 2 && part[1] == '.' {
			got[part[:1]] = part
		}
	}
	for _, n := range []string{"1", "2", "3", "4", "5", "6"} {
		require.Contains(t, got, n, "section %s present", n)
	}
	return got
}

func jsonBody(t *testing.T, section string, v any) {
	t.Helper()
	_, body, ok := strings.Cut(section, ":\n")
	require.True(t, ok)
	require.NoError(t, json.Unmarshal([]byte(body), v))
}

// luhnValid is written here independently of the tokenize package.
func luhnValid(digits string) bool {
	sum, double := 0, false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	s := sections(t, out.String())

	sensitive := []string{
		sample.Name, sample.Email, sample.Phone, sample.Card, sample.IBAN, sample.SSN,
		sample.BirthDate, sample.ZIP, sample.LastIP, sample.APIKey, "hunter2",
		"lovelace", "Lovelace", "4111 1111 1111", "12345698765", "078-05", "51HxQ2eKz8vN3mP0aB7cD9fG",
	}
	for _, v := range sensitive[:10] {
		assert.Contains(t, s["1"], v, "section 1 shows the record as received")
	}
	for _, n := range []string{"2", "3", "4", "6"} {
		for _, v := range sensitive {
			assert.NotContains(t, s[n], v, "section %s must not contain a sensitive value", n)
		}
	}

	t.Run("masked", func(t *testing.T) {
		var m Customer
		jsonBody(t, s["2"], &m)
		assert.Equal(t, "a***@example.com", m.Email, "email keeps its domain and first letter")
		assert.Equal(t, "**** **** **** 1111", m.Card, "card keeps the last four and its separators")
		assert.Equal(t, "***-**-1120", m.SSN, "SSN keeps the last four")
		assert.Equal(t, "203.0.113.0", m.LastIP, "IPv4 keeps the /24 network")
		assert.Equal(t, "US", m.Country, "untagged fields come through")
	})

	t.Run("stored", func(t *testing.T) {
		var st Stored
		jsonBody(t, s["3"], &st)
		assert.NotEmpty(t, st.NameCT)
		assert.NotEmpty(t, st.EmailCT)
		assert.NotEqual(t, st.NameCT, st.EmailCT)
		assert.Regexp(t, `^[0-9a-f]+$`, st.EmailIndex)
		require.Len(t, st.CardToken, len(sample.Card), "the card token keeps the layout")
		assert.True(t, strings.HasSuffix(st.CardToken, " 1111"), "the card token keeps the last four")
		assert.False(t, luhnValid(strings.ReplaceAll(st.CardToken, " ", "")), "the card token fails the Luhn check")
		assert.NotEmpty(t, st.SSNToken)
	})

	t.Run("shared", func(t *testing.T) {
		var sh Shared
		jsonBody(t, s["4"], &sh)
		assert.Equal(t, "40-50", sh.AgeBand, "born 1985-12-10, 40 years old on 2026-11-21")
		assert.Equal(t, "941", sh.ZIP3)
		assert.Equal(t, "203.0.113.0/24", sh.Network)
		assert.NotEmpty(t, sh.Customer)
		assert.NotContains(t, sh.Customer, sample.ID)
	})

	t.Run("revealed", func(t *testing.T) {
		assert.Contains(t, s["5"], "anonymous caller: access: denied")
		assert.Contains(t, s["5"], "email "+sample.Email+", SSN "+sample.SSN)
		assert.Equal(t, 3, strings.Count(s["5"], "outcome="), "one audit event per reveal attempt")
		assert.Contains(t, s["5"], "outcome=denied")
	})

	t.Run("log", func(t *testing.T) {
		assert.Contains(t, s["6"], "password=[REDACTED]")
		assert.Contains(t, s["6"], "email=a***@example.com")
	})
}
