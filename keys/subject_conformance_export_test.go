package keys

import (
	"bytes"
)

// Back doors into MemorySubjectKeyStore for the conformance suite, which
// runs in package keys_test (package keystoretest imports keys).

// RestoreMemoryKey puts wrapped back as the subject's key, leaving the
// tombstones alone, as a restore of the keys from a backup would.
func RestoreMemoryKey(m *MemorySubjectKeyStore, subject string, wrapped []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys[subject] = bytes.Clone(wrapped)
}

// MemoryHasKey reports whether the store holds a key for the subject,
// whatever its tombstones say.
func MemoryHasKey(m *MemorySubjectKeyStore, subject string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	_, ok := m.keys[subject]
	return ok
}
