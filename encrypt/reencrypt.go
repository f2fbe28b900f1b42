package encrypt

import (
	"context"
	"errors"
	"fmt"
)

// Record is one stored ciphertext: its row (the ID bound into the
// ciphertext) and the ciphertext bytes.
type Record struct {
	Row        string
	Ciphertext []byte
}

// Source lists stored ciphertexts in a stable order by Row. Next returns up
// to limit records whose Row sorts after cursor ("" for the start), and an
// empty slice at the end.
type Source interface {
	Next(ctx context.Context, cursor string, limit int) ([]Record, error)
}

// Sink stores rewritten ciphertexts (typically an UPDATE per record in one
// transaction). It is called once per batch that has something to rewrite.
type Sink func(ctx context.Context, rewritten []Record) error

// ReencryptOptions configures [Reencrypt]. The zero value is usable.
type ReencryptOptions struct {
	// BatchSize is the number of records read per batch (default 500).
	BatchSize int
	// Cursor resumes after this Row (from a previous ReencryptStats.Cursor).
	Cursor string
	// MaxFailures stops the run after this many records fail to decrypt
	// (default 0: never stop; failures are counted and skipped).
	MaxFailures int
}

// ReencryptStats reports a [Reencrypt] run.
type ReencryptStats struct {
	Scanned   int // records read
	Rewritten int // records re-encrypted under the primary key
	Current   int // records already under the primary key
	Failed    int // records that did not decrypt (left as they are)
	// FailedRows lists up to 100 rows that failed (IDs only).
	FailedRows []string
	// Cursor is the Row of the last record of the last batch stored: pass
	// it as ReencryptOptions.Cursor to resume.
	Cursor string
}

// ErrTooManyFailures stops [Reencrypt] when MaxFailures is reached.
var ErrTooManyFailures = errors.New("encrypt: re-encryption stopped: too many records failed to decrypt")

// Reencrypt rewrites, batch by batch, the ciphertexts of field f that are
// not under its primary key (after a rotation), so that old keys can then be
// disabled and destroyed. It decrypts for re-encryption only: no plaintext
// leaves the function, and no reveal is audited. It stops at the first
// Source or Sink error or context cancellation and returns the stats so far;
// Cursor then names the last batch fully stored, so a new call with that
// cursor resumes without skipping records.
func Reencrypt(ctx context.Context, f *Field, src Source, sink Sink, opts ReencryptOptions) (ReencryptStats, error) {
	st := ReencryptStats{Cursor: opts.Cursor}
	if f == nil || src == nil || sink == nil {
		return st, fmt.Errorf("%w: re-encryption needs a field, a source and a sink", ErrInvalidParams)
	}
	batch := opts.BatchSize
	if batch <= 0 {
		batch = 500
	}
	probe, err := f.Encrypt("", nil)
	if err != nil {
		return st, err
	}
	primary, err := KeyID(probe)
	if err != nil {
		return st, err
	}
	for {
		if err := ctx.Err(); err != nil {
			return st, fmt.Errorf("encrypt: re-encryption: %w", err)
		}
		recs, err := src.Next(ctx, st.Cursor, batch)
		if err != nil {
			return st, fmt.Errorf("encrypt: re-encryption: reading after %q: %w", st.Cursor, err)
		}
		if len(recs) == 0 {
			return st, nil
		}
		var out []Record
		var b ReencryptStats
		for _, r := range recs {
			b.Scanned++
			if id, err := KeyID(r.Ciphertext); err == nil && id == primary {
				b.Current++
				continue
			}
			pt, err := f.open(r.Row, r.Ciphertext)
			if err != nil {
				b.Failed++
				b.FailedRows = append(b.FailedRows, r.Row)
				continue
			}
			ct, err := f.Encrypt(r.Row, pt)
			clear(pt)
			if err != nil {
				return st, err
			}
			out = append(out, Record{Row: r.Row, Ciphertext: ct})
		}
		if len(out) > 0 {
			if err := sink(ctx, out); err != nil {
				return st, fmt.Errorf("encrypt: re-encryption: storing batch after %q: %w", st.Cursor, err)
			}
		}
		st.Scanned += b.Scanned
		st.Current += b.Current
		st.Rewritten += len(out)
		st.Failed += b.Failed
		for _, r := range b.FailedRows {
			if len(st.FailedRows) < 100 {
				st.FailedRows = append(st.FailedRows, r)
			}
		}
		st.Cursor = recs[len(recs)-1].Row
		if opts.MaxFailures > 0 && st.Failed >= opts.MaxFailures {
			return st, ErrTooManyFailures
		}
	}
}
