package encrypt

import (
	"context"
	"fmt"
	"io"

	"github.com/custos-dev/custos/access"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// Stream encrypts files and backups of any size with Tink streaming AEAD
// (AES-256-GCM-HKDF, 1 MiB segments): each segment is authenticated, so a
// reader never returns data that was not written, and truncation is
// detected at the end. It is immutable and safe for concurrent use.
type Stream struct {
	s    tink.StreamingAEAD
	name string
	o    options
}

// NewStream returns a stream encryptor over s (e.g. from
// keys.Keyset.StreamingAEAD or DeriveStreamingAEAD); name is the kind of
// object for audit events.
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

// NewWriter returns a writer that encrypts to w, bound to objectID (e.g. a
// file name or backup ID) as associated data. Close must be called to write
// the final segment.
func (s *Stream) NewWriter(w io.Writer, objectID string) (io.WriteCloser, error) {
	wc, err := s.s.NewEncryptingWriter(w, s.ad(objectID))
	if err != nil {
		return nil, fmt.Errorf("encrypt: stream %s: %w", s.name, errNoDetail(err))
	}
	return wc, nil
}

// NewReader returns a reader that decrypts r. Opening is a reveal: the guard
// authorizes it and records one event. Reads fail with an error wrapping
// [ErrDecrypt] at the first segment that does not authenticate.
func (s *Stream) NewReader(ctx context.Context, r io.Reader, objectID string) (io.Reader, error) {
	req := access.Request{Action: access.ActionDecrypt, Resource: s.name, Subject: objectID}
	if err := s.o.guard.Authorize(ctx, req); err != nil {
		s.o.guard.Record(ctx, req, err)
		return nil, err
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
