package encrypt

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"testing"
	"testing/cryptotest"

	"github.com/custos-dev/custos/access"
	"github.com/custos-dev/custos/keys"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tink-crypto/tink-go/v2/insecuresecretdataaccess"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/secretdata"
	"github.com/tink-crypto/tink-go/v2/streamingaead"
	"github.com/tink-crypto/tink-go/v2/streamingaead/aesgcmhkdf"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// gcmParams are AES-GCM-HKDF streaming parameters. Tiny segments make
// streams of many segments cheap to test; the format is the same.
type gcmParams struct {
	name             string
	keySize, derived int
	hash             aesgcmhkdf.HashType
	seg              int32
}

var (
	std1MiB      = gcmParams{"AES256_GCM_HKDF_1MB", 32, 32, aesgcmhkdf.SHA256, 1 << 20}
	tinySeg      = gcmParams{"AES256-seg57", 32, 32, aesgcmhkdf.SHA256, 57} // smallest Tink allows: 1-byte first segment
	smallSeg     = gcmParams{"AES256-seg100", 32, 32, aesgcmhkdf.SHA256, 100}
	aes128       = gcmParams{"AES128-SHA512-seg4096", 16, 16, aesgcmhkdf.SHA512, 4096}
	aes128IKM256 = gcmParams{"ikm32-AES128-seg200", 32, 16, aesgcmhkdf.SHA256, 200}
)

// first and seg are the plaintext sizes of segment 0 and of the others,
// computed from the format description (not from the code under test).
func (p gcmParams) first() int { return int(p.seg) - 16 - (1 + p.derived + 7) }
func (p gcmParams) rest() int  { return int(p.seg) - 16 }

// gcmKeyset returns a keyset of n fresh keys with parameters p; the key at
// index primary is the primary, those in disabled are disabled.
func gcmKeyset(t testing.TB, p gcmParams, n, primary int, disabled ...int) *keyset.Handle {
	t.Helper()
	params, err := aesgcmhkdf.NewParameters(aesgcmhkdf.ParametersOpts{
		KeySizeInBytes: p.keySize, DerivedKeySizeInBytes: p.derived, HKDFHashType: p.hash, SegmentSizeInBytes: p.seg,
	})
	require.NoError(t, err)
	m := keyset.NewManager()
	var ids []uint32
	for range n {
		b := make([]byte, p.keySize)
		_, _ = rand.Read(b)
		k, err := aesgcmhkdf.NewKey(params, secretdata.NewBytesFromData(b, insecuresecretdataaccess.Token{}))
		require.NoError(t, err)
		id, err := m.AddKey(k)
		require.NoError(t, err)
		ids = append(ids, id)
	}
	require.NoError(t, m.SetPrimary(ids[primary]))
	for _, i := range disabled {
		require.NoError(t, m.Disable(ids[i]))
	}
	h, err := m.Handle()
	require.NoError(t, err)
	return h
}

// subHandle returns a keyset holding only key i of h, as primary: Tink's
// primitive for that one key.
func subHandle(t testing.TB, h *keyset.Handle, i int) tink.StreamingAEAD {
	t.Helper()
	e, err := h.Entry(i)
	require.NoError(t, err)
	m := keyset.NewManager()
	id, err := m.AddKey(e.Key())
	require.NoError(t, err)
	require.NoError(t, m.SetPrimary(id))
	one, err := m.Handle()
	require.NoError(t, err)
	s, err := streamingaead.New(one)
	require.NoError(t, err)
	return s
}

func nativeStream(t testing.TB, h *keyset.Handle, opts ...Option) *Stream {
	t.Helper()
	g, ok := newGCMHKDF(h)
	require.True(t, ok, "native implementation refused the keyset")
	o, err := buildOptions(opts)
	require.NoError(t, err)
	return &Stream{g: g, name: "backups", o: o}
}

func tinkStream(t testing.TB, h *keyset.Handle) tink.StreamingAEAD {
	t.Helper()
	s, err := streamingaead.New(h)
	require.NoError(t, err)
	return s
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// onlyReader hides every method but Read (so io.Copy uses the writer's
// ReadFrom) and returns at most max bytes per call, cycling through sizes.
type onlyReader struct {
	r     io.Reader
	sizes []int
	i     int
}

func (o *onlyReader) Read(p []byte) (int, error) {
	if len(o.sizes) > 0 {
		n := o.sizes[o.i%len(o.sizes)]
		o.i++
		p = p[:min(len(p), n)]
	}
	return o.r.Read(p)
}

// writePatterns write data through w in different ways; every one must give
// the same bytes as Tink's writer.
func writePatterns(p gcmParams) []struct {
	name  string
	write func(w io.WriteCloser, data []byte) error
} {
	f, s := p.first(), p.rest()
	chunks := []int{1, 7, f - 1, f, s + 1, s - 1, 2*s + 3, s, 13}
	return []struct {
		name  string
		write func(w io.WriteCloser, data []byte) error
	}{
		{"one Write", func(w io.WriteCloser, data []byte) error {
			_, err := w.Write(data)
			return err
		}},
		{"Write in chunks", func(w io.WriteCloser, data []byte) error {
			for i := 0; len(data) > 0; i++ {
				n := min(len(data), max(chunks[i%len(chunks)], 1))
				if m, err := w.Write(data[:n]); err != nil || m != n {
					return fmt.Errorf("wrote %d of %d: %v", m, n, err)
				}
				data = data[n:]
			}
			return nil
		}},
		{"io.Copy (ReadFrom), short reads", func(w io.WriteCloser, data []byte) error {
			n, err := io.Copy(w, &onlyReader{r: bytes.NewReader(data), sizes: chunks})
			if err == nil && n != int64(len(data)) {
				err = fmt.Errorf("copied %d of %d", n, len(data))
			}
			return err
		}},
		{"io.Copy (ReadFrom), whole reads", func(w io.WriteCloser, data []byte) error {
			_, err := io.Copy(w, &onlyReader{r: bytes.NewReader(data)})
			return err
		}},
		{"Write, ReadFrom, Write", func(w io.WriteCloser, data []byte) error {
			a, b := len(data)/3, 2*len(data)/3
			if _, err := w.Write(data[:a]); err != nil {
				return err
			}
			if _, err := w.(io.ReaderFrom).ReadFrom(&onlyReader{r: bytes.NewReader(data[a:b]), sizes: []int{s}}); err != nil {
				return err
			}
			_, err := w.Write(data[b:])
			return err
		}},
	}
}

// readPatterns read a whole stream in different ways.
func readPatterns(p gcmParams) []struct {
	name string
	read func(r io.Reader) ([]byte, error)
} {
	return []struct {
		name string
		read func(r io.Reader) ([]byte, error)
	}{
		{"io.ReadAll", io.ReadAll},
		{"io.Copy (WriteTo)", func(r io.Reader) ([]byte, error) {
			var b bytes.Buffer
			_, err := io.Copy(&b, r)
			return b.Bytes(), err
		}},
		{"Read into large buffers", func(r io.Reader) ([]byte, error) {
			var out []byte
			buf := make([]byte, 2*int(p.seg))
			for {
				n, err := r.Read(buf)
				out = append(out, buf[:n]...)
				if err == io.EOF {
					return out, nil
				}
				if err != nil {
					return out, err
				}
			}
		}},
		{"Read in odd sizes", func(r io.Reader) ([]byte, error) {
			var out []byte
			sizes := []int{1, 3, p.rest() - 1, p.rest(), p.rest() + 5, 17}
			for i := 0; ; i++ {
				buf := make([]byte, sizes[i%len(sizes)])
				n, err := r.Read(buf)
				out = append(out, buf[:n]...)
				if err == io.EOF {
					return out, nil
				}
				if err != nil {
					return out, err
				}
			}
		}},
	}
}

// streamSizes are the plaintext lengths around every segment boundary.
func streamSizes(p gcmParams) []int {
	f, s := p.first(), p.rest()
	sizes := []int{0, 1, f - 1, f, f + 1, f + s - 1, f + s, f + s + 1, f + 3*s, f + 3*s + 7}
	if p.seg < 1<<16 {
		sizes = append(sizes, f+40*s+s/2)
	}
	return sizes
}

func tinkEncrypt(t testing.TB, s tink.StreamingAEAD, data, ad []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := s.NewEncryptingWriter(&buf, ad)
	require.NoError(t, err)
	_, err = w.Write(data)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func tinkDecrypt(s tink.StreamingAEAD, ct, ad []byte) ([]byte, error) {
	r, err := s.NewDecryptingReader(bytes.NewReader(ct), ad)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// TestStreamTinkInterop proves the native writer and reader speak Tink's
// format: with the same random source, the native writer produces exactly
// Tink's bytes, whatever the write pattern and size; Tink reads what the
// native writer wrote, and the native reader reads what Tink wrote.
func TestStreamTinkInterop(t *testing.T) {
	for _, p := range []gcmParams{std1MiB, tinySeg, smallSeg, aes128, aes128IKM256} {
		t.Run(p.name, func(t *testing.T) {
			h := gcmKeyset(t, p, 1, 0)
			ts := tinkStream(t, h)
			s := nativeStream(t, h)
			const id = "backup-2026-11-21"
			ad := s.ad(id)
			for _, n := range streamSizes(p) {
				data := randBytes(n)
				// Tink's writer, then the native one, each from seed n.
				cryptotest.SetGlobalRandom(t, uint64(n))
				want := tinkEncrypt(t, ts, data, ad)
				// Independent check of the length: header, plaintext,
				// one tag per segment (at least one segment).
				segs := 1
				if n > p.first() {
					segs = 1 + (n-p.first()+p.rest()-1)/p.rest()
				}
				require.Len(t, want, 1+p.derived+7+n+16*segs)
				require.Equal(t, byte(1+p.derived+7), want[0])
				for _, wp := range writePatterns(p) {
					cryptotest.SetGlobalRandom(t, uint64(n))
					var buf bytes.Buffer
					w, err := s.NewWriter(&buf, id)
					require.NoError(t, err)
					require.NoError(t, wp.write(w, data), "%s, %d bytes", wp.name, n)
					require.NoError(t, w.Close())
					require.True(t, bytes.Equal(want, buf.Bytes()), "%s, %d bytes: not Tink's bytes", wp.name, n)
				}
				// Fresh randomness: Tink reads ours, we read Tink's.
				rawDecrypt := func(ct []byte) []byte { got, err := tinkDecrypt(ts, ct, ad); require.NoError(t, err); return got }
				var ours bytes.Buffer
				w, err := s.NewWriter(&ours, id)
				require.NoError(t, err)
				_, err = w.Write(data)
				require.NoError(t, err)
				require.NoError(t, w.Close())
				assert.True(t, bytes.Equal(data, rawDecrypt(ours.Bytes())), "Tink reads ours, %d bytes", n)
				theirs := tinkEncrypt(t, ts, data, ad)
				for _, rp := range readPatterns(p) {
					if rp.name == "Read in odd sizes" && n > 1<<16 {
						continue
					}
					r, err := s.NewReader(ctx, bytes.NewReader(theirs), id)
					require.NoError(t, err)
					got, err := rp.read(r)
					require.NoError(t, err, "%s, %d bytes", rp.name, n)
					assert.True(t, bytes.Equal(data, got), "%s, %d bytes", rp.name, n)
				}
			}
		})
	}
}

// TestStreamKeyset: writers use the primary; readers open streams of any
// enabled key, in any keyset order, and refuse disabled keys.
func TestStreamKeyset(t *testing.T) {
	h := gcmKeyset(t, smallSeg, 3, 1, 2)
	s := nativeStream(t, h)
	ad := s.ad("obj")
	data := randBytes(5 * smallSeg.rest())
	read := func(ct []byte) ([]byte, error) {
		r, err := s.NewReader(ctx, bytes.NewReader(ct), "obj")
		if err != nil {
			return nil, err
		}
		return io.ReadAll(r)
	}
	for i, enabled := range []bool{true, true, false} {
		ct := tinkEncrypt(t, subHandle(t, h, i), data, ad)
		got, err := read(ct)
		if enabled {
			require.NoError(t, err, "key %d", i)
			assert.True(t, bytes.Equal(data, got), "key %d", i)
		} else {
			assert.ErrorIs(t, err, ErrDecrypt, "disabled key %d", i)
			assert.Empty(t, got)
		}
	}
	var buf bytes.Buffer
	w, err := s.NewWriter(&buf, "obj")
	require.NoError(t, err)
	_, err = w.Write(data)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	got, err := tinkDecrypt(subHandle(t, h, 1), buf.Bytes(), ad)
	require.NoError(t, err, "written under the primary")
	assert.True(t, bytes.Equal(data, got))
	_, err = tinkDecrypt(subHandle(t, h, 0), buf.Bytes(), ad)
	assert.Error(t, err, "not under key 0")

	t.Run("keysets left to Tink", func(t *testing.T) {
		_, ok := newGCMHKDF(gcmKeyset(t, gcmParams{"sha1", 32, 32, aesgcmhkdf.SHA1, 100}, 1, 0))
		assert.False(t, ok, "HKDF-SHA1")
		mixed := gcmKeyset(t, smallSeg, 1, 0)
		m := keyset.NewManagerFromHandle(mixed)
		other, err := gcmKeyset(t, tinySeg, 1, 0).Entry(0)
		require.NoError(t, err)
		_, err = m.AddKey(other.Key())
		require.NoError(t, err)
		mixed, err = m.Handle()
		require.NoError(t, err)
		_, ok = newGCMHKDF(mixed)
		assert.False(t, ok, "two segment sizes")
	})
	t.Run("keys.Keyset rotation", func(t *testing.T) {
		ks, err := keys.New(keys.AES256GCMHKDF1MB)
		require.NoError(t, err)
		old, err := NewKeysetStream(ks, "backups")
		require.NoError(t, err)
		var b1 bytes.Buffer
		w, _ := old.NewWriter(&b1, "x")
		_, _ = w.Write([]byte("old data"))
		require.NoError(t, w.Close())
		ks2, id, err := ks.Add()
		require.NoError(t, err)
		ks2, err = ks2.Promote(id)
		require.NoError(t, err)
		cur, err := NewKeysetStream(ks2, "backups")
		require.NoError(t, err)
		r, err := cur.NewReader(ctx, bytes.NewReader(b1.Bytes()), "x")
		require.NoError(t, err)
		got, err := io.ReadAll(r)
		require.NoError(t, err)
		assert.Equal(t, "old data", string(got))
		// New streams are under the new primary: the old keyset cannot read them.
		var b2 bytes.Buffer
		w, _ = cur.NewWriter(&b2, "x")
		_, _ = w.Write([]byte("new data"))
		require.NoError(t, w.Close())
		r, err = old.NewReader(ctx, bytes.NewReader(b2.Bytes()), "x")
		require.NoError(t, err)
		_, err = io.ReadAll(r)
		assert.ErrorIs(t, err, ErrDecrypt)
	})
}

// segmentEnds returns the end offsets, in ct, of each ciphertext segment,
// and the plaintext length before each segment, from the format
// description.
func segmentEnds(p gcmParams, ct []byte) (ends, ptBefore []int) {
	pos, pt := 1+p.derived+7, 0
	for i := 0; ; i++ {
		size := int(p.seg)
		if i == 0 {
			size -= 1 + p.derived + 7
		}
		ptBefore = append(ptBefore, pt)
		if len(ct)-pos <= size {
			return append(ends, len(ct)), ptBefore
		}
		pos += size
		pt += size - 16
		ends = append(ends, pos)
	}
}

// TestStreamTamper: every bit flip and every truncation of a stream fails
// with ErrDecrypt, and the reader returns exactly the plaintext of the
// segments before the damaged one, never a byte of it or after it.
func TestStreamTamper(t *testing.T) {
	p := tinySeg // 1-byte first segment, 41-byte others
	h := gcmKeyset(t, p, 1, 0)
	s := nativeStream(t, h)
	data := randBytes(p.first() + 3*p.rest() + 5) // 5 segments
	var buf bytes.Buffer
	w, err := s.NewWriter(&buf, "obj")
	require.NoError(t, err)
	_, err = w.Write(data)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	ct := buf.Bytes()
	ends, before := segmentEnds(p, ct)
	require.Len(t, ends, 5)
	hdr := 1 + p.derived + 7
	segOf := func(pos int) int {
		for i, e := range ends {
			if pos < e {
				return i
			}
		}
		return len(ends)
	}
	for _, rp := range readPatterns(p) {
		read := func(ct []byte) ([]byte, error) {
			r, err := s.NewReader(ctx, bytes.NewReader(ct), "obj")
			if err != nil {
				return nil, err
			}
			return rp.read(r)
		}
		t.Run(rp.name, func(t *testing.T) {
			got, err := read(ct)
			require.NoError(t, err)
			require.True(t, bytes.Equal(data, got))
			for pos := range ct {
				for bit := range 8 {
					c := bytes.Clone(ct)
					c[pos] ^= 1 << bit
					got, err := read(c)
					require.ErrorIs(t, err, ErrDecrypt, "flip at %d.%d", pos, bit)
					want := 0 // a header flip changes the key or every nonce
					if pos >= hdr {
						want = before[segOf(pos)]
					}
					require.True(t, bytes.Equal(data[:want], got), "flip at %d: %d bytes returned, want %d", pos, len(got), want)
				}
			}
			for n := range len(ct) {
				got, err := read(ct[:n])
				require.ErrorIs(t, err, ErrDecrypt, "truncated to %d", n)
				want := 0
				if n > hdr {
					want = before[segOf(n-1)]
				}
				require.True(t, bytes.Equal(data[:want], got), "truncated to %d", n)
			}
		})
	}
	t.Run("reordered, dropped, appended", func(t *testing.T) {
		read := func(ct []byte) error {
			r, err := s.NewReader(ctx, bytes.NewReader(ct), "obj")
			if err == nil {
				_, err = io.ReadAll(r)
			}
			return err
		}
		seg := func(i int) []byte {
			if i == 0 {
				return ct[hdr:ends[0]]
			}
			return ct[ends[i-1]:ends[i]]
		}
		cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
		cases := []struct {
			name string
			ct   []byte
		}{
			{"segments 1 and 2 swapped", cat(ct[:ends[0]], seg(2), seg(1), ct[ends[2]:])},
			{"segment 2 dropped", cat(ct[:ends[1]], ct[ends[2]:])},
			{"last segment dropped", ct[:ends[3]]},
			{"segment 1 repeated", cat(ct[:ends[1]], seg(1), ct[ends[1]:])},
			{"byte appended", cat(ct, []byte{0})},
			{"other stream's header", cat(otherHeader(t, s), ct[hdr:])},
		}
		for _, c := range cases {
			assert.ErrorIs(t, read(c.ct), ErrDecrypt, c.name)
		}
	})
	t.Run("other object ID or key", func(t *testing.T) {
		r, err := s.NewReader(ctx, bytes.NewReader(ct), "obj2")
		require.NoError(t, err)
		got, err := io.ReadAll(r)
		assert.ErrorIs(t, err, ErrDecrypt)
		assert.Empty(t, got)
		r, err = nativeStream(t, gcmKeyset(t, p, 1, 0)).NewReader(ctx, bytes.NewReader(ct), "obj")
		require.NoError(t, err)
		got, err = io.ReadAll(r)
		assert.ErrorIs(t, err, ErrDecrypt)
		assert.Empty(t, got)
	})
}

// otherHeader returns the header of a new stream of s: a writer writes
// nothing else before its first segment.
func otherHeader(t *testing.T, s *Stream) []byte {
	var b bytes.Buffer
	_, err := s.NewWriter(&b, "obj")
	require.NoError(t, err)
	return b.Bytes()
}

// TestStreamSegmentLimit: as in Tink, a stream has at most 2^32-1 segments
// (the nonce counter is 32 bits); the writer refuses the next one and the
// reader refuses a stream that claims more.
func TestStreamSegmentLimit(t *testing.T) {
	p := smallSeg
	s := nativeStream(t, gcmKeyset(t, p, 1, 0))
	w, err := s.NewWriter(io.Discard, "obj")
	require.NoError(t, err)
	sw := w.(*gcmWriter)
	sw.seg = math.MaxUint32 - 1
	_, err = w.Write(make([]byte, p.rest()+1)) // seals segment 2^32-2
	require.NoError(t, err)
	require.Equal(t, uint32(math.MaxUint32), sw.seg)
	err = w.Close() // segment 2^32-1 would be the 2^32nd
	assert.ErrorIs(t, err, ErrInvalidInput)
	assert.Equal(t, err, w.Close(), "sticky")

	var buf bytes.Buffer
	w, _ = s.NewWriter(&buf, "obj")
	require.NoError(t, w.Close())
	r, err := s.NewReader(ctx, bytes.NewReader(buf.Bytes()), "obj")
	require.NoError(t, err)
	r.(*gcmReader).seg = math.MaxUint32
	_, err = io.ReadAll(r)
	assert.ErrorIs(t, err, ErrDecrypt)
}

type failWriter struct {
	n   int // bytes accepted before failing
	err error
}

func (f *failWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		return 0, f.err
	}
	f.n -= len(p)
	return len(p), nil
}

type failReader struct {
	r   io.Reader
	n   int
	err error
}

func (f *failReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, f.err
	}
	p = p[:min(len(p), f.n)]
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}

// TestStreamErrors: I/O failures are reported (wrapped, not as
// ErrDecrypt), stick, and never let a writer go on after a gap.
func TestStreamErrors(t *testing.T) {
	p := smallSeg
	s := nativeStream(t, gcmKeyset(t, p, 1, 0))
	boom := errors.New("disk full")
	t.Run("header write fails", func(t *testing.T) {
		_, err := s.NewWriter(&failWriter{n: 0, err: boom}, "obj")
		assert.ErrorIs(t, err, boom)
	})
	t.Run("segment write fails", func(t *testing.T) {
		w, err := s.NewWriter(&failWriter{n: 40 + 100, err: boom}, "obj")
		require.NoError(t, err)
		n, err := w.Write(make([]byte, p.first()+p.rest()+1)) // segment 1 fails
		assert.ErrorIs(t, err, boom)
		assert.Equal(t, p.first(), n, "segment 0 was written")
		_, err2 := w.Write([]byte("x"))
		assert.ErrorIs(t, err2, boom, "sticky")
		assert.ErrorIs(t, w.Close(), boom)
		_, err2 = w.(io.ReaderFrom).ReadFrom(bytes.NewReader([]byte("x")))
		assert.ErrorIs(t, err2, boom)
	})
	t.Run("short write", func(t *testing.T) {
		w, err := s.NewWriter(shortWriter{}, "obj")
		require.NoError(t, err)
		_, _ = w.Write([]byte("abc"))
		assert.ErrorIs(t, w.Close(), io.ErrShortWrite)
	})
	t.Run("write after Close", func(t *testing.T) {
		w, err := s.NewWriter(io.Discard, "obj")
		require.NoError(t, err)
		require.NoError(t, w.Close())
		require.NoError(t, w.Close(), "second Close")
		_, err = w.Write([]byte("x"))
		assert.ErrorIs(t, err, ErrInvalidInput)
		_, err = w.(io.ReaderFrom).ReadFrom(bytes.NewReader([]byte("x")))
		assert.ErrorIs(t, err, ErrInvalidInput)
	})
	t.Run("source fails in ReadFrom", func(t *testing.T) {
		data := randBytes(3 * p.rest())
		var buf bytes.Buffer
		w, err := s.NewWriter(&buf, "obj")
		require.NoError(t, err)
		n, err := io.Copy(w, &failReader{r: bytes.NewReader(data), n: 150, err: boom})
		assert.ErrorIs(t, err, boom)
		assert.Equal(t, int64(150), n)
		// What was read is kept: the stream can go on.
		_, err = w.Write(data[150:])
		require.NoError(t, err)
		require.NoError(t, w.Close())
		r, _ := s.NewReader(ctx, bytes.NewReader(buf.Bytes()), "obj")
		got, err := io.ReadAll(r)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(data, got))
	})
	t.Run("source fails while reading", func(t *testing.T) {
		data := randBytes(3 * p.rest())
		var buf bytes.Buffer
		w, _ := s.NewWriter(&buf, "obj")
		_, _ = w.Write(data)
		require.NoError(t, w.Close())
		for _, n := range []int{10, 200} {
			r, err := s.NewReader(ctx, &failReader{r: bytes.NewReader(buf.Bytes()), n: n, err: boom}, "obj")
			if n < 40 {
				assert.ErrorIs(t, err, boom)
				assert.NotErrorIs(t, err, ErrDecrypt)
				continue
			}
			require.NoError(t, err)
			got, err := io.ReadAll(r)
			assert.ErrorIs(t, err, boom)
			assert.NotErrorIs(t, err, ErrDecrypt)
			assert.True(t, bytes.Equal(data[:len(got)], got))
			_, err = r.Read(make([]byte, 10))
			assert.ErrorIs(t, err, boom, "sticky")
		}
	})
	t.Run("bad header", func(t *testing.T) {
		for _, ct := range [][]byte{nil, {40}, {41}, append([]byte{40}, make([]byte, 38)...)} {
			_, err := s.NewReader(ctx, bytes.NewReader(ct), "obj")
			assert.ErrorIs(t, err, ErrDecrypt, "%d bytes", len(ct))
		}
	})
	t.Run("destination fails in WriteTo", func(t *testing.T) {
		var buf bytes.Buffer
		w, _ := s.NewWriter(&buf, "obj")
		_, _ = w.Write(randBytes(3 * p.rest()))
		require.NoError(t, w.Close())
		r, _ := s.NewReader(ctx, bytes.NewReader(buf.Bytes()), "obj")
		_, err := io.Copy(&failWriter{n: 0, err: boom}, r)
		assert.ErrorIs(t, err, boom)
	})
}

// liar claims to have read more than it was asked for.
type liar struct{}

func (liar) Read(p []byte) (int, error) { return len(p) + 1, nil }

func TestStreamBadSource(t *testing.T) {
	s := nativeStream(t, gcmKeyset(t, smallSeg, 1, 0))
	w, err := s.NewWriter(io.Discard, "obj")
	require.NoError(t, err)
	_, err = io.Copy(w, liar{})
	assert.ErrorIs(t, err, ErrInvalidInput)
	assert.ErrorIs(t, w.Close(), ErrInvalidInput, "sticky")

	var buf bytes.Buffer
	w, _ = s.NewWriter(&buf, "obj")
	require.NoError(t, w.Close())
	r, err := s.NewReader(ctx, io.MultiReader(bytes.NewReader(buf.Bytes()[:40]), liar{}), "obj")
	require.NoError(t, err)
	_, err = io.ReadAll(r)
	assert.ErrorIs(t, err, errBadCount)
}

type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) / 2, nil }

// TestStreamConcurrent hammers one Stream (and its shared buffer pool) from
// many goroutines: every stream must round-trip and be readable by Tink.
func TestStreamConcurrent(t *testing.T) {
	for _, p := range []gcmParams{std1MiB, smallSeg} {
		t.Run(p.name, func(t *testing.T) {
			h := gcmKeyset(t, p, 1, 0)
			s := nativeStream(t, h)
			ts := tinkStream(t, h)
			const workers, rounds = 8, 4
			var wg sync.WaitGroup
			errs := make(chan error, workers*rounds)
			for g := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range rounds {
						id := fmt.Sprintf("obj-%d-%d", g, i)
						data := randBytes((g*rounds+i)%6*p.rest()/2 + p.first() + 1)
						var buf bytes.Buffer
						w, err := s.NewWriter(&buf, id)
						if err == nil {
							_, err = io.Copy(w, &onlyReader{r: bytes.NewReader(data)})
						}
						if err == nil {
							err = w.Close()
						}
						if err != nil {
							errs <- err
							return
						}
						r, err := s.NewReader(ctx, bytes.NewReader(buf.Bytes()), id)
						var got bytes.Buffer
						if err == nil {
							_, err = io.Copy(&got, r)
						}
						if err == nil && !bytes.Equal(data, got.Bytes()) {
							err = fmt.Errorf("%s: round trip differs", id)
						}
						if err == nil {
							var tg []byte
							tg, err = tinkDecrypt(ts, buf.Bytes(), s.ad(id))
							if err == nil && !bytes.Equal(data, tg) {
								err = fmt.Errorf("%s: Tink reads other data", id)
							}
						}
						if err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

// TestStreamAllocs pins the allocations of a whole stream: a fixed few per
// stream (header, HKDF, AES-GCM, the writer or reader), none per segment,
// and no segment buffer once the pool is warm.
func TestStreamAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	e := newEncryptor(t)
	s, err := e.Stream("backups")
	require.NoError(t, err)
	var ct bytes.Buffer
	ct.Grow(4<<20 + 1024)
	src := bytes.NewReader(nil)
	allocs := func(size int) (write, read float64) {
		data := make([]byte, size)
		write = testing.AllocsPerRun(10, func() {
			ct.Reset()
			w, _ := s.NewWriter(&ct, "b")
			_, _ = w.Write(data)
			_ = w.Close()
		})
		read = testing.AllocsPerRun(10, func() {
			src.Reset(ct.Bytes())
			r, _ := s.NewReader(ctx, src, "b")
			_, _ = io.Copy(io.Discard, r)
		})
		return write, read
	}
	w1, r1 := allocs(100)
	w4, r4 := allocs(4 << 20)
	t.Logf("allocations per stream: write %.0f (100 B) %.0f (4 MiB), read %.0f %.0f", w1, w4, r1, r4)
	assert.Equal(t, w1, w4, "writer allocations grow with the stream")
	assert.Equal(t, r1, r4, "reader allocations grow with the stream")
	assert.LessOrEqual(t, w4, 25.0, "writer allocations")
	assert.LessOrEqual(t, r4, 25.0, "reader allocations")
}

func TestStream(t *testing.T) {
	e := newEncryptor(t)
	s, err := e.Stream("backups")
	require.NoError(t, err)
	require.NotNil(t, s.g, "Encryptor.Stream uses the native implementation")
	data := make([]byte, 2<<20+12345) // three segments
	_, _ = rand.Read(data)
	var buf bytes.Buffer
	w, err := s.NewWriter(&buf, "backup-2026-11-21")
	require.NoError(t, err)
	for off := 0; off < len(data); off += 100000 {
		_, err := w.Write(data[off:min(off+100000, len(data))])
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	ct := buf.Bytes()

	r, err := s.NewReader(ctx, bytes.NewReader(ct), "backup-2026-11-21")
	require.NoError(t, err)
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(data, got))

	readAll := func(s *Stream, ct []byte, id string) ([]byte, error) {
		r, err := s.NewReader(ctx, bytes.NewReader(ct), id)
		if err != nil {
			return nil, err
		}
		return io.ReadAll(r)
	}
	t.Run("same bytes as Tink's keyset primitive", func(t *testing.T) {
		d, err := e.root.Derive(keys.AES256GCMHKDF1MB, PurposeStream, "backups")
		require.NoError(t, err)
		ts, err := d.StreamingAEAD()
		require.NoError(t, err)
		got, err := tinkDecrypt(ts, ct, s.ad("backup-2026-11-21"))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(data, got))
		// And NewStream over Tink's primitive (the path Encryptor.Stream
		// used before) reads and writes the same streams.
		old, err := NewStream(ts, "backups")
		require.NoError(t, err)
		got, err = readAll(old, ct, "backup-2026-11-21")
		require.NoError(t, err)
		assert.True(t, bytes.Equal(data, got))
		var ob bytes.Buffer
		ow, err := old.NewWriter(&ob, "backup-2026-11-21")
		require.NoError(t, err)
		_, _ = ow.Write(data)
		require.NoError(t, ow.Close())
		got, err = readAll(s, ob.Bytes(), "backup-2026-11-21")
		require.NoError(t, err)
		assert.True(t, bytes.Equal(data, got))
	})
	t.Run("other object", func(t *testing.T) {
		_, err := readAll(s, ct, "backup-other")
		assert.ErrorIs(t, err, ErrDecrypt)
	})
	t.Run("flipped bit in each segment", func(t *testing.T) {
		for _, pos := range []int{100, 1 << 20, 2<<20 + 100, len(ct) - 1} {
			c := bytes.Clone(ct)
			c[pos] ^= 1
			_, err := readAll(s, c, "backup-2026-11-21")
			assert.ErrorIs(t, err, ErrDecrypt, "pos %d", pos)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		for _, n := range []int{0, 10, 1 << 20, 2 << 20, len(ct) - 1} {
			_, err := readAll(s, ct[:n], "backup-2026-11-21")
			assert.ErrorIs(t, err, ErrDecrypt, "truncated to %d", n)
		}
	})
	t.Run("other key", func(t *testing.T) {
		s2, _ := newEncryptor(t).Stream("backups")
		_, err := readAll(s2, ct, "backup-2026-11-21")
		assert.ErrorIs(t, err, ErrDecrypt)
	})
	t.Run("guarded", func(t *testing.T) {
		rec := &recorder{}
		rbac, _ := access.NewRBAC(access.Grant{Role: "ops", Actions: []access.Action{access.ActionDecrypt}, Resources: []string{"backups"}})
		g := access.NewGuard(access.WithAuthorizer(rbac), access.WithAuditor(rec))
		gs, err := e.root.Derive(keys.AES256GCMHKDF1MB, PurposeStream, "backups")
		require.NoError(t, err)
		guarded, err := NewKeysetStream(gs, "backups", WithGuard(g))
		require.NoError(t, err)
		_, err = guarded.NewReader(ctx, bytes.NewReader(ct), "backup-2026-11-21")
		assert.ErrorIs(t, err, access.ErrDenied)
		ops := access.WithPrincipal(ctx, access.Principal{ID: "op", Roles: []string{"ops"}})
		r, err := guarded.NewReader(ops, bytes.NewReader(ct), "backup-2026-11-21")
		require.NoError(t, err)
		got, err := io.ReadAll(r)
		require.NoError(t, err)
		assert.Equal(t, len(data), len(got))
		_, err = guarded.NewReader(ops, bytes.NewReader(ct[:5]), "backup-2026-11-21")
		assert.ErrorIs(t, err, ErrDecrypt)
		require.Len(t, rec.events, 3)
		assert.Equal(t, access.OutcomeDenied, rec.events[0].Outcome)
		assert.Equal(t, access.OutcomeAllowed, rec.events[1].Outcome)
		assert.NotEqual(t, access.OutcomeAllowed, rec.events[2].Outcome, "a header that does not open is recorded as a failure")
	})
	t.Run("constructor errors", func(t *testing.T) {
		_, err := NewKeysetStream(nil, "backups")
		assert.ErrorIs(t, err, ErrInvalidParams)
		_, err = NewKeysetStream(e.root, "backups")
		assert.ErrorIs(t, err, ErrInvalidParams, "not a streaming keyset")
		d, _ := e.root.Derive(keys.AES256GCMHKDF1MB, PurposeStream, "backups")
		_, err = NewKeysetStream(d, "")
		assert.ErrorIs(t, err, ErrInvalidParams)
	})
}

// tinkStreamOf returns the stream Encryptor.Stream("backups") makes over
// root, but running on Tink's own keyset primitive (NewStream): the
// baseline of the stream benchmarks.
func tinkStreamOf(tb testing.TB, root *keys.Keyset) *Stream {
	tb.Helper()
	d, err := root.Derive(keys.AES256GCMHKDF1MB, PurposeStream, "backups")
	require.NoError(tb, err)
	ts, err := d.StreamingAEAD()
	require.NoError(tb, err)
	s, err := NewStream(ts, "backups")
	require.NoError(tb, err)
	return s
}
