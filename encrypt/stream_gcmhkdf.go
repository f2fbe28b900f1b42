package encrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"sync"

	"github.com/tink-crypto/tink-go/v2/insecuresecretdataaccess"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/streamingaead/aesgcmhkdf"
)

// This file writes and reads Tink's AES-GCM-HKDF streaming format
// (https://developers.google.com/tink/streaming-aead/aes_gcm_hkdf_streaming)
// without Tink's segment copies, so that a stream costs little more than
// AES-GCM itself. The bytes are exactly those of Tink's writer, and Tink
// reads them (TestStreamTinkInterop proves both).
//
// A ciphertext is header || segment_0 || ... || segment_n:
//   - header: its length (1 byte, 1 + keySize + 7), a random salt (keySize
//     bytes) and a random nonce prefix (7 bytes);
//   - the stream key is HKDF(hash, ikm = key, salt, info = associated data),
//     keySize bytes, used with AES-GCM (12-byte nonce, 16-byte tag) and no
//     per-segment associated data;
//   - the nonce of segment i is prefix || uint32be(i) || last, where last is
//     1 for the final segment only;
//   - every ciphertext segment is segSize bytes except the last, which is
//     shorter or equal; segment_0 is headerLen bytes shorter, so the header
//     and segment_0 fill one segment. A stream that ends on a segment
//     boundary ends with a full segment marked last (never with an empty
//     one), and an empty stream is one empty segment marked last.

const (
	gcmNonceSize  = 12
	gcmPrefixSize = 7
	gcmTagSize    = 16
)

// stdSegmentBufs pools the segment buffers of the standard 1 MiB segment
// size (keys.AES256GCMHKDF1MB) across streams, so that a Stream made per
// backup still reuses them. It holds no state that changes behaviour; a
// buffer returned to it holds ciphertext only, or was cleared.
var stdSegmentBufs = sync.Pool{New: func() any { b := make([]byte, 1<<20+1); return &b }}

// gcmHKDF is one AES-GCM-HKDF streaming keyset: its enabled keys (primary
// first) and their common parameters. It is immutable.
type gcmHKDF struct {
	ikms    [][]byte // input keying material of each enabled key, primary first
	hash    func() hash.Hash
	keySize int // derived AES key size, also the salt size
	segSize int // ciphertext segment size
	bufs    *sync.Pool
}

// newGCMHKDF returns the native implementation of the keyset h, or false if
// some enabled key is not an AES-GCM-HKDF key, uses a hash other than
// SHA-256 or SHA-512, or differs from the primary in parameters (the caller
// then falls back to Tink's own primitive).
func newGCMHKDF(h *keyset.Handle) (*gcmHKDF, bool) {
	g := &gcmHKDF{}
	var ikms [][]byte
	var primary []byte
	var params *aesgcmhkdf.Parameters
	for i := range h.Len() {
		e, err := h.Entry(i)
		if err != nil {
			return nil, false
		}
		if e.KeyStatus() != keyset.Enabled {
			continue
		}
		k, ok := e.Key().(*aesgcmhkdf.Key)
		if !ok {
			return nil, false
		}
		p := k.Parameters().(*aesgcmhkdf.Parameters)
		if params == nil {
			params = p
		} else if p.DerivedKeySizeInBytes() != params.DerivedKeySizeInBytes() ||
			p.HKDFHashType() != params.HKDFHashType() ||
			p.SegmentSizeInBytes() != params.SegmentSizeInBytes() {
			return nil, false
		}
		ikm := append([]byte(nil), k.KeyBytes().Data(insecuresecretdataaccess.Token{})...)
		if e.IsPrimary() {
			primary = ikm
		} else {
			ikms = append(ikms, ikm)
		}
	}
	if primary == nil {
		return nil, false
	}
	g.ikms = append([][]byte{primary}, ikms...)
	switch params.HKDFHashType() {
	case aesgcmhkdf.SHA256:
		g.hash = sha256.New
	case aesgcmhkdf.SHA512:
		g.hash = sha512.New
	default:
		return nil, false
	}
	g.keySize = params.DerivedKeySizeInBytes()
	g.segSize = int(params.SegmentSizeInBytes())
	if g.segSize < g.headerLen()+gcmTagSize+1 {
		return nil, false // Tink's parameters refuse this already
	}
	if g.segSize == 1<<20 {
		g.bufs = &stdSegmentBufs
	} else {
		n := g.segSize + 1
		g.bufs = &sync.Pool{New: func() any { b := make([]byte, n); return &b }}
	}
	return g, true
}

func (g *gcmHKDF) headerLen() int { return 1 + g.keySize + gcmPrefixSize }

// ptLimit is the plaintext size of every segment but the last.
func (g *gcmHKDF) ptLimit(seg uint32) int {
	n := g.segSize - gcmTagSize
	if seg == 0 {
		n -= g.headerLen()
	}
	return n
}

// getBuf returns a buffer of segSize+1 bytes: a ciphertext segment and the
// one byte a reader reads ahead to tell the last segment.
func (g *gcmHKDF) getBuf() *[]byte { return g.bufs.Get().(*[]byte) }

func (g *gcmHKDF) putBuf(b *[]byte) { g.bufs.Put(b) }

// streamAEAD returns AES-GCM under the stream key HKDF(ikm, salt, ad).
func (g *gcmHKDF) streamAEAD(ikm, salt, ad []byte) (cipher.AEAD, error) {
	key, err := hkdf.Key(g.hash, ikm, salt, string(ad), g.keySize)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func setNonce(nonce *[gcmNonceSize]byte, seg uint32, last bool) {
	binary.BigEndian.PutUint32(nonce[gcmPrefixSize:], seg)
	nonce[gcmNonceSize-1] = 0
	if last {
		nonce[gcmNonceSize-1] = 1
	}
}

// gcmWriter encrypts a stream. Plaintext of a segment is gathered in buf and
// sealed in place; a Write of at least one whole segment is sealed straight
// from the caller's slice, and ReadFrom reads straight into buf, so data is
// copied at most once, and not at all for large writes. A full segment is
// held back until more data comes, because only Close knows which segment
// is the last.
type gcmWriter struct {
	w      io.Writer
	g      *gcmHKDF
	name   string
	aead   cipher.AEAD
	nonce  [gcmNonceSize]byte
	seg    uint32  // number of the next segment
	buf    *[]byte // pooled; nil once closed
	n      int     // plaintext bytes held in *buf
	err    error   // first failure, returned by every later call
	closed bool
}

var errWriteAfterClose = errors.New("write after Close")

func (g *gcmHKDF) newWriter(w io.Writer, ad []byte, name string) (*gcmWriter, error) {
	hdr := make([]byte, g.headerLen())
	hdr[0] = byte(len(hdr))
	salt, prefix := hdr[1:1+g.keySize], hdr[1+g.keySize:]
	// Salt first, then prefix, as Tink draws them.
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	if _, err := rand.Read(prefix); err != nil {
		return nil, err
	}
	a, err := g.streamAEAD(g.ikms[0], salt, ad)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(hdr); err != nil {
		return nil, fmt.Errorf("writing header: %w", err)
	}
	sw := &gcmWriter{w: w, g: g, name: name, aead: a, buf: g.getBuf()}
	copy(sw.nonce[:], prefix)
	return sw, nil
}

// seal encrypts pt (either (*w.buf)[:lim], in place, or the caller's slice)
// into *w.buf as segment w.seg and writes it out.
func (w *gcmWriter) seal(pt []byte, last bool) error {
	if w.seg == math.MaxUint32 {
		return fmt.Errorf("%w: stream %s: more than %d segments", ErrInvalidInput, w.name, uint32(math.MaxUint32))
	}
	setNonce(&w.nonce, w.seg, last)
	ct := w.aead.Seal((*w.buf)[:0], w.nonce[:], pt, nil)
	if n, err := w.w.Write(ct); err != nil || n != len(ct) {
		if err == nil {
			err = io.ErrShortWrite
		}
		return fmt.Errorf("encrypt: stream %s: writing segment %d: %w", w.name, w.seg, err)
	}
	w.seg++
	return nil
}

func (w *gcmWriter) check() error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return fmt.Errorf("%w: stream %s: %w", ErrInvalidInput, w.name, errWriteAfterClose)
	}
	return nil
}

// fail records err and drops the buffer, which may hold plaintext.
func (w *gcmWriter) fail(err error) error {
	w.err = err
	if w.buf != nil {
		clear(*w.buf)
		w.g.putBuf(w.buf)
		w.buf = nil
	}
	return err
}

// Write encrypts p. It never keeps p.
func (w *gcmWriter) Write(p []byte) (int, error) {
	if err := w.check(); err != nil {
		return 0, err
	}
	total := 0
	for len(p) > 0 {
		lim := w.g.ptLimit(w.seg)
		switch {
		case w.n == lim: // a held segment, and more data: not the last
			if err := w.seal((*w.buf)[:lim], false); err != nil {
				return total, w.fail(err)
			}
			w.n = 0
		case w.n == 0 && len(p) > lim: // a whole segment, and more after it
			if err := w.seal(p[:lim], false); err != nil {
				return total, w.fail(err)
			}
			p = p[lim:]
			total += lim
		default:
			c := copy((*w.buf)[w.n:lim], p)
			w.n += c
			p = p[c:]
			total += c
		}
	}
	return total, nil
}

// ReadFrom encrypts everything r yields until io.EOF, reading straight into
// the segment buffer (io.Copy uses it). An error from r is returned as is;
// what was read before it is kept and sealed by later calls.
func (w *gcmWriter) ReadFrom(r io.Reader) (int64, error) {
	if err := w.check(); err != nil {
		return 0, err
	}
	var total int64
	for {
		lim := w.g.ptLimit(w.seg)
		buf := *w.buf
		// One byte past the segment tells whether it is the last.
		end := min(lim+1, w.n+readChunk)
		m, err := r.Read(buf[w.n:end])
		if m < 0 || m > end-w.n {
			return total, w.fail(fmt.Errorf("%w: stream %s: %w", ErrInvalidInput, w.name, errBadCount))
		}
		w.n += m
		total += int64(m)
		if w.n > lim {
			next := buf[lim]
			if err := w.seal(buf[:lim], false); err != nil {
				return total, w.fail(err)
			}
			buf[0] = next
			w.n = 1
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// Close seals the last segment. Calling it again returns the first result.
func (w *gcmWriter) Close() error {
	if w.err != nil || w.closed {
		return w.err
	}
	if err := w.seal((*w.buf)[:w.n], true); err != nil {
		return w.fail(err)
	}
	w.closed = true
	// Every plaintext byte in the buffer has been sealed over in place.
	w.g.putBuf(w.buf)
	w.buf = nil
	return nil
}

// readChunk bounds each read into a segment buffer. The runtime copies 1 MiB
// or more with non-temporal stores, which leave the buffer out of the cache
// just before AES-GCM reads it again: a 1 MiB read from a bytes.Reader into
// the buffer made a stream reader twice as slow as AES-GCM.
const readChunk = 256 << 10

// readFull is io.ReadFull in reads of at most readChunk bytes.
func readFull(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:min(len(buf), n+readChunk)])
		if m < 0 || m > min(len(buf)-n, readChunk) {
			return n, errBadCount
		}
		n += m
		if err == io.EOF {
			if n == 0 {
				return 0, io.EOF
			}
			if n < len(buf) {
				return n, io.ErrUnexpectedEOF
			}
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

var errBadCount = errors.New("source reader returned a bad count")

// gcmReader decrypts a stream: each segment is read into buf and opened in
// place (or straight into the caller's slice when it is large enough).
// WriteTo (used by io.Copy) hands the opened segment to the destination
// without a copy.
type gcmReader struct {
	r        io.Reader
	g        *gcmHKDF
	name     string
	aeads    []cipher.AEAD // candidate keys, until segment 0 opens under one
	aead     cipher.AEAD
	nonce    [gcmNonceSize]byte
	seg      uint32  // number of the next segment
	buf      *[]byte // pooled; nil once done
	pt       []byte  // opened plaintext not yet returned, inside *buf
	dirty    int     // length of *buf that may hold plaintext
	carry    byte    // first byte of the next segment, read ahead
	hasCarry bool
	last     bool  // the last segment has been read
	err      error // first failure, returned by every later call
}

// errHeader reports a stream header that does not parse. (Whether the key
// is right shows only at the first segment.)
var errHeader = errors.New("bad header")

func (g *gcmHKDF) newReader(r io.Reader, ad []byte, name string) (*gcmReader, error) {
	hdr := make([]byte, g.headerLen())
	if _, err := io.ReadFull(r, hdr[:1]); err != nil {
		return nil, headerErr(err)
	}
	if int(hdr[0]) != len(hdr) {
		return nil, errHeader
	}
	if _, err := io.ReadFull(r, hdr[1:]); err != nil {
		return nil, headerErr(err)
	}
	salt, prefix := hdr[1:1+g.keySize], hdr[1+g.keySize:]
	sr := &gcmReader{r: r, g: g, name: name}
	for _, ikm := range g.ikms {
		a, err := g.streamAEAD(ikm, salt, ad)
		if err != nil {
			return nil, err
		}
		sr.aeads = append(sr.aeads, a)
	}
	copy(sr.nonce[:], prefix)
	sr.buf = g.getBuf()
	return sr, nil
}

func headerErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errHeader
	}
	return err
}

func (r *gcmReader) corrupt() error {
	return fmt.Errorf("%w: stream %s: segment %d does not open", ErrDecrypt, r.name, r.seg)
}

// next reads and opens the next segment. If out holds the whole plaintext it
// is opened there and its length returned; otherwise it is opened in place
// into r.pt.
func (r *gcmReader) next(out []byte) (int, error) {
	buf := *r.buf
	lim := r.g.segSize + 1
	if r.seg == 0 {
		lim -= r.g.headerLen()
	}
	start := 0
	if r.hasCarry {
		buf[0] = r.carry
		start = 1
	}
	m, err := readFull(r.r, buf[start:lim])
	n := start + m
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		r.last = true
	case err != nil:
		return 0, fmt.Errorf("encrypt: stream %s: reading segment %d: %w", r.name, r.seg, err)
	default:
		n--
		r.carry, r.hasCarry = buf[n], true
	}
	if n < gcmTagSize || r.seg == math.MaxUint32 {
		return 0, r.corrupt()
	}
	setNonce(&r.nonce, r.seg, r.last)
	ct := buf[:n]
	if r.aead == nil {
		return 0, r.pick(ct)
	}
	if ptLen := n - gcmTagSize; len(out) >= ptLen && ptLen > 0 {
		if _, err := r.aead.Open(out[:0], r.nonce[:], ct, nil); err != nil {
			clear(out[:ptLen])
			return 0, r.corrupt()
		}
		r.seg++
		return ptLen, nil
	}
	pt, err := r.aead.Open(buf[:0], r.nonce[:], ct, nil)
	if err != nil {
		return 0, r.corrupt()
	}
	r.pt = pt
	r.dirty = max(r.dirty, len(pt))
	r.seg++
	return 0, nil
}

// pick opens segment 0 under each candidate key, primary first, and keeps
// the key that opens it (as Tink's keyset reader does).
func (r *gcmReader) pick(ct []byte) error {
	ptLen := len(ct) - gcmTagSize
	if len(r.aeads) == 1 {
		pt, err := r.aeads[0].Open(ct[:0], r.nonce[:], ct, nil)
		if err != nil {
			return r.corrupt()
		}
		r.aead, r.aeads, r.pt = r.aeads[0], nil, pt
		r.dirty = ptLen
		r.seg++
		return nil
	}
	scratch := r.g.getBuf()
	for _, a := range r.aeads {
		pt, err := a.Open((*scratch)[:0], r.nonce[:], ct, nil)
		if err != nil {
			clear((*scratch)[:ptLen])
			continue
		}
		// The ciphertext buffer holds no plaintext: swap and return it.
		r.g.putBuf(r.buf)
		r.buf = scratch
		r.aead, r.aeads, r.pt = a, nil, pt
		r.dirty = ptLen
		r.seg++
		return nil
	}
	r.g.putBuf(scratch)
	return r.corrupt()
}

// release clears the plaintext left in the buffer and returns it.
func (r *gcmReader) release() {
	if r.buf != nil {
		clear((*r.buf)[:r.dirty])
		r.g.putBuf(r.buf)
		r.buf, r.pt, r.dirty = nil, nil, 0
	}
}

func (r *gcmReader) fail(err error) error {
	r.err = err
	r.release()
	return err
}

// Read returns plaintext of segments that authenticated; it fails at the
// first segment that does not, and returns nothing of that segment.
func (r *gcmReader) Read(p []byte) (int, error) {
	for len(r.pt) == 0 {
		switch {
		case r.err != nil:
			return 0, r.err
		case r.last:
			r.release()
			return 0, io.EOF
		case len(p) == 0:
			return 0, nil
		}
		n, err := r.next(p)
		if err != nil {
			return 0, r.fail(err)
		}
		if n > 0 {
			return n, nil
		}
	}
	n := copy(p, r.pt)
	r.pt = r.pt[n:]
	if len(r.pt) == 0 && r.last {
		r.release()
	}
	return n, nil
}

// WriteTo writes the whole plaintext to w, one opened segment per Write,
// and stops at the first segment that does not authenticate.
func (r *gcmReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if len(r.pt) > 0 {
			m, err := w.Write(r.pt)
			if m < 0 || m > len(r.pt) {
				m, err = 0, io.ErrShortWrite
			}
			total += int64(m)
			r.pt = r.pt[m:]
			if err == nil && len(r.pt) > 0 {
				err = io.ErrShortWrite
			}
			if err != nil {
				return total, err
			}
			continue
		}
		switch {
		case r.err != nil:
			return total, r.err
		case r.last:
			r.release()
			return total, nil
		}
		if _, err := r.next(nil); err != nil {
			return total, r.fail(err)
		}
	}
}
