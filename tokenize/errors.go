package tokenize

import "errors"

// Errors returned by this package. Match them with errors.Is; messages carry
// domain names, lengths, positions and key IDs, never a value, token or key.
var (
	// ErrInvalidConfig means a constructor was given an unusable keyset,
	// domain, template or setting.
	ErrInvalidConfig = errors.New("tokenize: invalid configuration")
	// ErrInvalidValue means a value cannot be tokenized: a character outside
	// the template, a wrong length, a card number that fails the Luhn check
	// when the template asks for Luhn-failing tokens, or a batch too large.
	ErrInvalidValue = errors.New("tokenize: invalid value")
	// ErrInvalidToken means a string is not a token of this tokenizer: bad
	// encoding or length, or it fails to decrypt.
	ErrInvalidToken = errors.New("tokenize: invalid token")
	// ErrNotFound means the vault has no record for the token or value.
	ErrNotFound = errors.New("tokenize: token not found")
	// ErrExpired means the vault token has expired.
	ErrExpired = errors.New("tokenize: token expired")
	// ErrKeyUnavailable means the root key a token was made under is not
	// enabled in the root keyset (disabled, destroyed or unknown).
	ErrKeyUnavailable = errors.New("tokenize: key not available")
	// ErrNotConvergent means the operation needs a vault in convergent mode
	// (lookup of a value's token), or one that indexes values (delete by
	// value).
	ErrNotConvergent = errors.New("tokenize: vault does not index values")
	// ErrStore means the vault's store failed; the error wraps the store's.
	ErrStore = errors.New("tokenize: store failure")
)
