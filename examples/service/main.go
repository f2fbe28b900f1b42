// Command service shows a backend service using Custos on its request path:
// it encrypts a customer's email and name before they reach its store,
// finds the customer again by a blind index of the email, keeps the card
// number as a vault token shaped like a card, logs through a masking
// log/slog handler so that no personal data reaches the log, and decrypts or
// detokenizes only for a caller whose role and purpose allow it, with every
// reveal audited.
//
//	go run ./examples/service
//
// The log (with the audit trail) goes to standard output, without times so
// that runs compare easily. Keys are made fresh for each run; a real service
// reads its root keyset with keys.Read under a key-encryption key.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/custos-dev/custos/access"
	"github.com/custos-dev/custos/encrypt"
	"github.com/custos-dev/custos/keys"
	"github.com/custos-dev/custos/mask"
	"github.com/custos-dev/custos/tokenize"
	"github.com/custos-dev/custos/tokenize/vault/memstore"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "service:", err)
		os.Exit(1)
	}
}

// Customer is a customer as the service's API sees it. The mask tags say how
// each field is logged.
type Customer struct {
	ID    string `json:"id"`
	Name  string `json:"name" mask:"name"`
	Email string `json:"email" mask:"email"`
	Card  string `json:"card" mask:"pan"` // the card number on create; its token afterwards
}

// row is a customer as the store keeps it: email and name sealed (bound to
// the row ID), the email's blind index, and the card's vault token.
type row struct {
	ID       string        `encrypt:",subject"`
	Email    string        `encrypt:"email,index=email_idx"`
	EmailIdx encrypt.Index `encrypt:"email_idx,blindindex"`
	Name     string        `encrypt:"name"`
	Card     string
}

// ErrNotFound is returned for an unknown customer.
var ErrNotFound = errors.New("service: customer not found")

// Service stores customers. It is safe for concurrent use.
type Service struct {
	sealer *encrypt.Sealer
	cards  *tokenize.Vault
	log    *slog.Logger

	mu   sync.RWMutex
	rows map[string]row // stands in for the database
}

// NewService returns a service whose keys derive from root, whose reveals
// go through guard, and which logs to log.
func NewService(root *keys.Keyset, guard *access.Guard, log *slog.Logger) (*Service, error) {
	enc, err := encrypt.New(root, encrypt.WithGuard(guard))
	if err != nil {
		return nil, err
	}
	idx, err := enc.BlindIndex(encrypt.IndexSpec{Table: "customers", Field: "email", Name: "email_idx", Rows: 1 << 20,
		Transforms: []encrypt.Transform{encrypt.TrimSpace, encrypt.Lowercase}})
	if err != nil {
		return nil, err
	}
	sealer, err := enc.Sealer("customers", []*encrypt.BlindIndex{idx})
	if err != nil {
		return nil, err
	}
	// Card tokens look like card numbers and keep the last four digits,
	// so screens and support scripts work on them unchanged; they fail the
	// Luhn check, so a token is never taken for a real card.
	card := tokenize.CardTemplate()
	card.KeepLast, card.FailLuhn = 4, true
	cards, err := tokenize.NewVault(root, "customers.card", memstore.New(), tokenize.VaultConfig{Format: card}, tokenize.WithGuard(guard))
	if err != nil {
		return nil, err
	}
	return &Service{sealer: sealer, cards: cards, log: log, rows: map[string]row{}}, nil
}

// Create stores a new customer and returns it with its card token.
func (s *Service) Create(ctx context.Context, c Customer) (Customer, error) {
	tok, err := s.cards.Tokenize(ctx, c.Card)
	if err != nil {
		return Customer{}, err
	}
	r := row{ID: c.ID, Email: c.Email, Name: c.Name, Card: tok}
	if err := s.sealer.Seal(&r); err != nil {
		return Customer{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.rows[c.ID]; ok {
		return Customer{}, fmt.Errorf("service: customer %q exists", c.ID)
	}
	s.rows[c.ID] = r
	// The whole customer, card number included, goes to the log: the
	// masking handler shows only what the mask tags allow.
	s.log.InfoContext(ctx, "customer created", "customer", c)
	c.Card = tok
	return c, nil
}

// FindByEmail returns the customers with this email. The blind index gives
// candidates; opening them is a reveal, allowed or refused by the guard.
func (s *Service) FindByEmail(ctx context.Context, email string) ([]Customer, error) {
	idx, err := s.sealer.Lookup("email_idx", email)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	var cands []row
	for _, r := range s.rows {
		if encrypt.Equal(r.EmailIdx, idx) {
			cands = append(cands, r)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(cands, func(a, b row) int { return strings.Compare(a.ID, b.ID) })
	want := strings.ToLower(strings.TrimSpace(email))
	var out []Customer
	for _, r := range cands {
		if err := s.sealer.Open(ctx, &r); err != nil {
			return nil, err
		}
		if strings.ToLower(strings.TrimSpace(r.Email)) == want { // drop index collisions
			out = append(out, Customer{ID: r.ID, Name: r.Name, Email: r.Email, Card: r.Card})
		}
	}
	s.log.InfoContext(ctx, "customer lookup", "email", strings.TrimSpace(email), "found", len(out))
	return out, nil
}

// Get returns a customer, decrypted for the caller in ctx.
func (s *Service) Get(ctx context.Context, id string) (Customer, error) {
	s.mu.RLock()
	r, ok := s.rows[id]
	s.mu.RUnlock()
	if !ok {
		return Customer{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	if err := s.sealer.Open(ctx, &r); err != nil {
		s.log.WarnContext(ctx, "customer read refused", "id", id, "err", err)
		return Customer{}, err
	}
	return Customer{ID: r.ID, Name: r.Name, Email: r.Email, Card: r.Card}, nil
}

// CardNumber reveals a customer's card number, for the caller in ctx.
func (s *Service) CardNumber(ctx context.Context, id string) (string, error) {
	s.mu.RLock()
	r, ok := s.rows[id]
	s.mu.RUnlock()
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return s.cards.Detokenize(ctx, r.Card)
}

// stored returns the row as the store holds it.
func (s *Service) stored(id string) (row, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.rows[id]
	return r, ok
}

// newLogger returns a text logger to w that masks personal data by
// attribute key and by struct tag, and leaves out times.
func newLogger(w io.Writer) (*slog.Logger, error) {
	am, err := mask.NewAttrMasker(nil, mask.DefaultKeyRules()...)
	if err != nil {
		return nil, err
	}
	noTime := func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && len(groups) == 0 {
			return slog.Attr{}
		}
		return a
	}
	return slog.New(am.Handler(slog.NewTextHandler(w, &slog.HandlerOptions{ReplaceAttr: noTime}))), nil
}

// newGuard returns the service's access policy: support reads profiles for
// support, billing reads card numbers for billing; every reveal is audited
// to log.
func newGuard(log *slog.Logger) (*access.Guard, error) {
	rbac, err := access.NewRBAC(
		access.Grant{Role: "support", Actions: []access.Action{access.ActionDecrypt}, Resources: []string{"customers.*"}, Purposes: []string{"support"}},
		access.Grant{Role: "billing", Actions: []access.Action{access.ActionDetokenize}, Resources: []string{"customers.card"}, Purposes: []string{"billing"}},
	)
	if err != nil {
		return nil, err
	}
	return access.NewGuard(access.WithAuthorizer(rbac), access.WithAuditor(access.NewSlogAuditor(log))), nil
}

func caller(ctx context.Context, id, role, purpose string) context.Context {
	return access.WithPurpose(access.WithPrincipal(ctx, access.Principal{ID: id, Roles: []string{role}}), purpose)
}

func run(ctx context.Context, out io.Writer) error {
	log, err := newLogger(out)
	if err != nil {
		return err
	}
	guard, err := newGuard(log)
	if err != nil {
		return err
	}
	root, err := keys.New(keys.DerivationHKDFSHA256)
	if err != nil {
		return err
	}
	svc, err := NewService(root, guard, log)
	if err != nil {
		return err
	}

	signup := caller(ctx, "web", "signup", "signup")
	for _, c := range []Customer{
		{ID: "cus_1", Name: "Ada Lovelace", Email: "ada@example.com", Card: "4111 1111 1111 1111"},
		{ID: "cus_2", Name: "Grace Hopper", Email: "grace@example.com", Card: "5555 5555 5555 4444"},
	} {
		if _, err := svc.Create(signup, c); err != nil {
			return err
		}
	}
	r, _ := svc.stored("cus_1")
	fmt.Fprintf(out, "stored cus_1: email %d characters of ciphertext, email_idx %d bytes, card token %s\n", len(r.Email), len(r.EmailIdx), r.Card)

	support := caller(ctx, "agent-7", "support", "support")
	found, err := svc.FindByEmail(support, " ADA@Example.com")
	if err != nil {
		return err
	}
	for _, c := range found {
		fmt.Fprintf(out, "found for agent-7: %s %s <%s> card %s\n", c.ID, c.Name, c.Email, c.Card)
	}
	intern := caller(ctx, "intern-3", "intern", "curiosity")
	if _, err := svc.Get(intern, "cus_2"); err != nil {
		fmt.Fprintf(out, "intern-3 reading cus_2: %v\n", err)
	}
	billing := caller(ctx, "billing-2", "billing", "billing")
	pan, err := svc.CardNumber(billing, "cus_2")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "card of cus_2 revealed for billing-2, shown as %s\n", mask.PAN(pan))
	return nil
}
