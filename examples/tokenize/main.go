// Command tokenize shows the four kinds of token of package tokenize on one
// customer record: a keyed pseudonym of the email for analytics, a
// deterministic token of the SSN, a format-preserving token of the card
// number that keeps its last four digits and fails the Luhn check, and a
// vault token of the phone number kept in an embedded bbolt file. It then
// reveals the card number and the phone number as a billing agent, with every
// reveal audited to standard error.
//
//	go run ./examples/tokenize
//	go run ./examples/tokenize -vault /tmp/vault.db
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/custos-dev/custos/access"
	"github.com/custos-dev/custos/keys"
	"github.com/custos-dev/custos/tokenize"
	"github.com/custos-dev/custos/tokenize/vault/boltstore"
)

func main() {
	path := flag.String("vault", "", "bbolt vault file (default: a temporary file)")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, os.Stderr, *path); err != nil {
		fmt.Fprintln(os.Stderr, "tokenize:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out, audit io.Writer, path string) error {
	if path == "" {
		dir, err := os.MkdirTemp("", "custos-tokenize-example")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "vault.db")
	}
	// A real service reads its root keyset with keys.Read under a KMS key or
	// a master key file; this example makes a fresh one.
	root, err := keys.New(keys.DerivationHKDFSHA256)
	if err != nil {
		return err
	}
	rbac, err := access.NewRBAC(access.Grant{Role: "billing", Actions: []access.Action{access.ActionDetokenize}, Resources: []string{"customers.*"}, Purposes: []string{"refund"}})
	if err != nil {
		return err
	}
	guard := access.NewGuard(access.WithAuthorizer(rbac), access.WithAuditor(access.NewSlogAuditor(slog.New(slog.NewTextHandler(audit, nil)))))

	emails, err := tokenize.NewPseudonymizer(root, "customers.email", tokenize.PseudonymConfig{})
	if err != nil {
		return err
	}
	ssns, err := tokenize.NewDeterministic(root, "customers.ssn", tokenize.WithGuard(guard))
	if err != nil {
		return err
	}
	card := tokenize.CardTemplate()
	card.KeepLast, card.FailLuhn = 4, true
	// The key version of format-preserving tokens is chosen explicitly and
	// stored by the application beside the column (here: the primary key).
	cardVersion := root.PrimaryID()
	cards, err := tokenize.NewFormatPreserving(root, "customers.card", cardVersion, card, tokenize.WithGuard(guard))
	if err != nil {
		return err
	}
	store, err := boltstore.Open(path)
	if err != nil {
		return err
	}
	defer store.Close()
	phones, err := tokenize.NewVault(root, "customers.phone", store, tokenize.VaultConfig{IndexValues: true}, tokenize.WithGuard(guard))
	if err != nil {
		return err
	}

	const (
		email = "ada.lovelace@example.com"
		ssn   = "078-05-1120"
		pan   = "4111-1111-1111-1111"
		phone = "+44 20 7946 0958"
	)
	ssnTok, err := ssns.Tokenize(ssn)
	if err != nil {
		return err
	}
	panTok, err := cards.Tokenize(pan)
	if err != nil {
		return err
	}
	phoneTok, err := phones.Tokenize(ctx, phone, tokenize.WithMetadata(map[string]string{"source": "signup"}))
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "Tokenized record:")
	fmt.Fprintf(out, "  email (pseudonym)          %s\n", emails.Pseudonym(email))
	fmt.Fprintf(out, "  ssn   (deterministic)      %s\n", ssnTok)
	fmt.Fprintf(out, "  card  (format-preserving)  %s  (key version %d)\n", panTok, cardVersion)
	fmt.Fprintf(out, "  phone (vault)              %s\n", phoneTok)

	// Reveals need a principal with a grant and a purpose.
	if _, err := cards.Detokenize(ctx, panTok); err != nil {
		fmt.Fprintf(out, "\nReveal without a principal: %v\n", err)
	}
	agent := access.WithPurpose(access.WithPrincipal(ctx, access.Principal{ID: "agent-7", Roles: []string{"billing"}}), "refund")
	gotPAN, err := cards.Detokenize(agent, panTok)
	if err != nil {
		return err
	}
	gotPhone, err := phones.Detokenize(agent, phoneTok)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Revealed for agent-7 (refund): card %s, phone %s\n", gotPAN, gotPhone)

	// Erasure: every vault token of the phone number goes.
	n, err := phones.DeleteValue(ctx, phone)
	if err != nil {
		return err
	}
	_, err = phones.Detokenize(agent, phoneTok)
	fmt.Fprintf(out, "Erased %d vault token(s); detokenize now fails: %v\n", n, err)
	return nil
}
