package keystoretest_test

import (
	"context"
	"testing"

	"github.com/custos-dev/custos/keys"
	"github.com/custos-dev/custos/keys/keystoretest"
)

// A store whose tests cannot reach behind its API passes only the store:
// the checks that need RestoreKey or HasKey are skipped.
func TestRunWithoutBackDoors(t *testing.T) {
	keystoretest.Run(t, func(t *testing.T) keystoretest.Harness {
		return keystoretest.Harness{Store: keys.NewMemorySubjectKeyStore()}
	})
}

// The conformance test of a store: a fresh store per subtest, with back
// doors into its key storage. (Run needs a *testing.T, so this example
// shows the shape of the test rather than running it.)
func ExampleRun() {
	var t *testing.T // the store's TestConformance(t *testing.T)
	keystoretest.Run(t, func(t *testing.T) keystoretest.Harness {
		s := newMyStore(t)
		return keystoretest.Harness{
			Store:      s,
			RestoreKey: s.restoreFromBackup,
			HasKey:     s.hasKeyRow,
		}
	})
}

// myStore stands for the store under test.
type myStore struct{ keys.SubjectKeyStore }

func newMyStore(*testing.T) myStore { return myStore{keys.NewMemorySubjectKeyStore()} }

// restoreFromBackup would write the key row directly, e.g. with an INSERT
// into the store's keys table.
func (myStore) restoreFromBackup(context.Context, string, []byte) error { return nil }

// hasKeyRow would look for the key row directly, e.g. with a SELECT on the
// store's keys table.
func (myStore) hasKeyRow(context.Context, string) (bool, error) { return false, nil }
