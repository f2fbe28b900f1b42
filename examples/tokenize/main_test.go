package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	var out, audit bytes.Buffer
	require.NoError(t, run(context.Background(), &out, &audit, filepath.Join(t.TempDir(), "vault.db")))
	s := out.String()
	assert.Regexp(t, `email \(pseudonym\)\s+[a-z2-7]{32}\n`, s)
	assert.Regexp(t, `card  \(format-preserving\)\s+\d{4}-\d{4}-\d{4}-1111 `, s)
	assert.Regexp(t, `phone \(vault\)\s+[a-z2-7]{26}\n`, s)
	assert.Contains(t, s, "Reveal without a principal: access: denied")
	assert.Contains(t, s, "Revealed for agent-7 (refund): card 4111-1111-1111-1111, phone +44 20 7946 0958")
	assert.Contains(t, s, "Erased 1 vault token(s); detokenize now fails: tokenize: token not found")
	tok := regexp.MustCompile(`\d{4}-\d{4}-\d{4}-1111`).FindString(s)
	assert.NotEqual(t, "4111-1111-1111-1111", tok)

	// Four reveals, each audited once, never with a value.
	a := audit.String()
	assert.Equal(t, 4, strings.Count(a, `msg="access: reveal"`))
	assert.Equal(t, 1, strings.Count(a, "outcome=denied"))
	assert.Equal(t, 2, strings.Count(a, "outcome=allowed"))
	assert.Equal(t, 1, strings.Count(a, "outcome=failed"))
	for _, secret := range []string{"4111-1111-1111-1111", "4111111111111111", "+44 20 7946 0958", "078-05-1120", tok} {
		assert.NotContains(t, a, secret)
	}
}
