// Package fpe implements the FF1 and FF3-1 format-preserving encryption modes
// of NIST SP 800-38G on AES.
//
// Format-preserving encryption maps a string over an alphabet to another
// string of the same length over the same alphabet, reversibly, under a key:
// a 16-digit card number becomes another 16-digit number, so the ciphertext
// fits every column, form and check that the plaintext fits.
//
//	f, err := fpe.NewFF1(key, nil, fpe.Digits)
//	token, err := f.Encrypt("4111111111111111")
//
// This is the algorithm package, in the manner of golang.org/x/crypto/hkdf:
// raw keys in, strings out. Managed tokenizers with keysets, rotation and
// audit live in the parent package tokenize.
//
// # Keys
//
// [NewFF1] and [NewFF31] take a raw AES key of 16, 24 or 32 bytes. They are
// meant for interoperability, test vectors and for building higher-level
// tokenizers; they do no key management. A format-preserving ciphertext has no
// room for a key ID, so whoever holds the key must also record which key
// version encrypted which values. The instance keeps the expanded AES key for
// its lifetime; Go cannot promise to erase it afterwards. Printing an FF1 or
// FF31 through fmt, log/slog, encoding/json or encoding.TextMarshaler gives
// a fixed placeholder, never key material.
//
// # What FPE protects, and what it does not
//
// FPE gives confidentiality, not integrity. Every string of the right length
// over the alphabet is a valid ciphertext, so a changed or forged ciphertext
// decrypts without error to another valid-looking value. Encryption is
// deterministic: the same key, tweak and plaintext always give the same
// ciphertext, so equal values stay visibly equal. Use a different tweak per
// column or context to keep equal values in different places apart.
//
// Small domains are weak: SP 800-38G Rev. 1 requires radix^length ≥ 1,000,000
// ([MinDomainSize]), and both types refuse shorter inputs with
// [ErrDomainTooSmall] (radix 10: at least 6 digits; radix 36: 4; radix 2: 20).
//
// # FF1 and FF3-1
//
// FF1 is the default everywhere in Custos. FF3-1 is offered only to
// interoperate with systems that use it, such as HashiCorp Vault's
// Transform secrets engine: the second public draft of SP 800-38G Revision 1
// withdraws FF3-1 after published cryptanalysis, leaving FF1 as the only
// approved mode. Do not choose FF3-1 for new data.
//
// # Concurrency and performance
//
// [FF1] and [FF31] values are immutable and safe for concurrent use: each call
// keeps its working state on its own stack (no shared block buffer, no shared
// big-number scratch). The only state shared between calls is FF1's cache of
// its first CBC-MAC block per tweak length, whose entries are published once
// with an atomic compare-and-swap and never change.
//
// Short inputs (halves below 2^96, e.g. up to 56 decimal digits) take a
// fixed-width arithmetic path whose only allocation is the result, and the
// Append methods (such as [FF1.AppendEncrypt]) write into the caller's
// buffer without any allocation. The AES work of the constant CBC-MAC prefix
// for the default tweak is done once, at construction, so a 16-digit FF1 call
// costs exactly 10 AES blocks and an FF3-1 call 8. Longer FF1 inputs take a
// math/big path that is slower but exact. BENCHMARKS.md in the repository has
// the figures.
//
// On amd64 processors with AES-NI, calls whose halves are below 2^32 (up to
// 18 decimal digits, 12 base-36 characters) or between 2^64 and 2^96 (40 to
// 56 decimal digits, 26 to 36 base-36 characters) run all their rounds in
// one assembly kernel that keeps the block in a vector register, using the
// AES instructions with the standard key schedule; it gives the results of
// crypto/aes (tested for every key size against it and on every vector).
// Under the default tweak, for 8 to 16 digits of [Digits] and 26 to 32
// characters of [Base36], the kernel also reads and writes the string
// itself, sixteen characters at a time in vector registers, with no table
// lookups. All other calls, all other
// platforms, the purego build tag and FIPS 140-3 mode (GODEBUG=fips140=on,
// whose module boundary is crypto/aes) use crypto/aes.
package fpe

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"unsafe"
)

// Errors returned by this package. Match them with errors.Is; messages name
// the problem and lengths, never the input, tweak or key.
var (
	// ErrInvalidKey means the key is not 16, 24 or 32 bytes long.
	ErrInvalidKey = errors.New("fpe: invalid key size")
	// ErrInvalidAlphabet means the alphabet is not valid UTF-8, has fewer
	// than MinRadix or more than MaxRadix characters, or repeats one.
	ErrInvalidAlphabet = errors.New("fpe: invalid alphabet")
	// ErrInvalidTweak means the tweak has the wrong size: longer than
	// MaxFF1TweakSize for FF1, other than FF31TweakSize for FF3-1.
	ErrInvalidTweak = errors.New("fpe: invalid tweak size")
	// ErrDomainTooSmall means radix^length is below MinDomainSize.
	ErrDomainTooSmall = errors.New("fpe: domain too small")
	// ErrInvalidLength means the input is longer than the mode allows.
	ErrInvalidLength = errors.New("fpe: input too long")
	// ErrInvalidCharacter means the input holds a character that is not in
	// the alphabet (or bytes that are not valid UTF-8).
	ErrInvalidCharacter = errors.New("fpe: character not in alphabet")
)

// fpeError is an error with its own message that matches a sentinel.
type fpeError struct {
	sentinel error
	msg      string
}

func (e *fpeError) Error() string { return e.msg }
func (e *fpeError) Unwrap() error { return e.sentinel }

// newBlock returns the AES block cipher for key, after checking its size
// without ever printing it.
func newBlock(key []byte) (cipher.Block, error) {
	switch len(key) {
	case 16, 24, 32:
		return aes.NewCipher(key)
	}
	return nil, &fpeError{ErrInvalidKey, fmt.Sprintf("fpe: key is %d bytes, want 16, 24 or 32", len(key))}
}

func errTooShort(n int, a *alphabet) error {
	return &fpeError{ErrDomainTooSmall,
		fmt.Sprintf("fpe: input length %d below minimum %d for radix %d", n, a.minLen, a.radix)}
}

func errTooLong(n, maxLen int, a *alphabet) error {
	return &fpeError{ErrInvalidLength,
		fmt.Sprintf("fpe: input length %d above maximum %d for radix %d", n, maxLen, a.radix)}
}

// stackBlock returns p with its provenance hidden from escape analysis, so
// that the caller's AES block buffer can stay on its stack. Any buffer passed
// through the cipher.Block interface would otherwise be moved to the heap,
// one allocation per call. This is sound because the block is always the
// crypto/aes cipher made by newBlock, which never keeps its arguments; the
// result must not outlive the caller's frame.
func stackBlock(p *[16]byte) *[16]byte {
	x := uintptr(unsafe.Pointer(p))
	return *(**[16]byte)(unsafe.Pointer(&x))
}
