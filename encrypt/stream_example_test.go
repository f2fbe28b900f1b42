package encrypt_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/custos-dev/custos/encrypt"
	"github.com/custos-dev/custos/keys"
)

// A streaming keyset of its own (rather than one derived from an
// Encryptor's root): io.Copy in and out, which uses the writer's ReadFrom
// and the reader's WriteTo, so no data is copied twice.
func ExampleNewKeysetStream() {
	ks, _ := keys.New(keys.AES256GCMHKDF1MB)
	s, _ := encrypt.NewKeysetStream(ks, "exports")

	var file bytes.Buffer
	w, _ := s.NewWriter(&file, "export-2026-11-21.csv")
	_, _ = io.Copy(w, strings.NewReader("id,email\n1,ada@example.com\n"))
	if err := w.Close(); err != nil { // writes the last segment
		fmt.Println(err)
	}
	fmt.Println("ciphertext bytes:", file.Len()) // 40-byte header + 27 bytes + 16-byte tag

	r, _ := s.NewReader(context.Background(), &file, "export-2026-11-21.csv")
	var out bytes.Buffer
	_, err := io.Copy(&out, r)
	fmt.Print(out.String(), err)
	// Output:
	// ciphertext bytes: 83
	// id,email
	// 1,ada@example.com
	// <nil>
}
