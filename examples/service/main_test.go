package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/custos-dev/custos/access"
	"github.com/custos-dev/custos/encrypt"
	"github.com/custos-dev/custos/keys"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	ctx     = context.Background()
	support = caller(ctx, "agent-7", "support", "support")
	billing = caller(ctx, "billing-2", "billing", "billing")
	ada     = Customer{ID: "cus_1", Name: "Ada Lovelace", Email: "ada@example.com", Card: "4111 1111 1111 1111"}
	grace   = Customer{ID: "cus_2", Name: "Grace Hopper", Email: "grace@example.com", Card: "5555 5555 5555 4444"}
)

// secrets are the values that must never reach a log line.
var secrets = []string{"Ada Lovelace", "ada@example.com", "4111 1111 1111 1111", "4111111111111111",
	"Grace Hopper", "grace@example.com", "5555 5555 5555 4444", "5555555555554444", "Lovelace", "Hopper"}

// logLines returns the log lines of the program's output.
func logLines(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if strings.HasPrefix(l, "level=") {
			b.WriteString(l)
		}
	}
	return b.String()
}

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(ctx, &out))
	s := out.String()
	assert.Contains(t, s, `level=INFO msg="customer created" customer="{ID:cus_1 Name:A. L. Email:a***@example.com Card:**** **** **** 1111}"`)
	assert.Contains(t, s, `level=INFO msg="customer lookup" email=A***@Example.com found=1`)
	assert.Regexp(t, `(?m)^stored cus_1: email \d+ characters of ciphertext, email_idx \d bytes, card token \d{4} \d{4} \d{4} 1111$`, s)
	assert.Regexp(t, `(?m)^found for agent-7: cus_1 Ada Lovelace <ada@example.com> card \d{4} \d{4} \d{4} 1111$`, s)
	assert.Contains(t, s, `intern-3 reading cus_2: access: denied`)
	assert.Contains(t, s, "card of cus_2 revealed for billing-2, shown as **** **** **** 4444\n")
	tok := regexp.MustCompile(`card token (\d{4} \d{4} \d{4} 1111)`).FindStringSubmatch(s)
	require.Len(t, tok, 2)
	assert.NotEqual(t, ada.Card, tok[1])

	logs := logLines(s)
	for _, v := range secrets {
		assert.NotContains(t, logs, v)
	}
	assert.Equal(t, 3, strings.Count(logs, "outcome=allowed"), "two decrypts for agent-7, one detokenize for billing-2")
	assert.Equal(t, 1, strings.Count(logs, "outcome=denied"))
	assert.Equal(t, 4, strings.Count(logs, `msg="access: reveal"`))
}

// newTestService returns a service logging to a buffer.
func newTestService(t *testing.T) (*Service, *bytes.Buffer) {
	t.Helper()
	var buf syncBuffer
	log, err := newLogger(&buf)
	require.NoError(t, err)
	guard, err := newGuard(log)
	require.NoError(t, err)
	root, err := keys.New(keys.DerivationHKDFSHA256)
	require.NoError(t, err)
	s, err := NewService(root, guard, log)
	require.NoError(t, err)
	return s, &buf.b
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// luhnValid is the Luhn check, written out for the test.
func luhnValid(s string) bool {
	sum, double := 0, false
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] < '0' || s[i] > '9' {
			continue
		}
		d := int(s[i] - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

func TestService(t *testing.T) {
	s, logs := newTestService(t)
	for _, c := range []Customer{ada, grace} {
		got, err := s.Create(ctx, c)
		require.NoError(t, err)
		assert.Equal(t, c.ID, got.ID)
		// The token keeps the layout and the last four digits, fails the
		// Luhn check (real numbers pass it), and is not the number.
		require.True(t, luhnValid(c.Card))
		assert.Regexp(t, `^\d{4} \d{4} \d{4} `+c.Card[len(c.Card)-4:]+`$`, got.Card)
		assert.NotEqual(t, c.Card, got.Card)
		assert.False(t, luhnValid(got.Card), got.Card)
	}
	_, err := s.Create(ctx, ada)
	assert.Error(t, err, "duplicate ID")

	t.Run("stored encrypted", func(t *testing.T) {
		r, ok := s.stored("cus_1")
		require.True(t, ok)
		for _, v := range []string{ada.Email, ada.Name, ada.Card} {
			assert.NotContains(t, r.Email+r.Name+r.Card, v)
		}
		idx, err := s.sealer.Lookup("email_idx", "ada@example.com")
		require.NoError(t, err)
		assert.True(t, encrypt.Equal(r.EmailIdx, idx))
	})
	t.Run("find by blind index", func(t *testing.T) {
		for _, q := range []string{"ada@example.com", "  ADA@EXAMPLE.COM", "Ada@Example.Com "} {
			got, err := s.FindByEmail(support, q)
			require.NoError(t, err)
			require.Len(t, got, 1, q)
			assert.Equal(t, ada.Name, got[0].Name)
			assert.Equal(t, ada.Email, got[0].Email)
		}
		got, err := s.FindByEmail(support, "nobody@example.com")
		require.NoError(t, err)
		assert.Empty(t, got)
		_, err = s.FindByEmail(ctx, "ada@example.com")
		assert.ErrorIs(t, err, access.ErrDenied, "opening candidates is a reveal")
	})
	t.Run("reveals need role and purpose", func(t *testing.T) {
		c, err := s.Get(support, "cus_2")
		require.NoError(t, err)
		assert.Equal(t, grace.Name, c.Name)
		assert.Equal(t, grace.Email, c.Email)
		for _, denied := range []context.Context{ctx, caller(ctx, "agent-7", "support", "marketing"), billing} {
			c, err := s.Get(denied, "cus_2")
			assert.ErrorIs(t, err, access.ErrDenied)
			assert.Equal(t, Customer{}, c)
		}
		_, err = s.Get(support, "cus_9")
		assert.ErrorIs(t, err, ErrNotFound)

		pan, err := s.CardNumber(billing, "cus_2")
		require.NoError(t, err)
		assert.Equal(t, grace.Card, pan)
		pan, err = s.CardNumber(support, "cus_2")
		assert.ErrorIs(t, err, access.ErrDenied)
		assert.Empty(t, pan)
	})
	t.Run("ciphertexts are bound to their row", func(t *testing.T) {
		s.mu.Lock()
		r2 := s.rows["cus_2"]
		r2.Email = s.rows["cus_1"].Email
		s.rows["cus_2"] = r2
		s.mu.Unlock()
		c, err := s.Get(support, "cus_2")
		assert.ErrorIs(t, err, encrypt.ErrDecrypt)
		assert.Equal(t, Customer{}, c)
	})
	for _, v := range secrets {
		assert.NotContains(t, logs.String(), v)
	}
	assert.Contains(t, logs.String(), "Email:g***@example.com")
}

// Many goroutines create and find customers at once; each finds exactly its
// own customer, as it would alone.
func TestServiceConcurrent(t *testing.T) {
	s, _ := newTestService(t)
	const n = 32
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			c := Customer{ID: fmt.Sprintf("cus_%02d", i), Name: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("p%d@example.com", i), Card: "4111 1111 1111 1111"}
			if _, err := s.Create(ctx, c); err != nil {
				errs[i] = err
				return
			}
			got, err := s.FindByEmail(support, strings.ToUpper(c.Email))
			if err != nil {
				errs[i] = err
				return
			}
			if len(got) != 1 || got[0].ID != c.ID || got[0].Name != c.Name {
				errs[i] = fmt.Errorf("found %v for %s", got, c.ID)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		assert.NoError(t, err)
	}
}
