package encrypt_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/custos-dev/custos/access"
	"github.com/custos-dev/custos/encrypt"
	"github.com/custos-dev/custos/keys"
)

func Example() {
	root, _ := keys.New(keys.DerivationHKDFSHA256) // in production: keys.Read under a KEK
	enc, _ := encrypt.New(root)
	email, _ := enc.Field("customers", "email")

	ct, _ := email.EncryptString("cust-42", "ada@example.com")
	pt, _ := email.DecryptString(context.Background(), "cust-42", ct)
	fmt.Println(pt)

	// The same ciphertext copied to another row does not decrypt.
	_, err := email.DecryptString(context.Background(), "cust-43", ct)
	fmt.Println(errors.Is(err, encrypt.ErrDecrypt))
	// Output:
	// ada@example.com
	// true
}

func ExampleNewField() {
	ks, _ := keys.New(keys.AES256GCM)
	a, _ := ks.AEAD()
	f, _ := encrypt.NewField(a, "orders", "address")
	ct, _ := f.Encrypt("order-1", []byte("1 Main St"))
	id, _ := encrypt.KeyID(ct)
	pt, _ := f.Decrypt(context.Background(), "order-1", ct)
	fmt.Println(string(pt), id == ks.PrimaryID(), len(ct)-len(pt) == encrypt.Overhead)
	// Output: 1 Main St true true
}

func ExampleWithGuard() {
	rbac, _ := access.NewRBAC(access.Grant{Role: "support", Actions: []access.Action{access.ActionDecrypt}, Resources: []string{"customers.*"}})
	var events []access.Event
	guard := access.NewGuard(access.WithAuthorizer(rbac),
		access.WithAuditor(access.AuditorFunc(func(_ context.Context, e access.Event) { events = append(events, e) })))
	root, _ := keys.New(keys.DerivationHKDFSHA256)
	enc, _ := encrypt.New(root, encrypt.WithGuard(guard))
	name, _ := enc.Field("customers", "name")
	ct, _ := name.Encrypt("cust-1", []byte("Ada"))

	_, err := name.Decrypt(context.Background(), "cust-1", ct)
	fmt.Println(errors.Is(err, access.ErrDenied))
	ctx := access.WithPrincipal(context.Background(), access.Principal{ID: "alice", Roles: []string{"support"}})
	pt, _ := name.Decrypt(ctx, "cust-1", ct)
	fmt.Println(string(pt))
	for _, e := range events {
		fmt.Println(e.Principal, e.Resource, e.Subject, e.Outcome)
	}
	// Output:
	// true
	// Ada
	//  customers.name cust-1 denied
	// alice customers.name cust-1 allowed
}

func ExampleWithPadding() {
	root, _ := keys.New(keys.DerivationHKDFSHA256)
	enc, _ := encrypt.New(root)
	f, _ := enc.Field("patients", "diagnosis", encrypt.WithPadding(32))
	a, _ := f.Encrypt("p1", []byte("flu"))
	b, _ := f.Encrypt("p2", []byte("pneumonia"))
	fmt.Println(len(a) == len(b))
	// Output: true
}

func ExampleEncryptor_DeterministicField() {
	root, _ := keys.New(keys.DerivationHKDFSHA256)
	enc, _ := encrypt.New(root)
	ssn, _ := enc.DeterministicField("customers", "ssn")
	a, _ := ssn.EncryptStringDeterministically("078-05-1120")
	b, _ := ssn.EncryptStringDeterministically("078-05-1120")
	fmt.Println(a == b)
	// Output: true
}

func ExampleEncryptor_BlindIndex() {
	root, _ := keys.New(keys.DerivationHKDFSHA256)
	enc, _ := encrypt.New(root)
	idx, err := enc.BlindIndex(encrypt.IndexSpec{
		Table: "customers", Field: "email", Name: "email_idx",
		Rows:       1 << 20, // expected population
		Transforms: []encrypt.Transform{encrypt.TrimSpace, encrypt.Lowercase},
	})
	if err != nil {
		panic(err)
	}
	a, _ := idx.ComputeString("Ada@Example.com ")
	b, _ := idx.ComputeString("ada@example.com")
	fmt.Println(idx.Bits(), len(a), encrypt.Equal(a, b))
	// Output: 14 2 true
}

func ExamplePlanIndex() {
	p, _ := encrypt.PlanIndex(1<<16, 0)
	fmt.Println(p.MinBits, p.MaxBits)
	_, err := encrypt.PlanIndex(10, 0)
	fmt.Println(errors.Is(err, encrypt.ErrUnsafeIndex))
	// Output:
	// 8 15
	// true
}

func ExampleEncryptor_CompoundIndex() {
	root, _ := keys.New(keys.DerivationHKDFSHA256)
	enc, _ := encrypt.New(root)
	c, _ := enc.CompoundIndex(encrypt.CompoundSpec{
		Table: "patients", Name: "name_year", Rows: 1 << 20, Bits: 16,
		Parts: []encrypt.CompoundPart{
			{Field: "last_name", Transforms: []encrypt.Transform{encrypt.Lowercase}},
			{Field: "birth_date", Transforms: []encrypt.Transform{encrypt.DigitsOnly, encrypt.FirstN(4)}},
		},
	})
	a, _ := c.Compute([]byte("Lovelace"), []byte("1815-12-10"))
	b, _ := c.Compute([]byte("LOVELACE"), []byte("1815"))
	fmt.Println(encrypt.Equal(a, b))
	// Output: true
}

type Customer struct {
	ID       string        `encrypt:",subject"`
	Email    string        `encrypt:"email,index=email_idx"`
	EmailIdx encrypt.Index `encrypt:"email_idx,blindindex"`
	Name     string        `encrypt:"name"`
}

func ExampleSealer() {
	root, _ := keys.New(keys.DerivationHKDFSHA256)
	enc, _ := encrypt.New(root)
	idx, _ := enc.BlindIndex(encrypt.IndexSpec{Table: "customers", Field: "email", Name: "email_idx", Rows: 1 << 20, Transforms: []encrypt.Transform{encrypt.Lowercase}})
	s, _ := enc.Sealer("customers", []*encrypt.BlindIndex{idx})

	c := Customer{ID: "cust-42", Email: "Ada@Example.com", Name: "Ada"}
	_ = s.Seal(&c) // c.Email and c.Name are now ciphertexts; c.EmailIdx is set
	lookup, _ := s.Lookup("email_idx", "ada@example.com")
	fmt.Println(c.Name != "Ada", encrypt.Equal(lookup, c.EmailIdx))
	_ = s.Open(context.Background(), &c)
	fmt.Println(c.Email, c.Name)
	// Output:
	// true true
	// Ada@Example.com Ada
}

func ExampleEncryptor_Stream() {
	root, _ := keys.New(keys.DerivationHKDFSHA256)
	enc, _ := encrypt.New(root)
	s, _ := enc.Stream("backups")
	var file bytes.Buffer
	w, _ := s.NewWriter(&file, "backup-2026-11-21")
	_, _ = io.WriteString(w, "pg_dump output ...")
	_ = w.Close()
	r, _ := s.NewReader(context.Background(), &file, "backup-2026-11-21")
	got, _ := io.ReadAll(r)
	fmt.Println(string(got))
	// Output: pg_dump output ...
}

type memSource struct{ rows []encrypt.Record }

func (m *memSource) Next(_ context.Context, cursor string, limit int) ([]encrypt.Record, error) {
	var out []encrypt.Record
	for _, r := range m.rows {
		if r.Row > cursor && len(out) < limit {
			out = append(out, r)
		}
	}
	return out, nil
}

func ExampleReencrypt() {
	ctx := context.Background()
	root, _ := keys.New(keys.DerivationHKDFSHA256)
	oldEnc, _ := encrypt.New(root)
	oldField, _ := oldEnc.Field("customers", "email")
	src := &memSource{}
	for _, row := range []string{"a", "b", "c"} {
		ct, _ := oldField.Encrypt(row, []byte(row+"@example.com"))
		src.rows = append(src.rows, encrypt.Record{Row: row, Ciphertext: ct})
	}
	// Rotate: add and promote a new root key.
	root, id, _ := root.Add()
	root, _ = root.Promote(id)
	enc, _ := encrypt.New(root)
	f, _ := enc.Field("customers", "email")
	store := func(_ context.Context, recs []encrypt.Record) error {
		for _, r := range recs {
			for i := range src.rows {
				if src.rows[i].Row == r.Row {
					src.rows[i] = r
				}
			}
		}
		return nil
	}
	st, err := encrypt.Reencrypt(ctx, f, src, store, encrypt.ReencryptOptions{BatchSize: 2})
	fmt.Println(err, st.Scanned, st.Rewritten, st.Cursor)
	// Output: <nil> 3 3 c
}

func ExampleNewSubjectField() {
	ctx := context.Background()
	kek, _ := keys.GenerateMasterKey()
	sk, _ := keys.NewSubjectKeys(keys.NewMemorySubjectKeyStore(), kek)
	notes, _ := encrypt.NewSubjectField(sk, "notes", "body")
	ct, _ := notes.Encrypt(ctx, "cust-7", []byte("allergic to penicillin"))
	_ = sk.Destroy(ctx, "cust-7") // erasure request
	_, err := notes.Decrypt(ctx, "cust-7", ct)
	fmt.Println(errors.Is(err, keys.ErrKeyDestroyed))
	// Output: true
}

func ExampleCiphertext() {
	var c encrypt.Ciphertext
	_ = c.Scan([]byte{1, 0, 0, 0, 42, 7, 7})
	id, _ := encrypt.KeyID(c)
	v, _ := c.Value()
	fmt.Println(id, len(v.([]byte)))
	// Output: 42 7
}

func ExampleEncodeText() {
	text := encrypt.EncodeText([]byte{1, 0, 0, 0, 42})
	ct, _ := encrypt.DecodeText(text)
	fmt.Println(text, ct)
	// Output: AQAAACo [1 0 0 0 42]
}
