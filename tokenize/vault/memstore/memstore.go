// Package memstore keeps vault token records in memory, for tests and small
// tools.
//
// Records live as long as the Store value: nothing is written anywhere, so
// a process that exits loses every mapping. DeleteExpired scans every record
// (it keeps no expiry index), which is fine for the small sets it is meant
// for.
package memstore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/custos-dev/custos/tokenize/vault"
	"github.com/custos-dev/custos/tokenize/vault/internal/rec"
)

// Store is an in-memory vault.Store. The zero value is not usable; call New.
// It is safe for concurrent use.
type Store struct {
	mu      sync.RWMutex
	recs    map[string]vault.Record        // by TokenHash; normalized
	byValue map[string]map[string]struct{} // ValueHash -> TokenHashes
	conv    map[string]string              // ValueHash -> TokenHash of the convergent record
}

var _ vault.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		recs:    make(map[string]vault.Record),
		byValue: make(map[string]map[string]struct{}),
		conv:    make(map[string]string),
	}
}

// Len returns the number of records held, expired ones included.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.recs)
}

// Put implements vault.Store.
func (s *Store) Put(ctx context.Context, r vault.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n, err := rec.Prepare(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err = s.putLocked(n)
	return err
}

// putLocked inserts the normalized record n; inserted is false when an
// identical record was already there.
func (s *Store) putLocked(n vault.Record) (inserted bool, err error) {
	th := string(n.TokenHash)
	if old, ok := s.recs[th]; ok {
		if rec.Equal(old, n) {
			return false, nil
		}
		return false, fmt.Errorf("%w: token hash taken", vault.ErrExists)
	}
	if n.Convergent {
		if _, ok := s.conv[string(n.ValueHash)]; ok {
			return false, fmt.Errorf("%w: convergent value taken", vault.ErrExists)
		}
	}
	s.recs[th] = n
	if n.ValueHash != nil {
		vh := string(n.ValueHash)
		set := s.byValue[vh]
		if set == nil {
			set = make(map[string]struct{})
			s.byValue[vh] = set
		}
		set[th] = struct{}{}
		if n.Convergent {
			s.conv[vh] = th
		}
	}
	return true, nil
}

// removeLocked deletes the record with token hash th and its index entries.
func (s *Store) removeLocked(th string) bool {
	r, ok := s.recs[th]
	if !ok {
		return false
	}
	delete(s.recs, th)
	if r.ValueHash != nil {
		vh := string(r.ValueHash)
		if set := s.byValue[vh]; set != nil {
			delete(set, th)
			if len(set) == 0 {
				delete(s.byValue, vh)
			}
		}
		if r.Convergent && s.conv[vh] == th {
			delete(s.conv, vh)
		}
	}
	return true
}

// PutConvergent implements vault.Store.
func (s *Store) PutConvergent(ctx context.Context, r vault.Record) (vault.Record, bool, error) {
	if err := ctx.Err(); err != nil {
		return vault.Record{}, false, err
	}
	n, err := rec.Prepare(r)
	if err != nil {
		return vault.Record{}, false, err
	}
	if !n.Convergent {
		return vault.Record{}, false, fmt.Errorf("%w: PutConvergent of a record without the Convergent flag", vault.ErrInvalidRecord)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	stored, created, _, err := s.putConvergentLocked(n)
	if err != nil {
		return vault.Record{}, false, err
	}
	return rec.Clone(stored), created, nil
}

// putConvergentLocked is PutConvergent of the normalized convergent record
// n; dead is the expired record it replaced, if any.
func (s *Store) putConvergentLocked(n vault.Record) (stored vault.Record, created bool, dead *vault.Record, err error) {
	th := string(n.TokenHash)
	deadTH := ""
	if cth, ok := s.conv[string(n.ValueHash)]; ok {
		old := s.recs[cth]
		if !old.Expired(n.CreatedAt) {
			return old, false, nil, nil
		}
		deadTH = cth
	}
	if _, ok := s.recs[th]; ok && th != deadTH {
		return vault.Record{}, false, nil, fmt.Errorf("%w: token hash taken", vault.ErrExists)
	}
	if deadTH != "" {
		old := s.recs[deadTH]
		dead = &old
		s.removeLocked(deadTH)
	}
	if _, err := s.putLocked(n); err != nil {
		if dead != nil {
			_, _ = s.putLocked(*dead)
		}
		return vault.Record{}, false, nil, err
	}
	return n, true, dead, nil
}

// PutConvergentBatch implements vault.Store.
func (s *Store) PutConvergentBatch(ctx context.Context, recs []vault.Record) ([]vault.Record, []bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	ns, err := rec.PrepareConvergentBatch(recs)
	if err != nil {
		return nil, nil, err
	}
	stored := make([]vault.Record, len(ns))
	created := make([]bool, len(ns))
	s.mu.Lock()
	defer s.mu.Unlock()
	var inserted []string
	var removed []vault.Record
	for i, n := range ns {
		st, c, dead, err := s.putConvergentLocked(n)
		if err != nil {
			// Undo, newest first: nothing of the batch stays.
			for j := len(inserted) - 1; j >= 0; j-- {
				s.removeLocked(inserted[j])
			}
			for _, r := range removed {
				_, _ = s.putLocked(r)
			}
			return nil, nil, &vault.BatchError{Index: i, Err: err}
		}
		if c {
			inserted = append(inserted, string(n.TokenHash))
		}
		if dead != nil {
			removed = append(removed, *dead)
		}
		stored[i], created[i] = st, c
	}
	for i := range stored {
		stored[i] = rec.Clone(stored[i])
	}
	return stored, created, nil
}

// PutBatch implements vault.Store.
func (s *Store) PutBatch(ctx context.Context, recs []vault.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ns, err := rec.PrepareBatch(recs)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var done []string
	for i, n := range ns {
		inserted, err := s.putLocked(n)
		if err != nil {
			for _, th := range done {
				s.removeLocked(th)
			}
			return &vault.BatchError{Index: i, Err: err}
		}
		if inserted {
			done = append(done, string(n.TokenHash))
		}
	}
	return nil
}

// Get implements vault.Store.
func (s *Store) Get(ctx context.Context, tokenHash []byte) (vault.Record, error) {
	if err := ctx.Err(); err != nil {
		return vault.Record{}, err
	}
	if err := rec.CheckHash("TokenHash", tokenHash); err != nil {
		return vault.Record{}, err
	}
	s.mu.RLock()
	r, ok := s.recs[string(tokenHash)]
	s.mu.RUnlock()
	if !ok {
		return vault.Record{}, vault.ErrNotFound
	}
	return rec.Clone(r), nil
}

// GetBatch implements vault.Store.
func (s *Store) GetBatch(ctx context.Context, tokenHashes [][]byte) ([]vault.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := rec.CheckHashes(tokenHashes); err != nil {
		return nil, err
	}
	out := make([]vault.Record, len(tokenHashes))
	s.mu.RLock()
	defer s.mu.RUnlock()
	for i, th := range tokenHashes {
		if r, ok := s.recs[string(th)]; ok {
			out[i] = rec.Clone(r)
		}
	}
	return out, nil
}

// GetByValue implements vault.Store.
func (s *Store) GetByValue(ctx context.Context, valueHash []byte) (vault.Record, error) {
	if err := ctx.Err(); err != nil {
		return vault.Record{}, err
	}
	if err := rec.CheckHash("ValueHash", valueHash); err != nil {
		return vault.Record{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	th, ok := s.conv[string(valueHash)]
	if !ok {
		return vault.Record{}, vault.ErrNotFound
	}
	return rec.Clone(s.recs[th]), nil
}

// GetByValueBatch implements vault.Store.
func (s *Store) GetByValueBatch(ctx context.Context, valueHashes [][]byte) ([]vault.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := rec.CheckValueHashes(valueHashes); err != nil {
		return nil, err
	}
	out := make([]vault.Record, len(valueHashes))
	s.mu.RLock()
	defer s.mu.RUnlock()
	for i, vh := range valueHashes {
		if th, ok := s.conv[string(vh)]; ok {
			out[i] = rec.Clone(s.recs[th])
		}
	}
	return out, nil
}

// Delete implements vault.Store.
func (s *Store) Delete(ctx context.Context, tokenHash []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := rec.CheckHash("TokenHash", tokenHash); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removeLocked(string(tokenHash))
	return nil
}

// DeleteByValue implements vault.Store.
func (s *Store) DeleteByValue(ctx context.Context, valueHash []byte) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := rec.CheckHash("ValueHash", valueHash); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	set := s.byValue[string(valueHash)]
	n := 0
	for th := range set {
		if s.removeLocked(th) {
			n++
		}
	}
	return n, nil
}

// DeleteExpired implements vault.Store.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := rec.CheckLimit(limit); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for th, r := range s.recs {
		if n == limit {
			break
		}
		if r.Expired(now) {
			s.removeLocked(th)
			n++
		}
	}
	return n, nil
}
