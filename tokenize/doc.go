// Package tokenize replaces sensitive values with stand-ins that systems can
// store, join and pass around while the real values stay out of reach.
//
// It offers four kinds of token, each with its own trade-off, all built from
// one root keyset (template keys.DerivationHKDFSHA256) and a domain name (e.g.
// "customers.email") from which every key is derived, so that no two domains
// share a key:
//
//   - [Pseudonymizer]: keyed pseudonyms, irreversible. The same value gives the
//     same pseudonym within a domain and unlinkable pseudonyms across domains.
//     HMAC-SHA256 under a derived key; never an unkeyed hash.
//   - [Deterministic]: reversible deterministic tokens, AES-SIV (Tink
//     deterministic AEAD) with the domain as associated data. Equal values give
//     equal tokens.
//   - [FormatPreserving]: FF1 (NIST SP 800-38G) tokens that keep the value's
//     length, alphabet and layout (a card number stays a card number), from a
//     [Template]: card, SSN, phone, IBAN or any alphabet. Card tokens can be
//     made to fail the Luhn check (Template.FailLuhn) and IBAN tokens always
//     fail the IBAN mod-97 check (Template.FailMod97, set by IBANTemplate),
//     so that a token is never mistaken for a real number, nor a real number
//     for a token.
//   - [Vault]: random tokens with no relation to the value; the mapping lives
//     in a vault.Store (memory, bbolt, PostgreSQL or Redis).
//
// Values and tokens are strings. Every type is immutable once constructed and
// safe for concurrent use.
//
// # Reveals
//
// Detokenize is a reveal: it takes a context.Context, asks the optional
// access.Guard set with [WithGuard] whether the principal and purpose in the
// context may detokenize in the domain, and records one audit event per call
// (the domain as resource, the key ID, the outcome; never the value or the
// token). Batch calls record one event per call. Pseudonyms cannot be revealed.
//
// # Key management
//
// Pseudonyms, deterministic tokens and vault records carry the ID of the root
// key they were made under, so the root keyset rotates as usual (Add, Promote,
// later Disable and Destroy): new output uses the new primary key, old output
// stays readable while its key is enabled. A pseudonym is irreversible, so
// moving pseudonyms to a new key needs the original values: during such a
// migration, a Pseudonymizer built over root.Promote(oldID) computes the
// pseudonyms under the old key.
//
// Format-preserving tokens have no room for a key ID. Their key version is
// chosen explicitly: it is the ID of a root key, passed to
// [NewFormatPreserving], and the application records which version its tokens
// were made under (typically one version per column or per table generation).
// To rotate: add a key to the root, build a second FormatPreserving with the
// new key's ID, re-tokenize (Detokenize under the old version, Tokenize under
// the new), and keep the old key enabled in the root until no token made under
// it remains; then disable and destroy it.
//
// # Vault
//
// In the manner of HashiCorp Vault's tokenization, a vault record is keyed by
// HMAC(token) and holds the value encrypted (AES-256-GCM) under a key derived
// from the token itself, with the domain and the token hash as associated
// data: a stolen table, even with the root keyset, reveals nothing without the
// tokens. A token is returned only once its record is durably stored, and a
// failed store call leaves nothing behind.
//
// Default mode gives a fresh random token on every call. Convergent mode
// ([VaultConfig].Convergent) gives one token per value; it leaks equality
// (whoever sees the tokens sees which values repeat), and it stores a keyed
// hash of the value, which lets the holder of the root keyset and the table
// test a guessed value. Tokens stay random even so: the token is sealed in the
// record under a key derived from the value, so that a second Tokenize of the
// same value can recover it.
//
// Tokens can expire ([WithTTL], [WithExpiry]): an expired token is refused at
// Detokenize at once, and [Vault.DeleteExpired] removes expired records later.
// [TokenCleanup] runs that clean-up as a source of a retention.Sweeper, with
// a grace period after expiry, legal holds and evidence per vault. Records
// may carry metadata ([WithMetadata]), kept in clear.
//
// # One store per domain
//
// A vault.Store holds the records of one domain. Vaults of several domains
// can share a store without mixing their tokens (the keys of every hash are
// per domain), but the clean-up of expired records cannot tell them apart:
// [Vault.DeleteExpired], and so a [TokenCleanup], removes the expired
// records of the whole store, those of every domain in it, under the grace
// and holds of whichever vault runs it. Give each domain its own store: a
// table of its own with pgstore (pgstore.Migrate and pgstore.New with the
// table name), a key prefix of its own with redisstore, a bucket of its own
// with boltstore (several stores can share one bbolt file).
package tokenize
