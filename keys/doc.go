// Package keys keeps Custos's secret keys: Tink keysets stored encrypted
// under a key-encryption key, rotated, derived per purpose, and per-subject
// data keys that can be destroyed.
//
// # Keysets
//
// [New] creates a [Keyset] of one [Template]: randomized AEAD (AES256GCM,
// XChaCha20Poly1305), deterministic AEAD (AES256SIV), a PRF (HMACSHA256PRF),
// streaming AEAD (AES256GCMHKDF1MB) or a derivation root
// (DerivationHKDFSHA256). A Keyset wraps a Tink keyset.Handle and adds what
// Tink does not keep: each key's creation and status-change time, and the IDs
// of destroyed keys.
//
// # Key management
//
// At rest a keyset is always encrypted under a key-encryption key ([KEK]):
//
//   - [AEADKEK]: any tink.AEAD, in particular one from a Tink KMS client
//     (AWS KMS, GCP KMS and Vault Transit through Tink's adapter modules);
//   - [LoadMasterKeyFile]: a local 256-bit key in a 0600 file;
//   - [Passphrase]: a passphrase stretched with Argon2id, whose parameters and
//     salt are stored in the keyset file.
//
// [Write] and [Read] take associated data too; the file header (template,
// KEK description, key metadata) is authenticated with the keyset, so a wrong
// KEK, wrong associated data or an edited file fails with [ErrDecrypt].
// Writing in clear needs [InsecureWriteCleartext].
//
// Rotation returns new immutable keysets: [Keyset.Add] a key, [Keyset.Promote]
// it to primary once every reader has it, [Keyset.Disable] old keys (their
// ciphertexts stop decrypting; [Keyset.Enable] undoes it) and finally
// [Keyset.Destroy] them (their material is removed, their ID and dates stay).
//
// # Derivation
//
// One root keyset (DerivationHKDFSHA256) serves a whole application:
// [Keyset.Derive] and its shorthands [Keyset.DeriveAEAD],
// [Keyset.DeriveDeterministicAEAD], [Keyset.DeriveStreamingAEAD] and
// [Keyset.DerivePRF] give independent keys for each (purpose, domain), e.g.
// ("encrypt", "customers.email") or ("blind-index", "customers.email.idx").
// Derived keys keep the root's key IDs and statuses, so rotating the root
// rotates them all.
//
// # Crypto-shredding
//
// [SubjectKeys] gives every data subject (customer) its own data key, wrapped
// under a KEK and kept in a [SubjectKeyStore]: [MemorySubjectKeyStore] here,
// for tests and single processes, or, durable and shared by every instance
// of a service, PostgreSQL tables through
// [github.com/custos-dev/custos/keys/pgkeys]. Package
// [github.com/custos-dev/custos/keys/keystoretest] holds the conformance
// suite every store passes.
// [SubjectKeys.Destroy] deletes the key and leaves a tombstone: every
// ciphertext of that subject, in any copy or backup, then fails with
// [ErrKeyDestroyed], and a key restored from an old backup is refused.
//
// Unwrapped subject keys are cached in memory, within bounds: at most
// [WithCacheSize] subjects (default 10,000, least recently used out) and each
// for at most [WithCacheTTL] (default one minute), after which the entry is
// dropped and the next lookup asks the store again. Memory therefore follows
// the subjects in active use, not every subject the process ever touched.
// In the instance that runs Destroy, every AEAD it ever handed out for the
// subject fails at once, even one whose cache entry was evicted long ago;
// other instances sharing the store stop within their TTL.
//
// # Printing
//
// No type of this package prints key material: fmt, log/slog and
// encoding/json show a redacted summary with key IDs. Zeroing keys in memory
// is not attempted: Go gives no such guarantee.
package keys
