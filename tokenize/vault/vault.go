// Package vault defines the storage contract of the token vault: a Store that
// keeps encrypted token records keyed by the keyed hash of their token.
//
// The tokenizer in package tokenize generates random tokens, encrypts values
// and computes the keyed hashes; a Store only keeps what it is given. It never
// sees a value or a token: a record is keyed by TokenHash = HMAC(token) and
// carries Ciphertext = AEAD(value), so that a stolen table, even together with
// the tokenizer's keys, reveals nothing without the tokens themselves.
//
// This package holds the Store interface, the Record type and the errors, and
// imports only the standard library. The implementations live in their own
// packages so that each driver stays out of programs that do not use it:
//
//	tokenize/vault/memstore    in memory (tests, small tools)
//	tokenize/vault/boltstore   embedded file (go.etcd.io/bbolt), the single-node default
//	tokenize/vault/pgstore     PostgreSQL (github.com/jackc/pgx/v5)
//	tokenize/vault/redisstore  Redis (github.com/redis/go-redis/v9)
//
// Package tokenize/vault/storetest holds the conformance suite that every
// Store passes, and a failure-injecting wrapper for tests of the tokenizer.
//
// # Value hashes
//
// A record may carry ValueHash, a keyed hash of the value under a key apart
// from the token key. It serves two lookups: deleting every token of a value
// (erasure, [Store.DeleteByValue]) and, in convergent mode, finding the one
// token of a value ([Store.GetByValue]). Anyone who holds both the table and
// the value-hash key learns which records share a value, and can test a
// guessed value; nobody else learns anything from it. A tokenizer that needs
// neither lookup leaves ValueHash empty.
//
// # Convergent mode
//
// Convergent mode (same value, same token) is opt-in and leaks equality. A
// record with Convergent set is unique by ValueHash among convergent records:
// [Store.PutConvergent] inserts it, or returns the live convergent record
// that already has its ValueHash, atomically even across processes (a
// unique index in PostgreSQL, a Lua script in Redis, a transaction in bbolt).
// Records without the flag may share a ValueHash freely. An expired
// convergent record (ExpiresAt at or before the new record's CreatedAt) is
// replaced rather than returned.
//
// [Store.PutConvergentBatch] and [Store.GetByValueBatch] do the same for a
// whole batch in one transaction and one round trip, for a tokenizer that
// first looks up a batch of values and then inserts the records of those it
// did not find.
//
// The store returns the existing record, not its token, which it never
// knew: a tokenizer in convergent mode must be able to recover the token from
// the record it gets back, for example by deriving the token from the value,
// or by sealing the token inside Ciphertext next to the value.
//
// # Expiry
//
// Expiry is the tokenizer's to enforce: Get, GetBatch and GetByValue may
// return a record whose ExpiresAt has passed, and the tokenizer refuses it
// (see [Record.Expired]) before any clean-up has run. [Store.DeleteExpired]
// removes expired records later, in bounded chunks, and never one whose
// ExpiresAt is after the given time. A store may drop a record by itself
// any time after its ExpiresAt (the Redis store maps expiry to a key TTL),
// never before.
//
// # Precision
//
// Stores keep times to the microsecond, in UTC: ExpiresAt is rounded up to
// the next microsecond (so a record never expires early) and CreatedAt is
// rounded down. Empty ValueHash and Metadata come back as nil.
//
// # Retries
//
// Put, PutConvergent and PutBatch are idempotent for identical records: putting
// a record equal to the stored one (after the rounding above) succeeds, so a
// write retried after an ambiguous failure, such as a connection lost before
// the commit was acknowledged, neither fails nor duplicates a mapping.
package vault

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Size limits of a Record and of one batch call.
const (
	// MaxHashSize is the largest TokenHash or ValueHash, in bytes.
	MaxHashSize = 64
	// MaxCiphertextSize is the largest Ciphertext, in bytes.
	MaxCiphertextSize = 1 << 20
	// MaxMetadataSize is the largest total size of Metadata keys and values,
	// in bytes.
	MaxMetadataSize = 16 << 10
	// MaxBatchSize is the largest number of records or hashes in one batch
	// call.
	MaxBatchSize = 10000
)

// Errors returned by every Store. Implementations wrap them with details
// (names, indexes, lengths; never hashes or ciphertexts), so match them with
// errors.Is.
var (
	// ErrNotFound means no record has the given hash.
	ErrNotFound = errors.New("vault: record not found")
	// ErrExists means a Put would overwrite or collide with a different
	// record: the TokenHash is taken, or, for a convergent record, another
	// convergent record has its ValueHash. Nothing was written.
	ErrExists = errors.New("vault: record already exists")
	// ErrInvalidRecord means a record failed [Record.Validate].
	ErrInvalidRecord = errors.New("vault: invalid record")
	// ErrInvalidArgument means a hash, limit or batch size is out of range.
	ErrInvalidArgument = errors.New("vault: invalid argument")
)

// A Store keeps token records. Implementations are safe for concurrent use,
// and every write is durable (as the backend defines it) when it returns
// without error: a failed write leaves nothing behind.
type Store interface {
	// Put inserts rec. It fails with ErrExists if a different record has
	// rec.TokenHash, or if rec is convergent and another convergent record
	// has rec.ValueHash; a record identical to the stored one succeeds.
	Put(ctx context.Context, rec Record) error

	// PutConvergent inserts the convergent record rec, or returns the live
	// convergent record that already has rec.ValueHash. created reports
	// whether rec was inserted; stored is rec if so and the existing record
	// otherwise. A convergent record whose ExpiresAt is at or before
	// rec.CreatedAt is deleted and replaced. It fails with ErrExists only if
	// rec.TokenHash belongs to a different record.
	PutConvergent(ctx context.Context, rec Record) (stored Record, created bool, err error)

	// PutBatch inserts recs as if by Put in order, in one transaction: all
	// of them land or none does. A failing record is reported as a
	// *BatchError with its index.
	PutBatch(ctx context.Context, recs []Record) error

	// PutConvergentBatch does PutConvergent for each of recs, all
	// convergent, in order and in one transaction: stored[i] and
	// created[i] are what PutConvergent would have returned for recs[i],
	// so a record whose ValueHash an earlier record of the batch took gets
	// that record back. If a record's TokenHash belongs to a different
	// record it fails with a *BatchError wrapping ErrExists (an invalid
	// record: ErrInvalidRecord), and nothing is written. Batches that
	// overlap converge as single puts do, even across processes: one record
	// per ValueHash. At most MaxBatchSize records.
	PutConvergentBatch(ctx context.Context, recs []Record) (stored []Record, created []bool, err error)

	// Get returns the record with tokenHash, or ErrNotFound. The record
	// may have expired; see [Record.Expired].
	Get(ctx context.Context, tokenHash []byte) (Record, error)

	// GetBatch returns the records with tokenHashes, in the same order; a
	// missing record is a zero Record (nil TokenHash).
	GetBatch(ctx context.Context, tokenHashes [][]byte) ([]Record, error)

	// GetByValue returns the convergent record with valueHash, or
	// ErrNotFound. Records without the Convergent flag are not found here.
	GetByValue(ctx context.Context, valueHash []byte) (Record, error)

	// GetByValueBatch returns the convergent records with valueHashes, in
	// the same order, in one round trip; a missing record is a zero Record
	// (nil TokenHash). Records may have expired, as with GetByValue.
	GetByValueBatch(ctx context.Context, valueHashes [][]byte) ([]Record, error)

	// Delete removes the record with tokenHash. Deleting a missing record
	// is not an error.
	Delete(ctx context.Context, tokenHash []byte) error

	// DeleteByValue removes every record, convergent or not, with
	// valueHash, and returns how many it removed.
	DeleteByValue(ctx context.Context, valueHash []byte) (int, error)

	// DeleteExpired removes up to limit records whose ExpiresAt is at or
	// before now, and returns how many it removed; call it again until it
	// returns less than limit. It never removes a record that has not
	// expired at now. limit must be positive.
	DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error)
}

// A BatchError reports the record of a batch that made the whole batch fail.
type BatchError struct {
	// Index is the position of the failing record in the batch.
	Index int
	// Err is the reason, such as ErrExists or ErrInvalidRecord.
	Err error
}

func (e *BatchError) Error() string {
	return fmt.Sprintf("vault: batch record %d: %v", e.Index, e.Err)
}

// Unwrap returns e.Err.
func (e *BatchError) Unwrap() error { return e.Err }

// timeMin and timeMax bound the times a Record may carry.
var (
	timeMin = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	timeMax = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)
