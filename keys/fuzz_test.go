package keys

import (
	"bytes"
	"testing"
)

func FuzzParseMasterKey(f *testing.F) {
	mk, err := GenerateMasterKey()
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(masterKeyHeader + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"))
	f.Add([]byte("garbage"))
	f.Add([]byte(masterKeyHeader))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParseMasterKey(data)
		if err != nil {
			return
		}
		// A parsed key round-trips through Encrypt/Decrypt.
		ct, err := k.Encrypt(data, nil)
		if err != nil {
			t.Fatal(err)
		}
		pt, err := k.Decrypt(ct, nil)
		if err != nil || !bytes.Equal(pt, data) {
			t.Fatal("round trip failed")
		}
		if _, err := mk.Decrypt(ct, nil); err == nil && k.ID() != mk.ID() {
			t.Fatal("another key decrypted")
		}
	})
}

func FuzzRead(f *testing.F) {
	mk, err := GenerateMasterKey()
	if err != nil {
		f.Fatal(err)
	}
	ks, err := New(AES256GCM)
	if err != nil {
		f.Fatal(err)
	}
	var buf, clear bytes.Buffer
	if err := Write(ctx, &buf, ks, mk, []byte("ad")); err != nil {
		f.Fatal(err)
	}
	if err := InsecureWriteCleartext(&clear, ks); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(clear.Bytes())
	f.Add([]byte(`{"format":"custos-keyset/v1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Must never panic; only the untouched file may open.
		got, err := Read(ctx, bytes.NewReader(data), mk, []byte("ad"))
		if err == nil && got.PrimaryID() != ks.PrimaryID() {
			t.Fatal("a forged file opened")
		}
		_, _ = InsecureReadCleartext(bytes.NewReader(data))
	})
}

func FuzzWriteReadRoundTrip(f *testing.F) {
	mk, err := GenerateMasterKey()
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("ad"), uint8(1))
	f.Add([]byte{}, uint8(6))
	f.Fuzz(func(t *testing.T, ad []byte, tm uint8) {
		tmpl := Template(tm%6 + 1)
		ks, err := New(tmpl)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := Write(ctx, &buf, ks, mk, ad); err != nil {
			t.Fatal(err)
		}
		got, err := Read(ctx, &buf, mk, ad)
		if err != nil {
			t.Fatal(err)
		}
		if got.PrimaryID() != ks.PrimaryID() || got.Template() != tmpl {
			t.Fatal("round trip changed the keyset")
		}
	})
}
