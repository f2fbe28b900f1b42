package keys

import (
	"errors"
	"fmt"
)

// Errors. Every error of this package wraps one of these, and carries names,
// sizes and key IDs only, never key material.
var (
	// ErrInvalidTemplate: unknown template, or a keyset whose keys do not
	// match its template.
	ErrInvalidTemplate = errors.New("keys: invalid template")
	// ErrWrongTemplate: the operation needs a keyset of another template.
	ErrWrongTemplate = errors.New("keys: wrong template for this operation")
	// ErrKeyNotFound: no key with that ID, or no key for that subject.
	ErrKeyNotFound = errors.New("keys: key not found")
	// ErrInvalidKeyStatus: the rotation step is not allowed for the key's
	// status (e.g. disabling the primary, promoting a disabled key).
	ErrInvalidKeyStatus = errors.New("keys: invalid key status for this operation")
	// ErrDecrypt: a keyset or wrapped key failed to decrypt: wrong
	// key-encryption key, wrong associated data, or tampered file.
	ErrDecrypt = errors.New("keys: cannot decrypt: wrong key-encryption key, wrong associated data, or corrupted data")
	// ErrInvalidFile: a keyset or master key file is malformed.
	ErrInvalidFile = errors.New("keys: invalid file")
	// ErrWrongKEK: the file was written under another kind of
	// key-encryption key (e.g. a passphrase, read with a master key).
	ErrWrongKEK = errors.New("keys: file written under another kind of key-encryption key")
	// ErrCleartext: a cleartext keyset file was given to Read, or an
	// encrypted one to InsecureReadCleartext.
	ErrCleartext = errors.New("keys: cleartext keyset mismatch")
	// ErrInvalidParams: Argon2id or other parameters out of the accepted range.
	ErrInvalidParams = errors.New("keys: invalid parameters")
	// ErrDerived: rotation steps and writing are refused on a derived keyset;
	// rotate the root instead.
	ErrDerived = errors.New("keys: operation not allowed on a derived keyset")
	// ErrKeyDestroyed: the subject's key was destroyed (crypto-shredded).
	ErrKeyDestroyed = errors.New("keys: key destroyed")
	// ErrKeyExists: the subject already has a key.
	ErrKeyExists = errors.New("keys: key already exists")
)

func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}
