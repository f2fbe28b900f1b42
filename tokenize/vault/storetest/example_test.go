package storetest_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/custos-dev/custos/tokenize/vault"
	"github.com/custos-dev/custos/tokenize/vault/memstore"
	"github.com/custos-dev/custos/tokenize/vault/storetest"
)

func ExampleFlaky() {
	ctx := context.Background()
	inner := memstore.New()
	// Fail 20% of calls, reproducibly.
	s := storetest.Flaky(inner, 0.2, rand.New(rand.NewPCG(1, 2)))
	created := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	stored := 0
	for i := range 1000 {
		err := s.Put(ctx, vault.Record{TokenHash: fmt.Appendf(nil, "t%d", i), Ciphertext: []byte("c"), CreatedAt: created})
		switch {
		case err == nil:
			stored++
		case !errors.Is(err, storetest.ErrInjected):
			panic(err)
		}
	}
	// A failed call never reached the store.
	fmt.Println(stored == inner.Len(), s.Calls(), s.Failures() == int64(1000-stored))
	// Output:
	// true 1000 true
}
