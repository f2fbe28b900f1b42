// Package boltstore keeps vault token records in an embedded bbolt file, for
// single-node use; it is the default store of the CLI and the examples.
//
// Every write is part of one bbolt transaction, synced to disk before it
// returns (unless the caller opened the database with NoSync), so a write
// either lands whole with its indexes or not at all. bbolt allows one writer
// at a time per file, and each commit pays for a sync: single-record writes
// (Put, PutConvergent, Delete) from concurrent goroutines therefore go
// through bbolt's DB.Batch, which commits them together, and PutBatch is much
// cheaper per record than Put. Open sets the database's MaxBatchDelay to one
// millisecond (bbolt's default is ten), the most a lone Put waits for
// company; with New, the caller's setting applies.
//
// # Layout
//
// The store lives in one top-level bucket of the database, holding four
// buckets: records by token hash (in the encoding of the other key-value
// stores), token hashes by value hash, the convergent record of each value
// hash, and token hashes by expiry time, so that DeleteExpired reads only
// what it removes.
package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/custos-dev/custos/tokenize/vault"
	"github.com/custos-dev/custos/tokenize/vault/internal/rec"
)

// DefaultBucket is the top-level bucket Open uses.
const DefaultBucket = "custos-vault"

// ErrInvalidBucket means a bucket name is empty or too long.
var ErrInvalidBucket = errors.New("boltstore: invalid bucket name")

// Store is a vault.Store in a bbolt database. It is safe for concurrent use,
// also by several Store values on the same database.
type Store struct {
	db     *bolt.DB
	bucket []byte
	owned  bool
}

var _ vault.Store = (*Store)(nil)

var (
	bRecords    = []byte("records")
	bValues     = []byte("values")
	bConvergent = []byte("convergent")
	bExpiry     = []byte("expiry")
)

// Open opens (creating if needed, with mode 0600) the bbolt file at path and
// returns a store in its DefaultBucket. It waits at most one second for
// another process to release the file. Close closes the file.
func Open(path string) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("boltstore: open: %w", err)
	}
	db.MaxBatchDelay = time.Millisecond
	s, err := New(db, DefaultBucket)
	if err != nil {
		db.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

// New returns a store in the top-level bucket named bucket of db, creating
// the bucket if needed; other buckets of db are left alone. The caller keeps
// ownership of db: Close does not close it.
func New(db *bolt.DB, bucket string) (*Store, error) {
	if bucket == "" || len(bucket) > bolt.MaxKeySize {
		return nil, fmt.Errorf("%w: length %d", ErrInvalidBucket, len(bucket))
	}
	s := &Store{db: db, bucket: []byte(bucket)}
	err := db.Update(func(tx *bolt.Tx) error {
		top, err := tx.CreateBucketIfNotExists(s.bucket)
		if err != nil {
			return err
		}
		for _, name := range [][]byte{bRecords, bValues, bConvergent, bExpiry} {
			if _, err := top.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: create buckets: %w", err)
	}
	return s, nil
}

// Close closes the database if Open opened it, and does nothing otherwise.
func (s *Store) Close() error {
	if !s.owned {
		return nil
	}
	return s.db.Close()
}

// buckets are the store's buckets in one transaction.
type buckets struct {
	records, values, convergent, expiry *bolt.Bucket
}

func (s *Store) buckets(tx *bolt.Tx) (buckets, error) {
	top := tx.Bucket(s.bucket)
	if top == nil {
		return buckets{}, errors.New("boltstore: bucket missing")
	}
	b := buckets{top.Bucket(bRecords), top.Bucket(bValues), top.Bucket(bConvergent), top.Bucket(bExpiry)}
	if b.records == nil || b.values == nil || b.convergent == nil || b.expiry == nil {
		return buckets{}, errors.New("boltstore: bucket missing")
	}
	return b, nil
}

// update runs fn in a write transaction, after checking ctx.
func (s *Store) update(ctx context.Context, fn func(b buckets) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := s.buckets(tx)
		if err != nil {
			return err
		}
		return fn(b)
	})
}

// batch runs fn in a write transaction shared with other goroutines'
// single-record writes (DB.Batch), after checking ctx. fn may run more than
// once, and must reset anything it reports.
func (s *Store) batch(ctx context.Context, fn func(b buckets) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Batch(func(tx *bolt.Tx) error {
		b, err := s.buckets(tx)
		if err != nil {
			return err
		}
		return fn(b)
	})
}

// view runs fn in a read transaction, after checking ctx.
func (s *Store) view(ctx context.Context, fn func(b buckets) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(func(tx *bolt.Tx) error {
		b, err := s.buckets(tx)
		if err != nil {
			return err
		}
		return fn(b)
	})
}

// valueKey is the key of token hash th in the values bucket: the value hash
// with its length first, so that a prefix scan finds exactly one value.
func valueKey(vh, th []byte) []byte {
	k := make([]byte, 0, 1+len(vh)+len(th))
	k = append(k, byte(len(vh)))
	k = append(k, vh...)
	return append(k, th...)
}

// expiryKey is the key of token hash th in the expiry bucket: the expiry in
// Unix microseconds, big-endian so that keys sort by time.
func expiryKey(exp time.Time, th []byte) []byte {
	k := make([]byte, 8, 8+len(th))
	binary.BigEndian.PutUint64(k, uint64(exp.UnixMicro()))
	return append(k, th...)
}

// put inserts the normalized record n; inserted is false when an identical
// record was already there.
func put(b buckets, n vault.Record) (inserted bool, err error) {
	blob := rec.Append(nil, n)
	if old := b.records.Get(n.TokenHash); old != nil {
		if bytes.Equal(old, blob) {
			return false, nil
		}
		return false, fmt.Errorf("%w: token hash taken", vault.ErrExists)
	}
	if n.Convergent && b.convergent.Get(n.ValueHash) != nil {
		return false, fmt.Errorf("%w: convergent value taken", vault.ErrExists)
	}
	if err := b.records.Put(n.TokenHash, blob); err != nil {
		return false, err
	}
	if n.ValueHash != nil {
		if err := b.values.Put(valueKey(n.ValueHash, n.TokenHash), nil); err != nil {
			return false, err
		}
		if n.Convergent {
			if err := b.convergent.Put(n.ValueHash, n.TokenHash); err != nil {
				return false, err
			}
		}
	}
	if !n.ExpiresAt.IsZero() {
		if err := b.expiry.Put(expiryKey(n.ExpiresAt, n.TokenHash), nil); err != nil {
			return false, err
		}
	}
	return true, nil
}

// get returns the record with token hash th; ok is false if there is none.
func get(b buckets, th []byte) (r vault.Record, ok bool, err error) {
	blob := b.records.Get(th)
	if blob == nil {
		return vault.Record{}, false, nil
	}
	r, err = rec.Decode(th, blob)
	if err != nil {
		return vault.Record{}, false, fmt.Errorf("boltstore: record: %w", err)
	}
	return r, true, nil
}

// remove deletes the record with token hash th and its index entries.
func remove(b buckets, th []byte) (bool, error) {
	r, ok, err := get(b, th)
	if !ok || err != nil {
		return false, err
	}
	if err := b.records.Delete(r.TokenHash); err != nil {
		return false, err
	}
	if r.ValueHash != nil {
		if err := b.values.Delete(valueKey(r.ValueHash, r.TokenHash)); err != nil {
			return false, err
		}
		if r.Convergent && bytes.Equal(b.convergent.Get(r.ValueHash), r.TokenHash) {
			if err := b.convergent.Delete(r.ValueHash); err != nil {
				return false, err
			}
		}
	}
	if !r.ExpiresAt.IsZero() {
		if err := b.expiry.Delete(expiryKey(r.ExpiresAt, r.TokenHash)); err != nil {
			return false, err
		}
	}
	return true, nil
}

// Put implements vault.Store.
func (s *Store) Put(ctx context.Context, r vault.Record) error {
	n, err := rec.Prepare(r)
	if err != nil {
		return err
	}
	return s.batch(ctx, func(b buckets) error {
		_, err := put(b, n)
		return err
	})
}

// PutConvergent implements vault.Store.
func (s *Store) PutConvergent(ctx context.Context, r vault.Record) (stored vault.Record, created bool, err error) {
	n, err := rec.Prepare(r)
	if err != nil {
		return vault.Record{}, false, err
	}
	if !n.Convergent {
		return vault.Record{}, false, fmt.Errorf("%w: PutConvergent of a record without the Convergent flag", vault.ErrInvalidRecord)
	}
	err = s.batch(ctx, func(b buckets) (err error) {
		stored, created, err = putConvergent(b, n)
		return err
	})
	if err != nil {
		return vault.Record{}, false, err
	}
	return stored, created, nil
}

// putConvergent is PutConvergent of the normalized convergent record n in
// a write transaction.
func putConvergent(b buckets, n vault.Record) (vault.Record, bool, error) {
	var dead []byte
	if cth := b.convergent.Get(n.ValueHash); cth != nil {
		old, ok, err := get(b, cth)
		if err != nil {
			return vault.Record{}, false, err
		}
		if ok && !old.Expired(n.CreatedAt) {
			return old, false, nil
		}
		dead = bytes.Clone(cth)
	}
	if b.records.Get(n.TokenHash) != nil && !bytes.Equal(n.TokenHash, dead) {
		return vault.Record{}, false, fmt.Errorf("%w: token hash taken", vault.ErrExists)
	}
	if dead != nil {
		if _, err := remove(b, dead); err != nil {
			return vault.Record{}, false, err
		}
	}
	if _, err := put(b, n); err != nil {
		return vault.Record{}, false, err
	}
	return rec.Clone(n), true, nil
}

// PutConvergentBatch implements vault.Store. The batch is one transaction
// of its own (not shared through DB.Batch), so an error rolls back exactly
// the batch.
func (s *Store) PutConvergentBatch(ctx context.Context, recs []vault.Record) ([]vault.Record, []bool, error) {
	ns, stored, created, done, err := rec.ConvergentBatch(ctx, recs)
	if done {
		return stored, created, err
	}
	err = s.update(ctx, func(b buckets) error {
		for i, n := range ns {
			st, c, err := putConvergent(b, n)
			if err != nil {
				return &vault.BatchError{Index: i, Err: err}
			}
			stored[i], created[i] = st, c
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return stored, created, nil
}

// PutBatch implements vault.Store.
func (s *Store) PutBatch(ctx context.Context, recs []vault.Record) error {
	ns, err := rec.PrepareBatch(recs)
	if err != nil || len(ns) == 0 {
		if err == nil {
			err = ctx.Err()
		}
		return err
	}
	// An error from the function rolls the whole transaction back.
	return s.update(ctx, func(b buckets) error {
		for i, n := range ns {
			if _, err := put(b, n); err != nil {
				return &vault.BatchError{Index: i, Err: err}
			}
		}
		return nil
	})
}

// Get implements vault.Store.
func (s *Store) Get(ctx context.Context, tokenHash []byte) (r vault.Record, err error) {
	if err := rec.CheckHash("TokenHash", tokenHash); err != nil {
		return vault.Record{}, err
	}
	var ok bool
	err = s.view(ctx, func(b buckets) error {
		r, ok, err = get(b, tokenHash)
		return err
	})
	if err == nil && !ok {
		err = vault.ErrNotFound
	}
	return r, err
}

// GetBatch implements vault.Store.
func (s *Store) GetBatch(ctx context.Context, tokenHashes [][]byte) ([]vault.Record, error) {
	if err := rec.CheckHashes(tokenHashes); err != nil {
		return nil, err
	}
	return s.getMany(ctx, tokenHashes, func(_ buckets, th []byte) []byte { return th })
}

// getMany reads, in one read transaction, the record whose token hash
// tokenHash(b, k) gives for each key, leaving a zero record where it gives
// nil or no record exists.
func (s *Store) getMany(ctx context.Context, ks [][]byte, tokenHash func(b buckets, k []byte) []byte) ([]vault.Record, error) {
	out := make([]vault.Record, len(ks))
	err := s.view(ctx, func(b buckets) error {
		for i, k := range ks {
			if th := tokenHash(b, k); th != nil {
				r, _, err := get(b, th)
				if err != nil {
					return err
				}
				out[i] = r
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetByValue implements vault.Store.
func (s *Store) GetByValue(ctx context.Context, valueHash []byte) (r vault.Record, err error) {
	if err := rec.CheckHash("ValueHash", valueHash); err != nil {
		return vault.Record{}, err
	}
	var ok bool
	err = s.view(ctx, func(b buckets) error {
		if th := b.convergent.Get(valueHash); th != nil {
			r, ok, err = get(b, th)
		}
		return err
	})
	if err == nil && !ok {
		err = vault.ErrNotFound
	}
	return r, err
}

// GetByValueBatch implements vault.Store.
func (s *Store) GetByValueBatch(ctx context.Context, valueHashes [][]byte) ([]vault.Record, error) {
	if err := rec.CheckValueHashes(valueHashes); err != nil {
		return nil, err
	}
	return s.getMany(ctx, valueHashes, func(b buckets, vh []byte) []byte { return b.convergent.Get(vh) })
}

// Delete implements vault.Store.
func (s *Store) Delete(ctx context.Context, tokenHash []byte) error {
	if err := rec.CheckHash("TokenHash", tokenHash); err != nil {
		return err
	}
	return s.batch(ctx, func(b buckets) error {
		_, err := remove(b, tokenHash)
		return err
	})
}

// DeleteByValue implements vault.Store.
func (s *Store) DeleteByValue(ctx context.Context, valueHash []byte) (int, error) {
	if err := rec.CheckHash("ValueHash", valueHash); err != nil {
		return 0, err
	}
	n := 0
	err := s.update(ctx, func(b buckets) error {
		n = 0
		prefix := valueKey(valueHash, nil)
		var ths [][]byte
		c := b.values.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			ths = append(ths, bytes.Clone(k[len(prefix):]))
		}
		for _, th := range ths {
			ok, err := remove(b, th)
			if err != nil {
				return err
			}
			if ok {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// DeleteExpired implements vault.Store.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error) {
	if err := rec.CheckLimit(limit); err != nil {
		return 0, err
	}
	n := 0
	err := s.update(ctx, func(b buckets) error {
		n = 0
		var ths [][]byte
		c := b.expiry.Cursor()
		for k, _ := c.First(); k != nil && len(ths) < limit; k, _ = c.Next() {
			if len(k) < 8 {
				return errors.New("boltstore: corrupt expiry index")
			}
			exp := time.UnixMicro(int64(binary.BigEndian.Uint64(k)))
			if now.Before(exp) {
				break
			}
			ths = append(ths, bytes.Clone(k[8:]))
		}
		for _, th := range ths {
			ok, err := remove(b, th)
			if err != nil {
				return err
			}
			if !ok {
				return errors.New("boltstore: expiry index names a missing record")
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
