// Package encrypt encrypts database fields so that a stolen database, backup
// or log reveals nothing, while the service can still find rows by blind
// index.
//
// # Fields
//
// A [Field] encrypts the values of one column with randomized AEAD (Tink),
// binding every ciphertext to its table, column and row (or subject) ID as
// associated data: a ciphertext copied to another row or column fails to
// decrypt. Ciphertexts start with Tink's 5-byte prefix naming the key, so
// keys rotate without breaking old data ([KeyID], [Reencrypt]). String
// columns use a compact text form (unpadded base64url of the bytes).
//
// [Encryptor] builds fields from one root keyset (keys.DerivationHKDFSHA256):
// each (table, field) gets its own derived key.
//
// # Deterministic encryption
//
// A [DeterministicField] (AES-SIV) gives equal ciphertexts for equal values
// of one column, so the database can compare them. That leaks equality and
// frequency: prefer a blind index, and use it only where the leak is worth
// it.
//
// # Blind indexes
//
// A [BlindIndex] is a keyed PRF (HMAC-SHA256) of a transformed value,
// truncated to a few bits, stored beside the ciphertext to find rows by
// equality without decrypting. Truncation makes collisions deliberate: a
// lookup returns a few candidate rows, which the service decrypts and
// filters. [PlanIndex] picks the bit length from the row count and the
// value's domain size with CipherSweet's rule (between 2 and √R expected
// coincidences) and construction refuses lengths outside it. [CompoundIndex]
// indexes several fields together.
//
// # Reveals
//
// Decrypt is a reveal: it takes a context.Context, asks the optional
// [access.Guard] set with [WithGuard], and records one audit event per call
// (who, which table.field, which row, the outcome; never the value).
//
// # Structs, SQL, streams and rotation
//
// [Sealer] seals and opens the tagged fields of a struct in one call
// (`encrypt:"email,index=email_idx"`). [Ciphertext] and [Index] are
// database/sql column types. [Stream] encrypts files and backups through
// io.Writer and io.Reader. [Reencrypt] rewrites, batch by batch and
// resumably, the ciphertexts not under the primary key.
package encrypt
