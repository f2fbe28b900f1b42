// Command quickstart shows what Custos does to one customer record: the record
// as the service receives it, then as it is shown (masked), stored (encrypted,
// indexed, tokenized), shared for analytics (generalized, pseudonymized), and
// revealed again by an authorized, audited caller.
//
//	go run ./examples/quickstart
//
// It needs no files or services: the keys are made in memory for the run, so
// ciphertexts and tokens differ from one run to the next. A real service reads
// its keyset with keys.Read under a key-encryption key (KMS, master key file
// or passphrase).
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/custos-dev/custos/access"
	"github.com/custos-dev/custos/encrypt"
	"github.com/custos-dev/custos/generalize"
	"github.com/custos-dev/custos/keys"
	"github.com/custos-dev/custos/mask"
	"github.com/custos-dev/custos/tokenize"
	"github.com/custos-dev/custos/tokenize/vault/memstore"
)

// Customer is a record as a typical service receives it. The mask tags say
// how each field may be shown.
type Customer struct {
	ID        string `json:"id"`
	Name      string `json:"name" mask:"name"`
	Email     string `json:"email" mask:"email"`
	Phone     string `json:"phone" mask:"phone"`
	Card      string `json:"card" mask:"pan"`
	IBAN      string `json:"iban" mask:"iban"`
	SSN       string `json:"ssn" mask:"ssn"`
	BirthDate string `json:"birth_date" mask:"redact"`
	ZIP       string `json:"zip" mask:"redact"`
	LastIP    string `json:"last_ip" mask:"ip"`
	APIKey    string `json:"api_key" mask:"credential"`
	Country   string `json:"country"`
}

// sample is a made-up customer; the card is a well-known test number.
var sample = Customer{
	ID:        "cus_1042",
	Name:      "Ada María Lovelace",
	Email:     "ada.lovelace@example.com",
	Phone:     "+44 20 7946 0958",
	Card:      "4111 1111 1111 1111",
	IBAN:      "GB82WEST12345698765432",
	SSN:       "078-05-1120",
	BirthDate: "1985-12-10",
	ZIP:       "94107",
	LastIP:    "203.0.113.195",
	APIKey:    "sk_live_51HxQ2eKz8vN3mP0aB7cD9fG",
	Country:   "US",
}

// today is fixed so that the generalized age is stable.
var today = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)

// Stored is the record as the service writes it to its database.
type Stored struct {
	ID         string `json:"id"`
	NameCT     string `json:"name_ciphertext"`
	EmailCT    string `json:"email_ciphertext"`
	EmailIndex string `json:"email_blind_index"`
	CardToken  string `json:"card_token"`
	SSNToken   string `json:"ssn_vault_token"`
}

// Shared is the record as it goes to an analytics team.
type Shared struct {
	Customer string `json:"customer_pseudonym"`
	AgeBand  string `json:"age_band"`
	ZIP3     string `json:"zip3"`
	Network  string `json:"network"`
	Country  string `json:"country"`
}

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer) error {
	if err := printJSON(w, "1. As the service receives it", sample); err != nil {
		return err
	}

	// Shown: masked for screens, exports and logs.
	masked, err := mask.Struct(sample)
	if err != nil {
		return err
	}
	if err := printJSON(w, "2. Shown on a support screen (mask)", masked); err != nil {
		return err
	}

	// Stored: one root keyset serves every field; each field gets its own
	// derived key.
	root, err := keys.New(keys.DerivationHKDFSHA256)
	if err != nil {
		return err
	}
	var audit []access.Event
	rbac, err := access.NewRBAC(access.Grant{
		Role: "support", Actions: []access.Action{access.ActionDecrypt, access.ActionDetokenize},
		Resources: []string{"customers.*"}, Purposes: []string{"support-ticket"},
	})
	if err != nil {
		return err
	}
	guard := access.NewGuard(access.WithAuthorizer(rbac), access.WithAuditor(
		access.AuditorFunc(func(_ context.Context, e access.Event) { audit = append(audit, e) })))

	stored, email, ssnVault, err := store(root, guard)
	if err != nil {
		return err
	}
	if err := printJSON(w, "3. Stored in the database (encrypt, blind index, tokenize)", stored); err != nil {
		return err
	}

	shared, err := share(root)
	if err != nil {
		return err
	}
	if err := printJSON(w, "4. Shared for analytics (generalize, pseudonymize)", shared); err != nil {
		return err
	}

	// Reveal: only an authorized caller with a purpose, and every attempt is
	// audited without the value.
	fmt.Fprintln(w, "5. Revealed (decrypt and detokenize are privileged, audited acts):")
	if _, err := email.DecryptString(ctx, sample.ID, stored.EmailCT); err != nil {
		fmt.Fprintf(w, "   anonymous caller: %v\n", err)
	}
	agent := access.WithPurpose(access.WithPrincipal(ctx,
		access.Principal{ID: "agent-7", Roles: []string{"support"}}), "support-ticket")
	plainEmail, err := email.DecryptString(agent, sample.ID, stored.EmailCT)
	if err != nil {
		return err
	}
	plainSSN, err := ssnVault.Detokenize(agent, stored.SSNToken)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "   agent-7 for a support ticket: email %s, SSN %s\n", plainEmail, plainSSN)
	fmt.Fprintln(w, "   audit trail:")
	for _, e := range audit {
		fmt.Fprintf(w, "     %-8s %-12s %-16s subject=%s outcome=%s\n",
			orNone(e.Principal), e.Action, e.Resource, e.Subject, e.Outcome)
	}
	fmt.Fprintln(w)

	// Logs: the same masking rules, applied by attribute key to any handler.
	attrs, err := mask.NewAttrMasker(nil, mask.DefaultKeyRules()...)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "6. A log line through the masking handler:")
	logger := slog.New(attrs.Handler(slog.NewTextHandler(w, &slog.HandlerOptions{ReplaceAttr: dropTime})))
	logger.Info("login", "email", sample.Email, "password", "hunter2", "ip", sample.LastIP)
	return nil
}

// store encrypts, indexes and tokenizes what the service keeps.
func store(root *keys.Keyset, guard *access.Guard) (Stored, *encrypt.Field, *tokenize.Vault, error) {
	enc, err := encrypt.New(root, encrypt.WithGuard(guard))
	if err != nil {
		return Stored{}, nil, nil, err
	}
	name, err := enc.Field("customers", "name")
	if err != nil {
		return Stored{}, nil, nil, err
	}
	email, err := enc.Field("customers", "email")
	if err != nil {
		return Stored{}, nil, nil, err
	}
	emailIdx, err := enc.BlindIndex(encrypt.IndexSpec{
		Table: "customers", Field: "email", Name: "email_idx", Rows: 1_000_000,
		Transforms: []encrypt.Transform{encrypt.Lowercase},
	})
	if err != nil {
		return Stored{}, nil, nil, err
	}
	card := tokenize.CardTemplate()
	card.KeepLast = 4    // support staff match the last four with the customer
	card.FailLuhn = true // a token can never be mistaken for a real card
	cards, err := tokenize.NewFormatPreserving(root, "customers.card", root.PrimaryID(), card, tokenize.WithGuard(guard))
	if err != nil {
		return Stored{}, nil, nil, err
	}
	ssns, err := tokenize.NewVault(root, "customers.ssn", memstore.New(),
		tokenize.VaultConfig{IndexValues: true}, tokenize.WithGuard(guard))
	if err != nil {
		return Stored{}, nil, nil, err
	}

	s := Stored{ID: sample.ID}
	if s.NameCT, err = name.EncryptString(sample.ID, sample.Name); err != nil {
		return Stored{}, nil, nil, err
	}
	if s.EmailCT, err = email.EncryptString(sample.ID, sample.Email); err != nil {
		return Stored{}, nil, nil, err
	}
	idx, err := emailIdx.ComputeString(sample.Email)
	if err != nil {
		return Stored{}, nil, nil, err
	}
	s.EmailIndex = hex.EncodeToString(idx)
	if s.CardToken, err = cards.Tokenize(sample.Card); err != nil {
		return Stored{}, nil, nil, err
	}
	if s.SSNToken, err = ssns.Tokenize(context.Background(), sample.SSN); err != nil {
		return Stored{}, nil, nil, err
	}
	return s, email, ssns, nil
}

// share generalizes the quasi-identifiers and pseudonymizes the customer ID.
func share(root *keys.Keyset) (Shared, error) {
	customers, err := tokenize.NewPseudonymizer(root, "analytics.customer", tokenize.PseudonymConfig{})
	if err != nil {
		return Shared{}, err
	}
	decades, err := generalize.NewFixedBuckets(generalize.FixedBucketsConfig{Lower: 20, Upper: 80, Width: 10})
	if err != nil {
		return Shared{}, err
	}
	ages, err := generalize.NewAgeBuckets(today, decades)
	if err != nil {
		return Shared{}, err
	}
	zips, err := generalize.NewPostalGeneralizer(map[string]generalize.PostalRule{"US": {Keep: 3}})
	if err != nil {
		return Shared{}, err
	}
	birth, err := time.Parse(time.DateOnly, sample.BirthDate)
	if err != nil {
		return Shared{}, err
	}
	s := Shared{Customer: customers.Pseudonym(sample.ID), Country: sample.Country}
	if s.AgeBand, err = ages.Bucket(birth); err != nil {
		return Shared{}, err
	}
	if s.ZIP3, err = zips.Generalize(sample.Country, sample.ZIP); err != nil {
		return Shared{}, err
	}
	if s.Network, err = generalize.IPPrefix(sample.LastIP, 24, 48); err != nil {
		return Shared{}, err
	}
	return s, nil
}

func printJSON(w io.Writer, title string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s:\n%s\n\n", title, b)
	return err
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// dropTime keeps the example's output stable.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}
