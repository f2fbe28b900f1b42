package keys_test

import (
	"context"
	"testing"

	"github.com/custos-dev/custos/keys"
	"github.com/custos-dev/custos/keys/keystoretest"
)

func TestMemorySubjectKeyStoreConformance(t *testing.T) {
	keystoretest.Run(t, func(t *testing.T) keystoretest.Harness {
		m := keys.NewMemorySubjectKeyStore()
		return keystoretest.Harness{
			Store: m,
			RestoreKey: func(_ context.Context, subject string, wrapped []byte) error {
				keys.RestoreMemoryKey(m, subject, wrapped)
				return nil
			},
			HasKey: func(_ context.Context, subject string) (bool, error) {
				return keys.MemoryHasKey(m, subject), nil
			},
		}
	})
}
