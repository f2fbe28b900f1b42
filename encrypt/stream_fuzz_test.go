package encrypt

import (
	"bytes"
	"io"
	"testing"
)

// FuzzStreamRoundTrip writes data in chunks of the fuzzed sizes through the
// writer (Write and ReadFrom), reads it back, and has Tink read it too.
// Segments are tiny so that inputs span many of them.
func FuzzStreamRoundTrip(f *testing.F) {
	p := tinySeg
	h := gcmKeyset(f, p, 1, 0)
	s := nativeStream(f, h)
	ts := tinkStream(f, h)
	f.Add([]byte(""), uint16(1), false)
	f.Add([]byte("x"), uint16(1), true)
	f.Add(bytes.Repeat([]byte("segment "), 40), uint16(41), false)
	f.Add(bytes.Repeat([]byte{7}, 1+41*3), uint16(42), true)
	f.Fuzz(func(t *testing.T, data []byte, chunk uint16, readFrom bool) {
		var buf bytes.Buffer
		w, err := s.NewWriter(&buf, "obj")
		if err != nil {
			t.Fatal(err)
		}
		c := max(int(chunk), 1)
		if readFrom {
			_, err = io.Copy(w, &onlyReader{r: bytes.NewReader(data), sizes: []int{c}})
		} else {
			for rest := data; len(rest) > 0 && err == nil; rest = rest[min(c, len(rest)):] {
				_, err = w.Write(rest[:min(c, len(rest))])
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		r, err := s.NewReader(ctx, bytes.NewReader(buf.Bytes()), "obj")
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(data, got) {
			t.Fatalf("round trip: %v, %d of %d bytes", err, len(got), len(data))
		}
		tg, err := tinkDecrypt(ts, buf.Bytes(), s.ad("obj"))
		if err != nil || !bytes.Equal(data, tg) {
			t.Fatalf("Tink read: %v", err)
		}
	})
}

// FuzzStreamReader feeds arbitrary bytes to the reader: it never panics,
// opens exactly what Tink's reader opens, and returns no more plaintext
// than Tink returns before failing.
func FuzzStreamReader(f *testing.F) {
	p := tinySeg
	h := gcmKeyset(f, p, 1, 0)
	s := nativeStream(f, h)
	ts := tinkStream(f, h)
	for _, n := range []int{0, 1, 2, 42, 100} {
		var buf bytes.Buffer
		w, _ := s.NewWriter(&buf, "obj")
		_, _ = w.Write(bytes.Repeat([]byte{'a'}, n))
		_ = w.Close()
		f.Add(buf.Bytes())
	}
	f.Add([]byte{40})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, ct []byte) {
		var got []byte
		r, err := s.NewReader(ctx, bytes.NewReader(ct), "obj")
		if err == nil {
			got, err = io.ReadAll(r)
		}
		want, terr := tinkDecrypt(ts, ct, s.ad("obj"))
		if (err == nil) != (terr == nil) {
			t.Fatalf("native error %v, Tink error %v", err, terr)
		}
		if err == nil && !bytes.Equal(want, got) {
			t.Fatal("native and Tink open different plaintexts")
		}
		if err != nil && len(got) > len(want) {
			t.Fatalf("native returned %d bytes before failing, Tink %d", len(got), len(want))
		}
	})
}
