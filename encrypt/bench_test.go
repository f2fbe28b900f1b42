package encrypt

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"strconv"
	"testing"

	"github.com/custos-dev/custos/keys"
	"github.com/tink-crypto/tink-go/v2/prf"
)

var benchSizes = []int{16, 64, 1024}

// BenchmarkFieldEncrypt compares Field.Encrypt with the bare Tink AEAD it
// wraps, called with the same associated data.
func BenchmarkFieldEncrypt(b *testing.B) {
	root := newRoot(b)
	e, _ := New(root)
	f := field(b, e, "customers", "email")
	a := tinkAEAD(b, root, domain("customers", "email"))
	ad := binary.BigEndian.AppendUint32(append([]byte(nil), f.prefix...), 6)
	ad = append(ad, "row-42"...)
	for _, n := range benchSizes {
		pt := make([]byte, n)
		b.Run("tink/"+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				if _, err := a.Encrypt(pt, ad); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("field/"+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				if _, err := f.Encrypt("row-42", pt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFieldDecrypt compares Field.Decrypt (without a guard) with the
// bare Tink AEAD.
func BenchmarkFieldDecrypt(b *testing.B) {
	root := newRoot(b)
	e, _ := New(root)
	f := field(b, e, "customers", "email")
	a := tinkAEAD(b, root, domain("customers", "email"))
	ad := binary.BigEndian.AppendUint32(append([]byte(nil), f.prefix...), 6)
	ad = append(ad, "row-42"...)
	for _, n := range benchSizes {
		ct, _ := f.Encrypt("row-42", make([]byte, n))
		b.Run("tink/"+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				if _, err := a.Decrypt(ct, ad); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("field/"+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				if _, err := f.Decrypt(ctx, "row-42", ct); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBlindIndex compares BlindIndex.Compute with a reused stdlib
// HMAC-SHA256 over the same message length, and with Tink's PRF set.
func BenchmarkBlindIndex(b *testing.B) {
	e := newEncryptor(b)
	idx, err := e.BlindIndex(IndexSpec{Table: "customers", Field: "email", Name: "email_idx", Rows: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	prfKS, _ := keys.New(keys.HMACSHA256PRF)
	tinkPRF, _ := prf.NewPRFSet(prfKS.Handle())
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	for _, n := range benchSizes {
		v := make([]byte, n)
		b.Run("hmac-reused/"+strconv.Itoa(n), func(b *testing.B) {
			h := hmac.New(sha256.New, key)
			buf := make([]byte, 0, 32)
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				h.Reset()
				h.Write(v)
				buf = h.Sum(buf[:0])
			}
		})
		b.Run("tink-prf/"+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				if _, err := tinkPRF.ComputePrimaryPRF(v, 32); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("index/"+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				if _, err := idx.Compute(v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStream compares whole 8 MiB streams (native writer and reader,
// and the same keyset on Tink's own primitive) with raw AES-256-GCM sealing
// and opening the same data in 1 MiB chunks into a reused buffer. These are
// separate benchmarks: for the targets, see the interleaved stream cases of
// BenchmarkRatio.
func BenchmarkStream(b *testing.B) {
	const size = 8 << 20
	data := make([]byte, size)
	_, _ = rand.Read(data) // written memory: a never-written slice reads the shared zero page
	root := newRoot(b)
	e, _ := New(root)
	s, err := e.Stream("backups")
	if err != nil {
		b.Fatal(err)
	}
	ts := tinkStreamOf(b, root)
	key := make([]byte, 32)
	blk, _ := aes.NewCipher(key)
	g, _ := cipher.NewGCM(blk)
	nonce := make([]byte, 12)
	b.Run("aes-gcm-seal-raw", func(b *testing.B) {
		out := make([]byte, 0, 1<<20+16)
		b.ReportAllocs()
		b.SetBytes(size)
		for b.Loop() {
			for off := 0; off < size; off += 1 << 20 {
				binary.BigEndian.PutUint32(nonce, uint32(off))
				out = g.Seal(out[:0], nonce, data[off:off+1<<20], nil)
			}
		}
	})
	write := func(b *testing.B, s *Stream, fill func(w io.Writer) error) {
		b.ReportAllocs()
		b.SetBytes(size)
		for b.Loop() {
			w, err := s.NewWriter(io.Discard, "backup-1")
			if err != nil {
				b.Fatal(err)
			}
			if err := fill(w); err != nil {
				b.Fatal(err)
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
		}
	}
	oneWrite := func(w io.Writer) error { _, err := w.Write(data); return err }
	b.Run("stream-write", func(b *testing.B) { write(b, s, oneWrite) })
	b.Run("stream-copy", func(b *testing.B) {
		write(b, s, func(w io.Writer) error {
			_, err := io.Copy(w, struct{ io.Reader }{bytes.NewReader(data)})
			return err
		})
	})
	b.Run("tink-stream-write", func(b *testing.B) { write(b, ts, oneWrite) })

	var chunks [][]byte
	for off := 0; off < size; off += 1 << 20 {
		chunks = append(chunks, g.Seal(nil, nonce, data[off:off+1<<20], nil))
	}
	b.Run("aes-gcm-open-raw", func(b *testing.B) {
		out := make([]byte, 0, 1<<20)
		b.ReportAllocs()
		b.SetBytes(size)
		for b.Loop() {
			for _, c := range chunks {
				out, _ = g.Open(out[:0], nonce, c, nil)
			}
		}
	})
	var ct bytes.Buffer
	w, _ := s.NewWriter(&ct, "backup-1")
	_, _ = w.Write(data)
	_ = w.Close()
	read := func(b *testing.B, s *Stream) {
		src := bytes.NewReader(nil)
		b.ReportAllocs()
		b.SetBytes(size)
		for b.Loop() {
			src.Reset(ct.Bytes())
			r, err := s.NewReader(ctx, src, "backup-1")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, r); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("stream-read", func(b *testing.B) { read(b, s) })
	b.Run("tink-stream-read", func(b *testing.B) { read(b, ts) })
}

// BenchmarkSeal measures sealing a struct of five 64-byte string fields
// against one field's EncryptString.
func BenchmarkSeal(b *testing.B) {
	e := newEncryptor(b)
	s := testSealer(b, e)
	type five struct {
		ID string `encrypt:",subject"`
		A  string `encrypt:"a"`
		B  string `encrypt:"b"`
		C  string `encrypt:"c"`
		D  string `encrypt:"d"`
		E  string `encrypt:"e"`
	}
	val := string(make([]byte, 64))
	fa := field(b, e, "customers", "a")
	b.Run("field-1", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := fa.EncryptString("row-42", val); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("struct-5", func(b *testing.B) {
		v := &five{}
		b.ReportAllocs()
		for b.Loop() {
			*v = five{ID: "row-42", A: val, B: val, C: val, D: val, E: val}
			if err := s.Seal(v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
