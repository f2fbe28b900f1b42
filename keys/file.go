package keys

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
)

// fileFormat names version 1 of the keyset file format.
const fileFormat = "custos-keyset/v1"

// maxFileSize bounds what Read accepts.
const maxFileSize = 4 << 20

// fileHeader is everything in a keyset file but the Tink keyset. When the
// keyset is encrypted, the header's canonical JSON is part of the associated
// data, so no field can be changed without the KEK.
type fileHeader struct {
	Format   string    `json:"format"`
	Template string    `json:"template"`
	KEK      kekHeader `json:"kek"`
	Keys     []fileKey `json:"keys"`
}

type fileKey struct {
	ID      uint32    `json:"id"`
	Status  string    `json:"status"`
	Primary bool      `json:"primary,omitempty"`
	Created time.Time `json:"created"`
	Changed time.Time `json:"changed"`
}

type file struct {
	fileHeader
	// Keyset is Tink's binary EncryptedKeyset (or Keyset, in cleartext files).
	Keyset []byte `json:"keyset"`
}

func (k *Keyset) header(h kekHeader) fileHeader {
	fh := fileHeader{Format: fileFormat, Template: k.template.String(), KEK: h}
	for _, ki := range k.infos {
		fh.Keys = append(fh.Keys, fileKey{ID: ki.ID, Status: ki.Status.String(), Primary: ki.Primary, Created: ki.Created.UTC(), Changed: ki.Changed.UTC()})
	}
	return fh
}

// associatedData binds the caller's associated data and the header.
func (fh *fileHeader) associatedData(ad []byte) ([]byte, error) {
	hj, err := json.Marshal(fh)
	if err != nil {
		return nil, fmt.Errorf("keys: encoding header: %w", err)
	}
	b := []byte(fileFormat + "\x00")
	b = binary.BigEndian.AppendUint32(b, uint32(len(ad)))
	b = append(b, ad...)
	return append(b, hj...), nil
}

// Write encrypts ks under kek and writes it to w as a JSON document: format
// version, template, how the KEK is to be obtained (kind, name, Argon2id
// parameters and salt), each key's ID, status and dates, and the Tink
// encrypted keyset. associatedData (e.g. the file's purpose or path) must be
// given again to [Read]. The header is authenticated with the keyset.
func Write(ctx context.Context, w io.Writer, ks *Keyset, kek KEK, associatedData []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("keys: write: %w", err)
	}
	if ks.derived {
		return errorf(ErrDerived, "write the root keyset")
	}
	if kek == nil {
		return errorf(ErrInvalidParams, "KEK is nil")
	}
	kh, a, err := kek.seal()
	if err != nil {
		return err
	}
	fh := ks.header(kh)
	ad, err := fh.associatedData(associatedData)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := ks.handle.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), a, ad); err != nil {
		return fmt.Errorf("keys: encrypting keyset: %w", err)
	}
	return writeFile(w, file{fileHeader: fh, Keyset: buf.Bytes()})
}

func writeFile(w io.Writer, f file) error {
	out, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("keys: encoding keyset file: %w", err)
	}
	if _, err := w.Write(append(out, '\n')); err != nil {
		return fmt.Errorf("keys: writing keyset file: %w", err)
	}
	return nil
}

func readFile(r io.Reader) (*file, Template, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, 0, fmt.Errorf("keys: reading keyset file: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, 0, errorf(ErrInvalidFile, "keyset file larger than %d bytes", maxFileSize)
	}
	var f file
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, 0, errorf(ErrInvalidFile, "keyset file is not valid JSON of format %s", fileFormat)
	}
	if dec.More() {
		return nil, 0, errorf(ErrInvalidFile, "trailing data after keyset file")
	}
	if f.Format != fileFormat {
		return nil, 0, errorf(ErrInvalidFile, "format %q, want %q", f.Format, fileFormat)
	}
	t, err := ParseTemplate(f.Template)
	if err != nil {
		return nil, 0, errorf(ErrInvalidFile, "template %q unknown", f.Template)
	}
	if len(f.Keys) == 0 || len(f.Keyset) == 0 {
		return nil, 0, errorf(ErrInvalidFile, "keyset file has no keys")
	}
	return &f, t, nil
}

// Read reads a keyset file written by [Write] with the same kind of KEK and
// the same associated data. A wrong KEK or wrong associated data fails with
// [ErrDecrypt]; a file written under another kind of KEK fails with
// [ErrWrongKEK]; a cleartext file fails with [ErrCleartext].
func Read(ctx context.Context, r io.Reader, kek KEK, associatedData []byte) (*Keyset, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("keys: read: %w", err)
	}
	if kek == nil {
		return nil, errorf(ErrInvalidParams, "KEK is nil")
	}
	f, t, err := readFile(r)
	if err != nil {
		return nil, err
	}
	if f.KEK.Type == kekTypeNone {
		return nil, errorf(ErrCleartext, "file holds a cleartext keyset; use InsecureReadCleartext")
	}
	a, err := kek.open(f.KEK)
	if err != nil {
		return nil, err
	}
	ad, err := f.fileHeader.associatedData(associatedData)
	if err != nil {
		return nil, err
	}
	h, err := keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(f.Keyset)), a, ad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return fromFile(t, h, f.Keys)
}

// fromFile checks that the metadata agrees with the Tink keyset.
func fromFile(t Template, h *keyset.Handle, keys []fileKey) (*Keyset, error) {
	ks := &Keyset{template: t, handle: h}
	seen := make(map[uint32]bool)
	live := 0
	for _, fk := range keys {
		st := parseStatus(fk.Status)
		if st == StatusUnknown || seen[fk.ID] {
			return nil, errorf(ErrInvalidFile, "key %d: bad or duplicate entry", fk.ID)
		}
		seen[fk.ID] = true
		if st != StatusDestroyed {
			live++
		}
		ks.infos = append(ks.infos, KeyInfo{ID: fk.ID, Status: st, Primary: fk.Primary, Created: fk.Created, Changed: fk.Changed})
	}
	if h.Len() != live {
		return nil, errorf(ErrInvalidFile, "metadata lists %d live keys, keyset has %d", live, h.Len())
	}
	for i := range h.Len() {
		e, err := h.Entry(i)
		if err != nil {
			return nil, errorf(ErrInvalidFile, "keyset entry %d unreadable", i)
		}
		j := ks.index(e.KeyID())
		if j < 0 {
			return nil, errorf(ErrInvalidFile, "key %d missing from metadata", e.KeyID())
		}
		ki := ks.infos[j]
		want := StatusEnabled
		if e.KeyStatus() == keyset.Disabled {
			want = StatusDisabled
		}
		if ki.Status != want || ki.Primary != e.IsPrimary() {
			return nil, errorf(ErrInvalidFile, "key %d: metadata says %s primary=%t, keyset disagrees", ki.ID, ki.Status, ki.Primary)
		}
		if !t.matches(e.Key()) {
			return nil, errorf(ErrInvalidTemplate, "key %d does not match template %s", ki.ID, t)
		}
	}
	return ks, nil
}

// InsecureWriteCleartext writes ks to w WITHOUT encryption: anyone who reads
// the file has the keys. It exists for tests and throwaway environments.
func InsecureWriteCleartext(w io.Writer, ks *Keyset) error {
	if ks.derived {
		return errorf(ErrDerived, "write the root keyset")
	}
	var buf bytes.Buffer
	if err := insecurecleartextkeyset.Write(ks.handle, keyset.NewBinaryWriter(&buf)); err != nil {
		return fmt.Errorf("keys: writing cleartext keyset: %w", err)
	}
	return writeFile(w, file{fileHeader: ks.header(kekHeader{Type: kekTypeNone}), Keyset: buf.Bytes()})
}

// InsecureReadCleartext reads a file written by [InsecureWriteCleartext]. It
// refuses encrypted files with [ErrCleartext].
func InsecureReadCleartext(r io.Reader) (*Keyset, error) {
	f, t, err := readFile(r)
	if err != nil {
		return nil, err
	}
	if f.KEK.Type != kekTypeNone {
		return nil, errorf(ErrCleartext, "file holds an encrypted keyset; use Read")
	}
	h, err := insecurecleartextkeyset.Read(keyset.NewBinaryReader(bytes.NewReader(f.Keyset)))
	if err != nil {
		return nil, errorf(ErrInvalidFile, "cleartext keyset unreadable")
	}
	return fromFile(t, h, f.Keys)
}
