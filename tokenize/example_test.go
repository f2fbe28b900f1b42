package tokenize_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/custos-dev/custos/access"
	"github.com/custos-dev/custos/keys"
	"github.com/custos-dev/custos/tokenize"
	"github.com/custos-dev/custos/tokenize/vault/memstore"
)

// exampleRoot reads the examples' root keyset: a cleartext test fixture, so
// that the outputs below are reproducible. Real keysets are read with
// keys.Read under a key-encryption key.
func exampleRoot() *keys.Keyset {
	f, err := os.Open("testdata/example-root.insecure.json")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	root, err := keys.InsecureReadCleartext(f)
	if err != nil {
		log.Fatal(err)
	}
	return root
}

func ExampleNewPseudonymizer() {
	root := exampleRoot()
	emails, err := tokenize.NewPseudonymizer(root, "customers.email", tokenize.PseudonymConfig{})
	if err != nil {
		log.Fatal(err)
	}
	orders, err := tokenize.NewPseudonymizer(root, "orders.email", tokenize.PseudonymConfig{Encoding: tokenize.Hex, Size: 8})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(emails.Pseudonym("alice@example.com"))
	fmt.Println(emails.Pseudonym("alice@example.com"))
	fmt.Println(orders.Pseudonym("alice@example.com"))
	// Output:
	// smbcx6zs3eioikttxczasvizvb6amrw6
	// smbcx6zs3eioikttxczasvizvb6amrw6
	// 93022bfb08fbbbb82836979b
}

func ExamplePseudonymizer_AppendPseudonym() {
	p, err := tokenize.NewPseudonymizer(exampleRoot(), "customers.email", tokenize.PseudonymConfig{Encoding: tokenize.Base64URL})
	if err != nil {
		log.Fatal(err)
	}
	line := []byte("customer=")
	line = p.AppendPseudonym(line, []byte("alice@example.com"))
	fmt.Println(string(line), len(line)-len("customer=") == p.Len())
	// Output:
	// customer=kwIr-zLZEOQqc7iyCVUZqHwGRt4 true
}

func ExamplePseudonymizer_PseudonymKeyID() {
	root := exampleRoot()
	p, err := tokenize.NewPseudonymizer(root, "customers.email", tokenize.PseudonymConfig{})
	if err != nil {
		log.Fatal(err)
	}
	id, err := p.PseudonymKeyID(p.Pseudonym("alice@example.com"))
	fmt.Println(id == root.PrimaryID(), err)
	_, err = p.PseudonymKeyID("not a pseudonym")
	fmt.Println(err)
	// Output:
	// true <nil>
	// tokenize: invalid token: pseudonym of 15 bytes, want 32
}

func ExampleNewDeterministic() {
	ctx := context.Background()
	d, err := tokenize.NewDeterministic(exampleRoot(), "customers.ssn")
	if err != nil {
		log.Fatal(err)
	}
	tok, err := d.Tokenize("078-05-1120")
	if err != nil {
		log.Fatal(err)
	}
	again, _ := d.Tokenize("078-05-1120")
	fmt.Println(tok)
	fmt.Println(tok == again)
	value, err := d.Detokenize(ctx, tok)
	fmt.Println(value, err)
	// Output:
	// AZMCK_uvTTlk1I7MZ4-oXrNOERTofoIOK50M6IMOB3s
	// true
	// 078-05-1120 <nil>
}

func ExampleDeterministic_TokenKeyID() {
	root := exampleRoot()
	d, err := tokenize.NewDeterministic(root, "customers.ssn")
	if err != nil {
		log.Fatal(err)
	}
	tok, _ := d.Tokenize("078-05-1120")
	id, err := d.TokenKeyID(tok)
	fmt.Println(id == root.PrimaryID(), err)
	// Output: true <nil>
}

func ExampleNewFormatPreserving() {
	ctx := context.Background()
	root := exampleRoot()
	card := tokenize.CardTemplate()
	card.KeepLast = 4           // the last four stay in clear
	card.FailLuhn = true        // a token is never a valid card number
	version := root.PrimaryID() // recorded by the application with its tokens
	f, err := tokenize.NewFormatPreserving(root, "payments.pan", version, card)
	if err != nil {
		log.Fatal(err)
	}
	tok, err := f.Tokenize("4111-1111-1111-1111")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok)
	value, err := f.Detokenize(ctx, tok)
	fmt.Println(value, err)
	// Output:
	// 0426-1898-9298-1111
	// 4111-1111-1111-1111 <nil>
}

// The raw-key constructor reproduces NIST SP 800-38G's FF1 sample 1, with the
// layout kept.
func ExampleNewFormatPreservingRawKey() {
	key, _ := hex.DecodeString("2B7E151628AED2A6ABF7158809CF4F3C")
	t := tokenize.AlphabetTemplate("0123456789")
	t.Separators = "-"
	f, err := tokenize.NewFormatPreservingRawKey(key, "nist", t)
	if err != nil {
		log.Fatal(err)
	}
	tok, err := f.Tokenize("012-345-6789")
	fmt.Println(tok, err)
	// Output: 243-347-7484 <nil>
}

func ExampleFormatPreserving_TokenizeWithTweak() {
	root := exampleRoot()
	f, err := tokenize.NewFormatPreserving(root, "payments.pan", root.PrimaryID(), tokenize.CardTemplate())
	if err != nil {
		log.Fatal(err)
	}
	a, _ := f.TokenizeWithTweak("4111 1111 1111 1111", []byte("merchant-17"))
	b, _ := f.TokenizeWithTweak("4111 1111 1111 1111", []byte("merchant-42"))
	fmt.Println(a)
	fmt.Println(b)
	v, err := f.DetokenizeWithTweak(context.Background(), b, []byte("merchant-42"))
	fmt.Println(v, err)
	// Output:
	// 2727 4414 7030 6319
	// 0549 7460 7033 3126
	// 4111 1111 1111 1111 <nil>
}

func ExampleTemplate() {
	root := exampleRoot()
	for _, c := range []struct {
		t     tokenize.Template
		value string
	}{
		{tokenize.SSNTemplate(), "078-05-1120"},
		{tokenize.PhoneTemplate(), "+44 20 7946 0958"},
		{tokenize.IBANTemplate(), "GB82 WEST 1234 5698 7654 32"},
		{tokenize.AlphabetTemplate("abcdefghijklmnopqrstuvwxyz"), "lovelace"},
	} {
		f, err := tokenize.NewFormatPreserving(root, "customers."+c.t.Name, root.PrimaryID(), c.t)
		if err != nil {
			log.Fatal(err)
		}
		tok, err := f.Tokenize(c.value)
		fmt.Println(c.t.Name, tok, err)
	}
	// Output:
	// ssn 510-58-8250 <nil>
	// phone +09 07 3839 8589 <nil>
	// iban GB10 QDEZ XBRD RMBT 41YL K5 <nil>
	// alphabet rllgqrmp <nil>
}

// IBANTemplate sets FailMod97: a token keeps the country code and layout
// but never passes the IBAN check, and a real IBAN is never taken for a
// token.
func ExampleTemplate_failMod97() {
	ctx := context.Background()
	root := exampleRoot()
	f, err := tokenize.NewFormatPreserving(root, "payments.iban", root.PrimaryID(), tokenize.IBANTemplate())
	if err != nil {
		log.Fatal(err)
	}
	tok, err := f.Tokenize("DE89 3704 0044 0532 0130 00")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok)
	value, err := f.Detokenize(ctx, tok)
	fmt.Println(value, err)
	_, err = f.Detokenize(ctx, "GB82 WEST 1234 5698 7654 32") // a valid IBAN
	fmt.Println(errors.Is(err, tokenize.ErrInvalidToken))
	_, err = f.Tokenize("DE88 3704 0044 0532 0130 00") // fails the check
	fmt.Println(errors.Is(err, tokenize.ErrInvalidValue))
	// Output:
	// DE57 FG5B VHYI UJPD TOW0 LQ
	// DE89 3704 0044 0532 0130 00 <nil>
	// true
	// true
}

func ExampleNewVault() {
	ctx := context.Background()
	v, err := tokenize.NewVault(exampleRoot(), "payments.pan", memstore.New(), tokenize.VaultConfig{})
	if err != nil {
		log.Fatal(err)
	}
	tok, err := v.Tokenize(ctx, "4111 1111 1111 1111", tokenize.WithMetadata(map[string]string{"source": "checkout"}))
	if err != nil {
		log.Fatal(err)
	}
	again, _ := v.Tokenize(ctx, "4111 1111 1111 1111")
	fmt.Println(len(tok), tok != again)
	value, err := v.Detokenize(ctx, tok)
	fmt.Println(value, err)
	info, _ := v.Info(ctx, tok)
	fmt.Println(info.Metadata["source"])
	// Output:
	// 26 true
	// 4111 1111 1111 1111 <nil>
	// checkout
}

// Convergent mode: one token per value, found again by value, erased by
// value.
func ExampleVaultConfig_convergent() {
	ctx := context.Background()
	v, err := tokenize.NewVault(exampleRoot(), "customers.email", memstore.New(), tokenize.VaultConfig{Convergent: true})
	if err != nil {
		log.Fatal(err)
	}
	a, _ := v.Tokenize(ctx, "alice@example.com")
	b, _ := v.Tokenize(ctx, "alice@example.com")
	found, _ := v.TokenOf(ctx, "alice@example.com")
	fmt.Println(a == b, a == found)
	n, err := v.DeleteValue(ctx, "alice@example.com")
	fmt.Println(n, err)
	_, err = v.Detokenize(ctx, a)
	fmt.Println(err)
	// Output:
	// true true
	// 1 <nil>
	// tokenize: token not found: customers.email
}

// Format-preserving random tokens: random digits in the value's layout.
func ExampleVaultConfig_format() {
	ctx := context.Background()
	card := tokenize.CardTemplate()
	card.KeepLast, card.FailLuhn = 4, true
	v, err := tokenize.NewVault(exampleRoot(), "payments.pan", memstore.New(), tokenize.VaultConfig{Format: card})
	if err != nil {
		log.Fatal(err)
	}
	tok, _ := v.Tokenize(ctx, "4111-1111-1111-1111")
	fmt.Println(len(tok), tok[4], tok[15:], refLuhnValid(tok))
	value, _ := v.Detokenize(ctx, tok)
	fmt.Println(value)
	// Output:
	// 19 45 1111 false
	// 4111-1111-1111-1111
}

func ExampleVault_TokenizeBatch() {
	ctx := context.Background()
	v, err := tokenize.NewVault(exampleRoot(), "customers.phone", memstore.New(), tokenize.VaultConfig{})
	if err != nil {
		log.Fatal(err)
	}
	tokens, err := v.TokenizeBatch(ctx, []string{"+44 20 7946 0958", "+1 202 555 0143"})
	if err != nil {
		log.Fatal(err)
	}
	values, err := v.DetokenizeBatch(ctx, tokens)
	fmt.Println(values, err)
	// Output: [+44 20 7946 0958 +1 202 555 0143] <nil>
}

func ExampleVault_DeleteExpired() {
	ctx := context.Background()
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	v, err := tokenize.NewVault(exampleRoot(), "sessions", memstore.New(), tokenize.VaultConfig{TTL: time.Hour}, tokenize.WithClock(clock))
	if err != nil {
		log.Fatal(err)
	}
	tok, _ := v.Tokenize(ctx, "session-data")
	short, _ := v.Tokenize(ctx, "one-time", tokenize.WithTTL(time.Minute))
	now = now.Add(2 * time.Minute)
	_, err = v.Detokenize(ctx, short)
	fmt.Println(err)
	n, _ := v.DeleteExpired(ctx)
	fmt.Println(n)
	value, err := v.Detokenize(ctx, tok)
	fmt.Println(value, err)
	// Output:
	// tokenize: token expired: sessions: expired at 2026-11-21T12:01:00Z
	// 1
	// session-data <nil>
}

// Detokenize is a reveal: the guard decides and audits, one event per call.
func ExampleWithGuard() {
	rbac, err := access.NewRBAC(access.Grant{Role: "billing", Actions: []access.Action{access.ActionDetokenize}, Resources: []string{"payments.*"}})
	if err != nil {
		log.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "key_id" {
				return slog.Attr{}
			}
			return a
		},
	}))
	guard := access.NewGuard(access.WithAuthorizer(rbac), access.WithAuditor(access.NewSlogAuditor(logger)))
	d, err := tokenize.NewDeterministic(exampleRoot(), "payments.pan", tokenize.WithGuard(guard))
	if err != nil {
		log.Fatal(err)
	}
	tok, _ := d.Tokenize("4111111111111111")

	_, err = d.Detokenize(context.Background(), tok)
	fmt.Println(err != nil)
	ctx := access.WithPrincipal(context.Background(), access.Principal{ID: "bob", Roles: []string{"billing"}})
	v, _ := d.Detokenize(ctx, tok)
	fmt.Println(v)
	// Output:
	// level=INFO msg="access: reveal" principal="" roles=[] purpose="" action=detokenize resource=payments.pan subject="" outcome=denied error="access: denied: principal \"\" may not detokenize \"payments.pan\" for purpose \"\": no principal in context"
	// true
	// level=INFO msg="access: reveal" principal=bob roles=[billing] purpose="" action=detokenize resource=payments.pan subject="" outcome=allowed
	// 4111111111111111
}

func ExampleVault_Delete() {
	ctx := context.Background()
	v, err := tokenize.NewVault(exampleRoot(), "customers.phone", memstore.New(), tokenize.VaultConfig{})
	if err != nil {
		log.Fatal(err)
	}
	tok, _ := v.Tokenize(ctx, "+44 20 7946 0958")
	fmt.Println(v.Delete(ctx, tok))
	_, err = v.Detokenize(ctx, tok)
	fmt.Println(err)
	// Output:
	// <nil>
	// tokenize: token not found: customers.phone
}

// DeleteValue erases every token of a value, for a data subject's erasure
// request; in default mode it needs IndexValues.
func ExampleVault_DeleteValue() {
	ctx := context.Background()
	v, err := tokenize.NewVault(exampleRoot(), "customers.phone", memstore.New(), tokenize.VaultConfig{IndexValues: true})
	if err != nil {
		log.Fatal(err)
	}
	_, _ = v.Tokenize(ctx, "+44 20 7946 0958")
	_, _ = v.Tokenize(ctx, "+44 20 7946 0958")
	_, _ = v.Tokenize(ctx, "+1 202 555 0143")
	n, err := v.DeleteValue(ctx, "+44 20 7946 0958")
	fmt.Println(n, err)
	// Output: 2 <nil>
}
