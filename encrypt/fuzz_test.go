package encrypt

import (
	"bytes"
	"testing"
)

func FuzzFieldRoundTrip(f *testing.F) {
	fl := field(f, newEncryptor(f), "t", "f", WithPadding(16))
	f.Add("row", []byte("value"))
	f.Add("", []byte{})
	f.Fuzz(func(t *testing.T, row string, v []byte) {
		ct, err := fl.Encrypt(row, v)
		if err != nil {
			t.Fatal(err)
		}
		pt, err := fl.Decrypt(ctx, row, ct)
		if err != nil || !bytes.Equal(pt, v) {
			t.Fatalf("round trip failed: %v", err)
		}
		if _, err := fl.Decrypt(ctx, row+"x", ct); err == nil {
			t.Fatal("decrypted under another row")
		}
	})
}

func FuzzDecryptString(f *testing.F) {
	fl := field(f, newEncryptor(f), "t", "f")
	good, _ := fl.EncryptString("r", "v")
	f.Add(good)
	f.Add("")
	f.Add("AQAAACo")
	f.Fuzz(func(t *testing.T, text string) {
		pt, err := fl.DecryptString(ctx, "r", text)
		if err == nil && (text != good || pt != "v") {
			t.Fatal("a forged ciphertext decrypted")
		}
		var c Ciphertext
		_ = c.Scan(text)
	})
}

func FuzzBlindIndex(f *testing.F) {
	e := newEncryptor(f)
	idx, err := e.BlindIndex(IndexSpec{Table: "t", Field: "f", Name: "i", Rows: 1 << 20, Transforms: []Transform{TrimSpace, Lowercase, AlphanumericOnly, FirstN(30), LastN(20)}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("Ada@Example.com")
	f.Add("  ")
	f.Add("\xff\xfe")
	f.Fuzz(func(t *testing.T, v string) {
		a, errA := idx.ComputeString(v)
		b, errB := idx.Compute([]byte(v))
		if (errA == nil) != (errB == nil) || !bytes.Equal(a, b) {
			t.Fatal("string and bytes paths differ")
		}
		if errA == nil && (len(a) != idx.Size() || !idx.Match(a, []byte(v))) {
			t.Fatal("index does not match its own value")
		}
	})
}

func FuzzPlanIndex(f *testing.F) {
	f.Add(uint64(1<<16), 0.0, 0)
	f.Add(uint64(15), 10.0, 8)
	f.Fuzz(func(t *testing.T, rows uint64, domain float64, existing int) {
		var ex []int
		if existing != 0 {
			ex = []int{existing}
		}
		p, err := PlanIndex(rows, domain, ex...)
		if err == nil && (p.MinBits < 1 || p.MaxBits < p.MinBits || p.MaxBits > 256) {
			t.Fatalf("bad plan %+v", p)
		}
	})
}
