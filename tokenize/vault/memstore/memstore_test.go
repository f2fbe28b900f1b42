package memstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/tokenize/vault"
	"github.com/custos-dev/custos/tokenize/vault/memstore"
	"github.com/custos-dev/custos/tokenize/vault/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) vault.Store { return memstore.New() })
}

func Example() {
	ctx := context.Background()
	s := memstore.New()
	created := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	err := s.Put(ctx, vault.Record{
		TokenHash:  []byte("hmac-of-token"),
		Ciphertext: []byte("aead-of-value"),
		CreatedAt:  created,
		ExpiresAt:  created.Add(time.Hour),
	})
	if err != nil {
		panic(err)
	}
	r, err := s.Get(ctx, []byte("hmac-of-token"))
	fmt.Println(string(r.Ciphertext), err)
	fmt.Println(r.Expired(created.Add(2 * time.Hour)))
	n, _ := s.DeleteExpired(ctx, created.Add(2*time.Hour), 100)
	fmt.Println(n, s.Len())
	// Output:
	// aead-of-value <nil>
	// true
	// 1 0
}

// A convergent batch: one lookup of the values, one insert of the records
// of those not found; a value stored in between comes back instead of the
// new record.
func ExampleStore_PutConvergentBatch() {
	ctx := context.Background()
	s := memstore.New()
	created := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := func(token, value string) vault.Record {
		return vault.Record{TokenHash: []byte("hmac-" + token), Ciphertext: []byte("aead-" + token),
			ValueHash: []byte("hmac-" + value), Convergent: true, CreatedAt: created}
	}
	_ = s.Put(ctx, rec("t1", "alice"))
	got, _ := s.GetByValueBatch(ctx, [][]byte{[]byte("hmac-alice"), []byte("hmac-bob")})
	fmt.Printf("%s %q\n", got[0].TokenHash, got[1].TokenHash)
	// Another writer stores bob's record before ours.
	_ = s.Put(ctx, rec("t2", "bob"))
	stored, created2, err := s.PutConvergentBatch(ctx, []vault.Record{rec("t3", "bob"), rec("t4", "carol")})
	fmt.Printf("%s %t, %s %t, %v\n", stored[0].TokenHash, created2[0], stored[1].TokenHash, created2[1], err)
	// Output:
	// hmac-t1 ""
	// hmac-t2 false, hmac-t4 true, <nil>
}

// The failure injector in storetest fails about the share of calls it is
// told to, and a failed Put leaves nothing behind.
func TestFlaky(t *testing.T) {
	ctx := context.Background()
	inner := memstore.New()
	f := storetest.Flaky(inner, 0.2, rand.New(rand.NewPCG(1, 2)))
	created := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	ok := 0
	const n = 10000
	for i := range n {
		th := fmt.Appendf(nil, "token-%d", i)
		err := f.Put(ctx, vault.Record{TokenHash: th, Ciphertext: []byte("c"), CreatedAt: created})
		_, getErr := inner.Get(ctx, th)
		if err != nil {
			assert.ErrorIs(t, err, storetest.ErrInjected)
			assert.ErrorIs(t, getErr, vault.ErrNotFound, "failed put %d left a record", i)
			continue
		}
		ok++
		require.NoError(t, getErr)
	}
	assert.Equal(t, int64(n), f.Calls())
	assert.Equal(t, int64(n-ok), f.Failures())
	assert.Equal(t, ok, inner.Len())
	// 20% of 10,000: the standard deviation is 40, so ±200 is 5 sigma.
	assert.InDelta(t, 2000, n-ok, 200)
}

func BenchmarkStore(b *testing.B) {
	storetest.Benchmark(b, func(b *testing.B) vault.Store { return memstore.New() })
}
