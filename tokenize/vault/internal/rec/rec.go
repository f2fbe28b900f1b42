// Package rec holds what the vault stores share: argument checks, the
// normalization and comparison of records, and the binary encoding of a record
// used by the key-value stores (bbolt and Redis).
package rec

import (
	"context"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/custos-dev/custos/tokenize/vault"
)

// CheckHash returns an error wrapping vault.ErrInvalidArgument if h is empty
// or longer than vault.MaxHashSize; name goes in the message.
func CheckHash(name string, h []byte) error {
	if len(h) == 0 || len(h) > vault.MaxHashSize {
		return fmt.Errorf("%w: %s length %d not in 1..%d", vault.ErrInvalidArgument, name, len(h), vault.MaxHashSize)
	}
	return nil
}

// CheckHashes checks every hash of a GetBatch call and the batch size.
func CheckHashes(hs [][]byte) error { return checkHashes("TokenHash", hs) }

// CheckValueHashes checks every hash of a GetByValueBatch call and the
// batch size.
func CheckValueHashes(hs [][]byte) error { return checkHashes("ValueHash", hs) }

func checkHashes(name string, hs [][]byte) error {
	if err := CheckBatchSize(len(hs)); err != nil {
		return err
	}
	for i, h := range hs {
		if err := CheckHash(name, h); err != nil {
			return &vault.BatchError{Index: i, Err: err}
		}
	}
	return nil
}

// CheckBatchSize returns an error wrapping vault.ErrInvalidArgument if n
// exceeds vault.MaxBatchSize.
func CheckBatchSize(n int) error {
	if n > vault.MaxBatchSize {
		return fmt.Errorf("%w: batch of %d exceeds %d", vault.ErrInvalidArgument, n, vault.MaxBatchSize)
	}
	return nil
}

// CheckLimit returns an error wrapping vault.ErrInvalidArgument unless
// 0 < limit <= vault.MaxBatchSize.
func CheckLimit(limit int) error {
	if limit <= 0 || limit > vault.MaxBatchSize {
		return fmt.Errorf("%w: limit %d not in 1..%d", vault.ErrInvalidArgument, limit, vault.MaxBatchSize)
	}
	return nil
}

// Prepare validates r and returns its normalized copy.
func Prepare(r vault.Record) (vault.Record, error) {
	if err := r.Validate(); err != nil {
		return vault.Record{}, err
	}
	return Normalize(r), nil
}

// PrepareBatch validates and normalizes every record of a batch; a failure is
// a *vault.BatchError.
func PrepareBatch(recs []vault.Record) ([]vault.Record, error) {
	if err := CheckBatchSize(len(recs)); err != nil {
		return nil, err
	}
	out := make([]vault.Record, len(recs))
	for i, r := range recs {
		n, err := Prepare(r)
		if err != nil {
			return nil, &vault.BatchError{Index: i, Err: err}
		}
		out[i] = n
	}
	return out, nil
}

// ConvergentBatch starts a store's PutConvergentBatch: it returns the
// prepared records (PrepareConvergentBatch) and the result slices to fill,
// one entry per record. When done is set the store has nothing to do and
// returns stored, created and err as they are: err is the invalid record's
// error, or for an empty batch the context's.
func ConvergentBatch(ctx context.Context, recs []vault.Record) (ns, stored []vault.Record, created []bool, done bool, err error) {
	ns, err = PrepareConvergentBatch(recs)
	if err != nil {
		return nil, nil, nil, true, err
	}
	stored = make([]vault.Record, len(ns))
	created = make([]bool, len(ns))
	if len(ns) == 0 {
		return ns, stored, created, true, ctx.Err()
	}
	return ns, stored, created, false, nil
}

// PrepareConvergentBatch is PrepareBatch for PutConvergentBatch: every
// record must also carry the Convergent flag.
func PrepareConvergentBatch(recs []vault.Record) ([]vault.Record, error) {
	ns, err := PrepareBatch(recs)
	if err != nil {
		return nil, err
	}
	for i, n := range ns {
		if !n.Convergent {
			return nil, &vault.BatchError{Index: i, Err: fmt.Errorf("%w: PutConvergentBatch of a record without the Convergent flag", vault.ErrInvalidRecord)}
		}
	}
	return ns, nil
}

// Normalize returns a deep copy of r with the stores' precision: times in
// UTC to the microsecond, ExpiresAt rounded up and CreatedAt rounded down,
// empty ValueHash and Metadata as nil.
func Normalize(r vault.Record) vault.Record {
	r.TokenHash = clone(r.TokenHash)
	r.Ciphertext = clone(r.Ciphertext)
	r.ValueHash = clone(r.ValueHash)
	r.CreatedAt = FloorMicro(r.CreatedAt)
	if !r.ExpiresAt.IsZero() {
		r.ExpiresAt = CeilMicro(r.ExpiresAt)
	}
	if len(r.Metadata) == 0 {
		r.Metadata = nil
	} else {
		r.Metadata = maps.Clone(r.Metadata)
	}
	return r
}

// Clone returns a deep copy of r.
func Clone(r vault.Record) vault.Record {
	r.TokenHash = clone(r.TokenHash)
	r.Ciphertext = clone(r.Ciphertext)
	r.ValueHash = clone(r.ValueHash)
	if r.Metadata != nil {
		r.Metadata = maps.Clone(r.Metadata)
	}
	return r
}

func clone(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return slices.Clone(b)
}

// FloorMicro returns t in UTC rounded down to the microsecond.
func FloorMicro(t time.Time) time.Time {
	return t.Truncate(time.Microsecond).UTC()
}

// CeilMicro returns t in UTC rounded up to the microsecond.
func CeilMicro(t time.Time) time.Time {
	f := t.Truncate(time.Microsecond)
	if f.Equal(t) {
		return f.UTC()
	}
	return f.Add(time.Microsecond).UTC()
}

// Micros returns t as microseconds since the Unix epoch (t must be
// normalized).
func Micros(t time.Time) int64 { return t.UnixMicro() }

// Equal reports whether two normalized records are the same record.
func Equal(a, b vault.Record) bool {
	return eq(a.TokenHash, b.TokenHash) && eq(a.Ciphertext, b.Ciphertext) && eq(a.ValueHash, b.ValueHash) &&
		a.Convergent == b.Convergent && a.ExpiresAt.Equal(b.ExpiresAt) && a.CreatedAt.Equal(b.CreatedAt) &&
		maps.Equal(a.Metadata, b.Metadata)
}

func eq(a, b []byte) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare(a, b) == 1
}

// Encoding of a record, version 1 (the token hash is the key and is not
// part of it):
//
//	byte    version (1)
//	byte    flags: 1 convergent, 2 has ExpiresAt
//	byte    len(ValueHash), then ValueHash
//	uvarint CreatedAt in Unix microseconds
//	uvarint ExpiresAt in Unix microseconds, if flag 2
//	uvarint len(Ciphertext), then Ciphertext
//	uvarint number of metadata entries, then for each, in increasing key
//	        order: uvarint len(key), key, uvarint len(value), value
//
// The fixed header lets a Redis Lua script read the flags and the value hash.
// The encoding is canonical: equal records encode to equal bytes.
const (
	version        = 1
	flagConvergent = 1
	flagExpires    = 2
)

// ErrCorrupt means stored bytes are not a valid record encoding.
var ErrCorrupt = errors.New("vault: corrupt stored record")

// Append appends the encoding of the normalized record r to dst.
func Append(dst []byte, r vault.Record) []byte {
	var flags byte
	if r.Convergent {
		flags |= flagConvergent
	}
	if !r.ExpiresAt.IsZero() {
		flags |= flagExpires
	}
	dst = append(dst, version, flags, byte(len(r.ValueHash)))
	dst = append(dst, r.ValueHash...)
	dst = binary.AppendUvarint(dst, uint64(r.CreatedAt.UnixMicro()))
	if !r.ExpiresAt.IsZero() {
		dst = binary.AppendUvarint(dst, uint64(r.ExpiresAt.UnixMicro()))
	}
	dst = binary.AppendUvarint(dst, uint64(len(r.Ciphertext)))
	dst = append(dst, r.Ciphertext...)
	dst = binary.AppendUvarint(dst, uint64(len(r.Metadata)))
	for _, k := range slices.Sorted(maps.Keys(r.Metadata)) {
		dst = binary.AppendUvarint(dst, uint64(len(k)))
		dst = append(dst, k...)
		v := r.Metadata[k]
		dst = binary.AppendUvarint(dst, uint64(len(v)))
		dst = append(dst, v...)
	}
	return dst
}

// Decode parses an encoding made by Append into a record with the given
// token hash. It copies what it keeps from b, and rejects anything Append
// could not have produced from a valid record.
func Decode(tokenHash, b []byte) (vault.Record, error) {
	d := decoder{b: b}
	var r vault.Record
	r.TokenHash = clone(tokenHash)
	if d.byte() != version {
		return vault.Record{}, fmt.Errorf("%w: unknown version", ErrCorrupt)
	}
	flags := d.byte()
	if flags&^(flagConvergent|flagExpires) != 0 {
		return vault.Record{}, fmt.Errorf("%w: unknown flags", ErrCorrupt)
	}
	r.Convergent = flags&flagConvergent != 0
	r.ValueHash = clone(d.bytes(int(d.byte())))
	r.CreatedAt = d.time()
	if flags&flagExpires != 0 {
		r.ExpiresAt = d.time()
	}
	r.Ciphertext = clone(d.bytes(d.length()))
	n := d.length()
	if n > 0 && d.err == nil {
		r.Metadata = make(map[string]string, min(n, 64))
		prev := ""
		for i := 0; i < n && d.err == nil; i++ {
			k := string(d.bytes(d.length()))
			v := string(d.bytes(d.length()))
			if i > 0 && k <= prev {
				d.fail("metadata keys out of order")
			}
			r.Metadata[k] = v
			prev = k
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return vault.Record{}, d.err
	}
	if err := r.Validate(); err != nil {
		return vault.Record{}, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return r, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrCorrupt, what)
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail("truncated")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) bytes(n int) []byte {
	if n < 0 || len(d.b) < n {
		d.fail("truncated")
		return nil
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

// length reads a uvarint length that fits in the remaining bytes.
func (d *decoder) length() int {
	v, n := binary.Uvarint(d.b)
	if n <= 0 || n != uvarintLen(v) || v > uint64(len(d.b)-n) {
		d.fail("bad length")
		return 0
	}
	d.b = d.b[n:]
	return int(v)
}

func (d *decoder) time() time.Time {
	v, n := binary.Uvarint(d.b)
	if n <= 0 || n != uvarintLen(v) || v > 1<<62 {
		d.fail("bad time")
		return time.Time{}
	}
	d.b = d.b[n:]
	return time.UnixMicro(int64(v)).UTC()
}

// uvarintLen is the length of the minimal uvarint encoding of v; the decoder
// refuses longer ones so that the encoding stays canonical.
func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
