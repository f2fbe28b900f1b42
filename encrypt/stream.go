package encrypt

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/custos-dev/custos/access"
	"github.com/custos-dev/custos/keys"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// Stream encrypts files and backups of any size with Tink streaming AEAD
// (AES-256-GCM-HKDF, 1 MiB segments): each segment is authenticated, so a
// reader never returns data that was not written, and truncation is
// detected at the end. It is immutable and safe for concurrent use.
//
// Streams made by [Encryptor.Stream] and [NewKeysetStream] write and read
// Tink's AES-GCM-HKDF format natively, at close to the speed of AES-GCM
// itself: a Write of a whole segment or more is encrypted straight from the
// caller's slice, io.Copy into the writer reads straight into the segment
// buffer (the writer implements io.ReaderFrom), io.Copy from the reader
// writes each opened segment without a copy (io.WriterTo), and segment
// buffers are pooled. The bytes are those Tink writes, and Tink reads them.
// Streams made by [NewStream] use the given Tink primitive as is.
type Stream struct {
	s    tink.StreamingAEAD // NewStream
	g    *gcmHKDF           // NewKeysetStream
	name string
	o    options
}

// NewStream returns a stream encryptor over s (any Tink streaming AEAD);
// name is the kind of object for audit events. For an AES-GCM-HKDF keyset,
// [NewKeysetStream] gives the same ciphertexts faster.
func NewStream(s tink.StreamingAEAD, name string, opts ...Option) (*Stream, error) {
	if s == nil || name == "" {
		return nil, fmt.Errorf("%w: stream needs a streaming AEAD and a name", ErrInvalidParams)
	}
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	return &Stream{s: s, name: name, o: o}, nil
}

// NewKeysetStream returns a stream encryptor over a streaming keyset
// (template keys.AES256GCMHKDF1MB, e.g. from keys.New or keys.Keyset.Derive);
// name is the kind of object for audit events. Writers use the primary key;
// readers open a stream under whichever enabled key it was written with, as
// Tink's keyset primitive does. The ciphertexts are those of
// NewStream(ks.StreamingAEAD()), made without Tink's per-segment copies.
func NewKeysetStream(ks *keys.Keyset, name string, opts ...Option) (*Stream, error) {
	if ks == nil || ks.Template() != keys.AES256GCMHKDF1MB || name == "" {
		return nil, fmt.Errorf("%w: stream needs an AES256_GCM_HKDF_1MB keyset and a name", ErrInvalidParams)
	}
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	if g, ok := newGCMHKDF(ks.Handle()); ok {
		return &Stream{g: g, name: name, o: o}, nil
	}
	// Keys this package does not implement natively (e.g. imported with
	// other parameters): Tink's own primitive.
	s, err := ks.StreamingAEAD()
	if err != nil {
		return nil, fmt.Errorf("encrypt: stream %s: %w", name, errNoDetail(err))
	}
	return &Stream{s: s, name: name, o: o}, nil
}

// NewWriter returns a writer that encrypts to w, bound to objectID (e.g. a
// file name or backup ID) as associated data. It writes the stream header to
// w at once. Close must be called to write the final segment; after an
// error, the writer keeps returning it and the stream must be discarded. A
// writer, like a reader, is for one goroutine at a time; the Stream itself
// is shared freely.
func (s *Stream) NewWriter(w io.Writer, objectID string) (io.WriteCloser, error) {
	if s.g != nil {
		sw, err := s.g.newWriter(w, s.ad(objectID), s.name)
		if err != nil {
			return nil, fmt.Errorf("encrypt: stream %s: %w", s.name, err)
		}
		return sw, nil
	}
	wc, err := s.s.NewEncryptingWriter(w, s.ad(objectID))
	if err != nil {
		return nil, fmt.Errorf("encrypt: stream %s: %w", s.name, errNoDetail(err))
	}
	return wc, nil
}

// NewReader returns a reader that decrypts r. Opening is a reveal: the guard
// authorizes it and records one event. Reads fail with an error wrapping
// [ErrDecrypt] at the first segment that does not authenticate (wrong key,
// wrong objectID, tampering, truncation), having returned only the
// plaintext of the segments before it, which did authenticate; a stream is
// complete only once a read returns io.EOF.
//
// Streams of [NewKeysetStream] read the header from r here (an error
// wrapping [ErrDecrypt] if it is malformed or short), and reads fail
// with other errors, wrapped, when r itself fails.
func (s *Stream) NewReader(ctx context.Context, r io.Reader, objectID string) (io.Reader, error) {
	req := access.Request{Action: access.ActionDecrypt, Resource: s.name, Subject: objectID}
	if err := s.o.guard.Authorize(ctx, req); err != nil {
		s.o.guard.Record(ctx, req, err)
		return nil, err
	}
	if s.g != nil {
		sr, err := s.g.newReader(r, s.ad(objectID), s.name)
		switch {
		case errors.Is(err, errHeader):
			err = fmt.Errorf("%w: stream %s: header does not open", ErrDecrypt, s.name)
		case err != nil:
			err = fmt.Errorf("encrypt: stream %s: reading header: %w", s.name, err)
		}
		s.o.guard.Record(ctx, req, err)
		if err != nil {
			return nil, err
		}
		return sr, nil
	}
	dr, err := s.s.NewDecryptingReader(r, s.ad(objectID))
	if err != nil {
		err = fmt.Errorf("%w: stream %s: header does not open", ErrDecrypt, s.name)
		s.o.guard.Record(ctx, req, err)
		return nil, err
	}
	s.o.guard.Record(ctx, req, nil)
	return &streamReader{r: dr, name: s.name}, nil
}

func (s *Stream) ad(objectID string) []byte {
	return append(contextPrefix("stream/v1", s.name, ""), objectID...)
}

type streamReader struct {
	r    io.Reader
	name string
}

func (r *streamReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		return n, fmt.Errorf("%w: stream %s: segment does not open", ErrDecrypt, r.name)
	}
	return n, err
}
