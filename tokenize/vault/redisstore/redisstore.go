// Package redisstore keeps vault token records in Redis, shared by every
// instance of a service, through github.com/redis/go-redis/v9.
//
// Every write is one Lua script, which Redis runs atomically: a put checks
// every record of its batch before writing any, so a batch lands whole or
// not at all, and a convergent put cannot race another (the script plays the
// part of SET NX on the value's key, together with the checks around it).
// Reads are plain GET and MGET. A script that Redis aborts half way (out of
// memory, or a key of the wrong type put there by someone else) can leave a
// partial write: give the store's prefix to nothing else.
//
// Durability is Redis's: with the default snapshotting, a crash loses the
// last writes. Run Redis with appendonly yes and appendfsync always (or
// everysec, accepting a second of loss) when the mappings are the only copy.
//
// # Keys
//
// All keys start with "{prefix}:", so they share one hash tag and one slot
// of a cluster:
//
//	{prefix}:t:<hex token hash>  the record (string)
//	{prefix}:v:<hex value hash>  the token hashes of a value (set)
//	{prefix}:c:<hex value hash>  the token hash of the value's convergent record
//	{prefix}:x                   token hashes by expiry (sorted set)
//
// # Expiry
//
// A record with ExpiresAt gets a key TTL at that time (rounded up to the
// millisecond), so Redis drops it by itself after it expires and never
// before; the tokenizer still checks ExpiresAt, since the store may return
// a record in the millisecond after it expired. DeleteExpired removes
// expired records that Redis has not dropped yet and cleans the index
// entries of those it has; both count in its result.
package redisstore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/custos-dev/custos/tokenize/vault"
	"github.com/custos-dev/custos/tokenize/vault/internal/rec"
)

// ErrInvalidPrefix means a key prefix is empty, too long, or has characters
// other than ASCII letters, digits and _ . : -.
var ErrInvalidPrefix = errors.New("redisstore: invalid key prefix")

// Store is a vault.Store in Redis. It is safe for concurrent use. The
// caller owns the client.
type Store struct {
	c      redis.UniversalClient
	prefix string   // "{prefix}:"
	keys   []string // the expiry set, KEYS[1] of every script
}

var _ vault.Store = (*Store)(nil)

var prefixRE = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)

// New returns a store whose keys start with "{prefix}:". New does not
// contact the server.
func New(c redis.UniversalClient, prefix string) (*Store, error) {
	if !prefixRE.MatchString(prefix) {
		return nil, fmt.Errorf("%w: length %d; want 1 to 64 of A-Z a-z 0-9 _ . : -", ErrInvalidPrefix, len(prefix))
	}
	p := "{" + prefix + "}:"
	return &Store{c: c, prefix: p, keys: []string{p + "x"}}, nil
}

func (s *Store) recordKey(th []byte) string { return s.prefix + "t:" + hex.EncodeToString(th) }

// scores: expiry times are sorted-set scores in Unix microseconds, exact
// until the year 2255 and rounded outward after, so that a record never
// counts as expired early.
func ceilScore(t time.Time) float64 {
	us := t.UnixMicro()
	f := float64(us)
	if int64(f) < us {
		f = math.Nextafter(f, math.Inf(1))
	}
	return f
}

func floorScore(t time.Time) float64 {
	us := t.UnixMicro()
	f := float64(us)
	if int64(f) > us {
		f = math.Nextafter(f, math.Inf(-1))
	}
	return f
}

func formatScore(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// appendArgs appends the four script arguments of the normalized record n.
func appendArgs(args []any, n vault.Record) []any {
	score, pxat := "", ""
	if !n.ExpiresAt.IsZero() {
		score = formatScore(ceilScore(n.ExpiresAt))
		ms := n.ExpiresAt.UnixMilli()
		if n.ExpiresAt.After(time.UnixMilli(ms)) {
			ms++
		}
		pxat = strconv.FormatInt(ms, 10)
	}
	return append(args, n.TokenHash, rec.Append(nil, n), score, pxat)
}

func wrap(op string, err error) error {
	return fmt.Errorf("redisstore: %s: %w", op, err)
}

// Put implements vault.Store.
func (s *Store) Put(ctx context.Context, r vault.Record) error {
	n, err := rec.Prepare(r)
	if err != nil {
		return err
	}
	err = s.put(ctx, []vault.Record{n})
	if be := (*vault.BatchError)(nil); errors.As(err, &be) {
		return be.Err
	}
	return err
}

// PutBatch implements vault.Store. The whole batch is one script call, which
// blocks Redis while it runs: 44 ms of server time per thousand records was
// measured on the (heavily loaded) development machine; split very large
// batches where that latency matters.
func (s *Store) PutBatch(ctx context.Context, recs []vault.Record) error {
	ns, err := rec.PrepareBatch(recs)
	if err != nil {
		return err
	}
	if len(ns) == 0 {
		return ctx.Err()
	}
	return s.put(ctx, ns)
}

func (s *Store) put(ctx context.Context, ns []vault.Record) error {
	args := make([]any, 0, 1+4*len(ns))
	args = append(args, s.prefix)
	for _, n := range ns {
		args = appendArgs(args, n)
	}
	res, err := putScript.Run(ctx, s.c, s.keys, args...).Int64Slice()
	if err != nil {
		return wrap("put", err)
	}
	switch {
	case len(res) == 1 && res[0] >= 0:
		return nil
	case len(res) == 2 && res[0] == -1:
		return &vault.BatchError{Index: int(res[1]), Err: fmt.Errorf("%w: token hash taken", vault.ErrExists)}
	case len(res) == 2 && res[0] == -2:
		return &vault.BatchError{Index: int(res[1]), Err: fmt.Errorf("%w: convergent value taken", vault.ErrExists)}
	}
	return errors.New("redisstore: put: unexpected script reply")
}

// PutConvergent implements vault.Store.
func (s *Store) PutConvergent(ctx context.Context, r vault.Record) (vault.Record, bool, error) {
	n, err := rec.Prepare(r)
	if err != nil {
		return vault.Record{}, false, err
	}
	if !n.Convergent {
		return vault.Record{}, false, fmt.Errorf("%w: PutConvergent of a record without the Convergent flag", vault.ErrInvalidRecord)
	}
	args := appendArgs([]any{s.prefix}, n)
	args = append(args, formatScore(floorScore(n.CreatedAt)))
	res, err := putConvergentScript.Run(ctx, s.c, s.keys, args...).Slice()
	if err != nil {
		return vault.Record{}, false, wrap("put convergent", err)
	}
	if len(res) == 0 {
		return vault.Record{}, false, errors.New("redisstore: put convergent: unexpected script reply")
	}
	switch code, _ := res[0].(int64); {
	case code == 1 && len(res) == 1:
		return rec.Clone(n), true, nil
	case code == -1 && len(res) == 1:
		return vault.Record{}, false, fmt.Errorf("%w: token hash taken", vault.ErrExists)
	case code == 0 && len(res) == 3:
		th, ok1 := res[1].(string)
		blob, ok2 := res[2].(string)
		if ok1 && ok2 {
			old, err := rec.Decode([]byte(th), []byte(blob))
			if err != nil {
				return vault.Record{}, false, fmt.Errorf("redisstore: put convergent: %w", err)
			}
			return old, false, nil
		}
	}
	return vault.Record{}, false, errors.New("redisstore: put convergent: unexpected script reply")
}

// PutConvergentBatch implements vault.Store: one script call, which Redis
// runs atomically, so overlapping batches converge as single puts do.
func (s *Store) PutConvergentBatch(ctx context.Context, recs []vault.Record) ([]vault.Record, []bool, error) {
	ns, stored, created, done, err := rec.ConvergentBatch(ctx, recs)
	if done {
		return stored, created, err
	}
	args := make([]any, 0, 1+5*len(ns))
	args = append(args, s.prefix)
	for _, n := range ns {
		args = appendArgs(args, n)
		args = append(args, formatScore(floorScore(n.CreatedAt)))
	}
	res, err := putConvergentBatchScript.Run(ctx, s.c, s.keys, args...).Slice()
	if err != nil {
		return nil, nil, wrap("put convergent batch", err)
	}
	bad := errors.New("redisstore: put convergent batch: unexpected script reply")
	if len(res) == 2 {
		code, _ := res[0].(int64)
		i, ok := res[1].(int64)
		if code == -1 && ok && i >= 0 && int(i) < len(ns) {
			return nil, nil, &vault.BatchError{Index: int(i), Err: fmt.Errorf("%w: token hash taken", vault.ErrExists)}
		}
		return nil, nil, bad
	}
	if len(res) != 1+3*len(ns) {
		return nil, nil, bad
	}
	if code, _ := res[0].(int64); code != 0 {
		return nil, nil, bad
	}
	for i, n := range ns {
		code, _ := res[1+3*i].(int64)
		th, ok1 := res[2+3*i].(string)
		blob, ok2 := res[3+3*i].(string)
		switch {
		case code == 1:
			stored[i], created[i] = rec.Clone(n), true
		case code == 0 && ok1 && ok2:
			old, err := rec.Decode([]byte(th), []byte(blob))
			if err != nil {
				return nil, nil, fmt.Errorf("redisstore: put convergent batch: %w", err)
			}
			stored[i] = old
		default:
			return nil, nil, bad
		}
	}
	return stored, created, nil
}

// GetByValueBatch implements vault.Store, with one script call.
func (s *Store) GetByValueBatch(ctx context.Context, valueHashes [][]byte) ([]vault.Record, error) {
	if err := rec.CheckValueHashes(valueHashes); err != nil {
		return nil, err
	}
	out := make([]vault.Record, len(valueHashes))
	if len(valueHashes) == 0 {
		return out, ctx.Err()
	}
	args := make([]any, 0, 1+len(valueHashes))
	args = append(args, s.prefix)
	for _, vh := range valueHashes {
		args = append(args, vh)
	}
	res, err := getByValueBatchScript.Run(ctx, s.c, s.keys, args...).StringSlice()
	if err != nil {
		return nil, wrap("get by value batch", err)
	}
	if len(res) != 2*len(valueHashes) {
		return nil, errors.New("redisstore: get by value batch: unexpected reply length")
	}
	for i := range valueHashes {
		if res[2*i] == "" {
			continue
		}
		r, err := rec.Decode([]byte(res[2*i]), []byte(res[2*i+1]))
		if err != nil {
			return nil, fmt.Errorf("redisstore: get by value batch: %w", err)
		}
		out[i] = r
	}
	return out, nil
}

// Get implements vault.Store.
func (s *Store) Get(ctx context.Context, tokenHash []byte) (vault.Record, error) {
	if err := rec.CheckHash("TokenHash", tokenHash); err != nil {
		return vault.Record{}, err
	}
	blob, err := s.c.Get(ctx, s.recordKey(tokenHash)).Bytes()
	if errors.Is(err, redis.Nil) {
		return vault.Record{}, vault.ErrNotFound
	}
	if err != nil {
		return vault.Record{}, wrap("get", err)
	}
	r, err := rec.Decode(tokenHash, blob)
	if err != nil {
		return vault.Record{}, fmt.Errorf("redisstore: get: %w", err)
	}
	return r, nil
}

// GetBatch implements vault.Store, with one MGET.
func (s *Store) GetBatch(ctx context.Context, tokenHashes [][]byte) ([]vault.Record, error) {
	if err := rec.CheckHashes(tokenHashes); err != nil {
		return nil, err
	}
	out := make([]vault.Record, len(tokenHashes))
	if len(tokenHashes) == 0 {
		return out, ctx.Err()
	}
	keys := make([]string, len(tokenHashes))
	for i, th := range tokenHashes {
		keys[i] = s.recordKey(th)
	}
	vals, err := s.c.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, wrap("get batch", err)
	}
	if len(vals) != len(keys) {
		return nil, errors.New("redisstore: get batch: unexpected reply length")
	}
	for i, v := range vals {
		if v == nil {
			continue
		}
		blob, ok := v.(string)
		if !ok {
			return nil, errors.New("redisstore: get batch: unexpected reply type")
		}
		r, err := rec.Decode(tokenHashes[i], []byte(blob))
		if err != nil {
			return nil, fmt.Errorf("redisstore: get batch: %w", err)
		}
		out[i] = r
	}
	return out, nil
}

// GetByValue implements vault.Store.
func (s *Store) GetByValue(ctx context.Context, valueHash []byte) (vault.Record, error) {
	if err := rec.CheckHash("ValueHash", valueHash); err != nil {
		return vault.Record{}, err
	}
	res, err := getByValueScript.Run(ctx, s.c, s.keys, s.prefix, valueHash).StringSlice()
	if err != nil {
		return vault.Record{}, wrap("get by value", err)
	}
	if len(res) != 2 {
		return vault.Record{}, vault.ErrNotFound
	}
	r, err := rec.Decode([]byte(res[0]), []byte(res[1]))
	if err != nil {
		return vault.Record{}, fmt.Errorf("redisstore: get by value: %w", err)
	}
	return r, nil
}

// Delete implements vault.Store.
func (s *Store) Delete(ctx context.Context, tokenHash []byte) error {
	if err := rec.CheckHash("TokenHash", tokenHash); err != nil {
		return err
	}
	if err := deleteScript.Run(ctx, s.c, s.keys, s.prefix, tokenHash).Err(); err != nil {
		return wrap("delete", err)
	}
	return nil
}

// DeleteByValue implements vault.Store.
func (s *Store) DeleteByValue(ctx context.Context, valueHash []byte) (int, error) {
	if err := rec.CheckHash("ValueHash", valueHash); err != nil {
		return 0, err
	}
	n, err := deleteByValueScript.Run(ctx, s.c, s.keys, s.prefix, valueHash).Int()
	if err != nil {
		return 0, wrap("delete by value", err)
	}
	return n, nil
}

// DeleteExpired implements vault.Store.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error) {
	if err := rec.CheckLimit(limit); err != nil {
		return 0, err
	}
	n, err := deleteExpiredScript.Run(ctx, s.c, s.keys, s.prefix, formatScore(floorScore(now)), limit).Int()
	if err != nil {
		return 0, wrap("delete expired", err)
	}
	return n, nil
}
