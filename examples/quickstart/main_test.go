package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuickstartHidesEverySensitiveValue(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	text := out.String()

	before, after, found := strings.Cut(text, "After masking")
	require.True(t, found, "output has an 'After masking' section")
	sensitive := []string{
		sample.Name, sample.Email, sample.Phone, sample.Card, sample.IBAN,
		sample.SSN, sample.LastIP, sample.APIKey, "hunter2",
		"lovelace", "4111 1111 1111", "12345698765", "078-05", "51HxQ2eKz8vN3mP0aB7cD9fG",
	}
	for _, s := range sensitive[:8] {
		assert.Contains(t, before, s, "the 'before' section shows the stored record")
	}
	for _, s := range sensitive {
		assert.NotContains(t, after, s, "masked output and log line must not contain a sensitive value")
	}
	// What the presets promise to keep.
	assert.Contains(t, after, "@example.com", "email keeps its domain")
	assert.Contains(t, after, "**** **** **** 1111", "card keeps the last four and its separators")
	assert.Contains(t, after, `"ssn": "***-**-1120"`, "SSN keeps the last four")
	assert.Contains(t, after, "203.0.113.0", "IPv4 keeps the /24 network")
	assert.Contains(t, after, "password=[REDACTED]", "the log line redacts the password")
	assert.Contains(t, after, `"country": "GB"`, "untagged fields come through")
}
