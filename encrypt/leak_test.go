package encrypt

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/custos-dev/custos/access"
	"github.com/custos-dev/custos/keys"
	"github.com/stretchr/testify/require"
)

// TestNoMarkerInErrorsOrLogs feeds a unique marker, as plaintext, index
// input and passphrase, through every failing path, and searches every
// error string and log record for it, raw, hex and base64.
func TestNoMarkerInErrorsOrLogs(t *testing.T) {
	const marker = "MARKER-9f2c1e7d-secret-value"
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	rbac, _ := access.NewRBAC(access.Grant{Role: "r", Actions: []access.Action{access.ActionDecrypt}, Resources: []string{"customers.email", "customers.ssn", "notes.body", "backups"}})
	g := access.NewGuard(access.WithAuthorizer(rbac), access.WithAuditor(access.NewSlogAuditor(logger)))
	allowed := access.WithPrincipal(ctx, access.Principal{ID: "u", Roles: []string{"r"}})
	e := newEncryptor(t, WithGuard(g))
	f := field(t, e, "customers", "email", WithPadding(16))
	var errs []error
	add := func(_ any, err error) {
		require.Error(t, err)
		errs = append(errs, err)
	}

	ct, err := f.Encrypt("row-1", []byte(marker))
	require.NoError(t, err)
	text, _ := f.EncryptString("row-1", marker)
	add(f.Decrypt(allowed, "row-2", ct))                                                             // wrong row
	add(f.Decrypt(ctx, "row-1", ct))                                                                 // denied
	add(field(t, e, "customers", "name").Decrypt(allowed, "row-1", ct))                              // denied other field
	add(field(t, newEncryptor(t, WithGuard(g)), "customers", "email").Decrypt(allowed, "row-1", ct)) // other key
	flipped := bytes.Clone(ct)
	flipped[len(flipped)-1] ^= 1
	add(f.Decrypt(allowed, "row-1", flipped))
	add(f.Decrypt(allowed, "row-1", ct[:10]))
	add(f.DecryptString(allowed, "row-1", text+"!"))
	add(f.DecryptString(allowed, "row-1", marker))
	unpadded := field(t, e, "customers", "email")
	add(f.Decrypt(allowed, "row-1", must(unpadded.Encrypt("row-1", []byte(marker)))))
	add(DecodeText(marker + "!"))
	add(KeyID([]byte(marker)))

	d, _ := e.DeterministicField("customers", "ssn")
	dct, _ := d.EncryptDeterministically([]byte(marker))
	dct[len(dct)-1] ^= 1
	add(d.Decrypt(allowed, "row-1", dct))
	add(d.DecryptString(allowed, "row-1", marker))

	ix, _ := e.BlindIndex(IndexSpec{Table: "customers", Field: "email", Name: "i", Rows: 1 << 16, Transforms: []Transform{DigitsOnly}})
	add(ix.ComputeString(marker[:6])) // "MARKER": no digits
	add(e.BlindIndex(IndexSpec{Table: "customers", Field: "email", Name: marker[:6], Rows: 4}))

	s := testSealer(t, e)
	c := customer{ID: "c1", Email: marker, Phone: marker[:6]}
	errs = append(errs, s.Seal(&c))
	c = customer{ID: "c1", Email: marker, Phone: "1234", Name: marker}
	require.NoError(t, s.Seal(&c))
	c.ID = "c2"
	errs = append(errs, s.Open(allowed, &c))

	mk, _ := keys.GenerateMasterKey()
	sk, _ := keys.NewSubjectKeys(keys.NewMemorySubjectKeyStore(), mk)
	sf, _ := NewSubjectField(sk, "notes", "body", WithGuard(g))
	sct, _ := sf.Encrypt(ctx, "cust-1", []byte(marker))
	add(sf.Decrypt(allowed, "cust-2", sct))
	require.NoError(t, sk.Destroy(ctx, "cust-1"))
	add(sf.Decrypt(allowed, "cust-1", sct))
	add(sf.Encrypt(ctx, "cust-1", []byte(marker)))

	st, _ := e.Stream("backups")
	var buf bytes.Buffer
	w, _ := st.NewWriter(&buf, "b")
	_, _ = w.Write([]byte(marker))
	_ = w.Close()
	sb := buf.Bytes()
	sb[len(sb)-1] ^= 1
	r, err := st.NewReader(allowed, bytes.NewReader(sb), "b")
	if err == nil {
		var out bytes.Buffer
		_, err = out.ReadFrom(r)
		require.NotContains(t, out.String(), marker, "no partial plaintext")
	}
	add(nil, err)

	pass, _ := keys.Passphrase([]byte(marker), keys.Argon2Params{Time: 1, MemoryKiB: 8 << 10, Threads: 1})
	root, _ := keys.New(keys.AES256GCM)
	var file bytes.Buffer
	require.NoError(t, keys.Write(ctx, &file, root, pass, []byte(marker)))
	wrong, _ := keys.Passphrase([]byte("other"), keys.Argon2Params{Time: 1, MemoryKiB: 8 << 10, Threads: 1})
	add(keys.Read(ctx, bytes.NewReader(file.Bytes()), wrong, []byte(marker)))
	add(keys.Read(ctx, bytes.NewReader(file.Bytes()), pass, []byte("x")))
	add(keys.Read(ctx, strings.NewReader(marker), pass, nil))
	add(keys.ParseMasterKey([]byte(marker)))

	var outputs []string
	for _, err := range errs {
		require.Error(t, err)
		outputs = append(outputs, err.Error(), fmt.Sprintf("%+v %#v", err, err))
	}
	outputs = append(outputs, logs.String(), fmt.Sprint(f, d, ix, s, root, pass, mk, sk))
	require.NotEmpty(t, logs.String())
	forms := []string{marker, hex.EncodeToString([]byte(marker)), strings.ToUpper(hex.EncodeToString([]byte(marker))),
		base64.StdEncoding.EncodeToString([]byte(marker)), base64.RawStdEncoding.EncodeToString([]byte(marker)),
		base64.URLEncoding.EncodeToString([]byte(marker)), base64.RawURLEncoding.EncodeToString([]byte(marker)),
		"MARKER-9f2c", "9f2c1e7d"}
	for _, o := range outputs {
		for _, m := range forms {
			if strings.Contains(o, m) {
				t.Errorf("marker form %q found in output: %.200s", m, o)
			}
		}
	}
	t.Logf("%d failing paths checked", len(errs))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
