package tokenize_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/tokenize"
	"github.com/custos-dev/custos/tokenize/fpe"
	"github.com/custos-dev/custos/tokenize/vault"
)

// BenchmarkPseudonym compares a pseudonym of a 16-byte value with its floor,
// a reused stdlib HMAC-SHA256 (Reset, Write, Sum into a buffer), in the same
// run.
func BenchmarkPseudonym(b *testing.B) {
	value := "0123456789abcdef"
	vb := []byte(value)
	p, err := tokenize.NewPseudonymizer(newRoot(b), "customers.email", tokenize.PseudonymConfig{})
	require.NoError(b, err)
	b.Run("floor=hmac-sha256", func(b *testing.B) {
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		h := hmac.New(sha256.New, key)
		var out [sha256.Size]byte
		b.SetBytes(int64(len(vb)))
		b.ReportAllocs()
		for b.Loop() {
			h.Reset()
			h.Write(vb)
			h.Sum(out[:0])
		}
	})
	b.Run("Pseudonym", func(b *testing.B) {
		b.SetBytes(int64(len(value)))
		b.ReportAllocs()
		for b.Loop() {
			pseudonymSink = p.Pseudonym(value)
		}
	})
	b.Run("AppendPseudonym", func(b *testing.B) {
		dst := make([]byte, 0, 64)
		b.SetBytes(int64(len(vb)))
		b.ReportAllocs()
		for b.Loop() {
			dst = p.AppendPseudonym(dst[:0], vb)
		}
	})
}

// BenchmarkFPECard compares card tokens with the raw FF1 call on the same
// 16 digits under the same key, in the same run.
func BenchmarkFPECard(b *testing.B) {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	raw, err := fpe.NewFF1(key, nil, fpe.Digits)
	require.NoError(b, err)
	b.Run("floor=ff1-raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := raw.Encrypt("4111111111111111"); err != nil {
				b.Fatal(err)
			}
		}
	})
	luhn := tokenize.CardTemplate()
	luhn.FailLuhn = true
	last4 := tokenize.CardTemplate()
	last4.KeepLast = 4
	cases := []struct {
		name  string
		tmpl  tokenize.Template
		value string
	}{
		{"plain", tokenize.CardTemplate(), "4111111111111111"},
		{"layout", tokenize.CardTemplate(), "4111-1111-1111-1111"},
		{"layout-fail-luhn", luhn, "4111-1111-1111-1111"},
		{"layout-keep-last4", last4, "4111-1111-1111-1111"},
	}
	for _, c := range cases {
		f, err := tokenize.NewFormatPreservingRawKey(key, "cards", c.tmpl)
		require.NoError(b, err)
		b.Run("Tokenize/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.Tokenize(c.value); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	f, err := tokenize.NewFormatPreservingRawKey(key, "cards", luhn)
	require.NoError(b, err)
	tok, err := f.Tokenize("4111-1111-1111-1111")
	require.NoError(b, err)
	b.Run("Detokenize/layout-fail-luhn", func(b *testing.B) {
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.Detokenize(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDeterministic(b *testing.B) {
	d, err := tokenize.NewDeterministic(newRoot(b), "customers.ssn")
	require.NoError(b, err)
	tok, err := d.Tokenize("078-05-1120")
	require.NoError(b, err)
	b.Run("Tokenize", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = d.Tokenize("078-05-1120")
		}
	})
	b.Run("Detokenize", func(b *testing.B) {
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			_, _ = d.Detokenize(ctx, tok)
		}
	})
}

// vaultBatchSizes are the batch sizes of BenchmarkVault beside single calls.
// One iteration of the largest writes 1,000 records.
var vaultBatchSizes = []int{100, 1000}

// BenchmarkVault measures vault tokenization one value per call and in
// batches on every store, reporting tokens/s; PostgreSQL and Redis are
// skipped when not configured.
func BenchmarkVault(b *testing.B) {
	for _, k := range storeKinds {
		b.Run(k.name, func(b *testing.B) {
			benchVault(b, k.new)
		})
	}
}

func benchVault(b *testing.B, newStore func(testing.TB) vault.Store) {
	ctx := context.Background()
	root := newRoot(b)
	values := make([]string, vaultBatchSizes[len(vaultBatchSizes)-1])
	for i := range values {
		values[i] = fmt.Sprintf("4111-1111-%04d-%04d", i/10000, i%10000)
	}
	report := func(b *testing.B, tokens int) {
		b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(tokens), "ns/token")
	}
	b.Run("Tokenize/single", func(b *testing.B) {
		v := newVault(b, root, newStore(b), tokenize.VaultConfig{})
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			if _, err := v.Tokenize(ctx, values[n%len(values)]); err != nil {
				b.Fatal(err)
			}
			n++
		}
		report(b, n)
	})
	for _, size := range vaultBatchSizes {
		b.Run(fmt.Sprintf("TokenizeBatch/%d", size), func(b *testing.B) {
			v := newVault(b, root, newStore(b), tokenize.VaultConfig{})
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if _, err := v.TokenizeBatch(ctx, values[:size]); err != nil {
					b.Fatal(err)
				}
				n += size
			}
			report(b, n)
		})
	}
	// Convergent mode, values never seen before (a lookup and an insert
	// each), one per call and in batches (one lookup and one insert per
	// batch).
	conv := tokenize.VaultConfig{Convergent: true}
	var run atomic.Int64
	b.Run("TokenizeConvergent/single", func(b *testing.B) {
		v := newVault(b, root, newStore(b), conv)
		r := run.Add(1)
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			if _, err := v.Tokenize(ctx, fmt.Sprintf("%d-%s", r, values[n%len(values)])+strconv.Itoa(n/len(values))); err != nil {
				b.Fatal(err)
			}
			n++
		}
		report(b, n)
	})
	for _, size := range vaultBatchSizes {
		b.Run(fmt.Sprintf("TokenizeConvergentBatch/%d", size), func(b *testing.B) {
			v := newVault(b, root, newStore(b), conv)
			r := run.Add(1)
			batch := make([]string, size)
			b.ReportAllocs()
			n, it := 0, 0
			for b.Loop() {
				for i := range batch {
					batch[i] = fmt.Sprintf("%d-%s", r, values[i]) + strconv.Itoa(it)
				}
				if _, err := v.TokenizeBatch(ctx, batch); err != nil {
					b.Fatal(err)
				}
				n += size
				it++
			}
			report(b, n)
		})
	}
	// Convergent mode, values that all have tokens: one lookup per batch.
	b.Run("TokenizeConvergentBatch/1000-existing", func(b *testing.B) {
		v := newVault(b, root, newStore(b), conv)
		_, err := v.TokenizeBatch(ctx, values)
		require.NoError(b, err)
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			if _, err := v.TokenizeBatch(ctx, values); err != nil {
				b.Fatal(err)
			}
			n += len(values)
		}
		report(b, n)
	})
	v := newVault(b, root, newStore(b), tokenize.VaultConfig{})
	tokens, err := v.TokenizeBatch(ctx, values)
	require.NoError(b, err)
	b.Run("Detokenize/single", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			if _, err := v.Detokenize(ctx, tokens[n%len(tokens)]); err != nil {
				b.Fatal(err)
			}
			n++
		}
		report(b, n)
	})
	for _, size := range vaultBatchSizes {
		b.Run(fmt.Sprintf("DetokenizeBatch/%d", size), func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if _, err := v.DetokenizeBatch(ctx, tokens[:size]); err != nil {
					b.Fatal(err)
				}
				n += size
			}
			report(b, n)
		})
	}
}

// interleaved times floor and candidate in alternating short rounds and
// returns the ratio of their fastest rounds (candidate/floor). On a shared,
// noisy machine the minimum over many interleaved rounds is much steadier
// than two benchmarks run one after the other.
func interleaved(rounds, calls int, floor, candidate func()) float64 {
	bestF, bestC := time.Duration(1<<62), time.Duration(1<<62)
	for range rounds {
		t0 := time.Now()
		for range calls {
			floor()
		}
		t1 := time.Now()
		for range calls {
			candidate()
		}
		t2 := time.Now()
		bestF = min(bestF, t1.Sub(t0))
		bestC = min(bestC, t2.Sub(t1))
	}
	return float64(bestC) / float64(bestF)
}

// BenchmarkRatio reports, as the metric "ratio", each target of the issue
// measured against its floor interleaved (see interleaved): a pseudonym of a
// 16-byte value against a reused HMAC-SHA256 (target ≤ 1.2), and a card
// token against the raw FF1 call on the same digits and key (target ≤ 1.3).
// b.N scales the number of rounds.
func BenchmarkRatio(b *testing.B) {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	h := hmac.New(sha256.New, key)
	out := make([]byte, 0, sha256.Size)
	value := "0123456789abcdef"
	vb := []byte(value)
	hmacFloor := func() { h.Reset(); h.Write(vb); out = h.Sum(out[:0]) }
	p, err := tokenize.NewPseudonymizer(newRoot(b), "customers.email", tokenize.PseudonymConfig{})
	require.NoError(b, err)
	dst := make([]byte, 0, 64)

	raw, err := fpe.NewFF1(key, nil, fpe.Digits)
	require.NoError(b, err)
	ff1Floor := func() { _, _ = raw.Encrypt("4111111111111111") }
	card, err := tokenize.NewFormatPreservingRawKey(key, "cards", tokenize.CardTemplate())
	require.NoError(b, err)
	luhn := tokenize.CardTemplate()
	luhn.FailLuhn = true
	cardLuhn, err := tokenize.NewFormatPreservingRawKey(key, "cards", luhn)
	require.NoError(b, err)

	cases := []struct {
		name             string
		floor, candidate func()
	}{
		{"Pseudonym/hmac-sha256", hmacFloor, func() { pseudonymSink = p.Pseudonym(value) }},
		{"AppendPseudonym/hmac-sha256", hmacFloor, func() { dst = p.AppendPseudonym(dst[:0], vb) }},
		{"FPECard-layout/ff1-raw", ff1Floor, func() { _, _ = card.Tokenize("4111-1111-1111-1111") }},
		{"FPECard-layout-fail-luhn/ff1-raw", ff1Floor, func() { _, _ = cardLuhn.Tokenize("4111-1111-1111-1111") }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var r float64
			for b.Loop() {
				r = interleaved(400, 25, c.floor, c.candidate)
			}
			b.ReportMetric(r, "ratio")
		})
	}
}

// pseudonymSink keeps benchmarked pseudonyms alive, so that the compiler
// cannot keep the result on the stack.
var pseudonymSink string
