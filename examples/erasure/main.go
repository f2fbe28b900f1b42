// Command erasure shows the right to be forgotten end to end: a small customer
// store whose email and name columns are encrypted under each customer's own
// data key (keys.SubjectKeys), with a blind index to find customers by email
// and card numbers kept as vault tokens; a legal hold on one customer; and
// erasure requests run by a retention.Eraser wired to the real components.
//
// Erasing a customer destroys the customer's data key, so every copy of the
// email and name ciphertexts — in the table, in its backups, anywhere — fails
// with keys.ErrKeyDestroyed; deletes every vault token of the customer's card
// (also those the payments side holds); and removes the customer's blind-index
// entry, so lookups by email find nothing. Other customers are untouched.
// The request for the customer under legal hold is refused and queued.
// Reveals and privileged acts are audited to standard error.
//
//	go run ./examples/erasure
//	go run ./examples/erasure -postgres 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
//
// By default the customer table and the subject key store are in memory and
// the token vault is a bbolt file in a temporary directory. With -postgres
// all three are in PostgreSQL: the customer table (encrypted bytea columns
// and a bytea blind-index column), the vault (a pgstore table) and the
// customers' data keys (pgkeys tables: the wrapped keys and, apart, the
// tombstones of erased customers, so a restored backup of the keys cannot
// bring an erased customer back). They get a random name and are dropped at
// the end. Keys are made fresh for each run, so ciphertexts and tokens differ
// from run to run.
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/custos-dev/custos/access"
	"github.com/custos-dev/custos/encrypt"
	"github.com/custos-dev/custos/keys"
	"github.com/custos-dev/custos/keys/pgkeys"
	"github.com/custos-dev/custos/retention"
	"github.com/custos-dev/custos/tokenize"
	"github.com/custos-dev/custos/tokenize/vault"
	"github.com/custos-dev/custos/tokenize/vault/boltstore"
	"github.com/custos-dev/custos/tokenize/vault/pgstore"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

func main() {
	pg := flag.String("postgres", "", "PostgreSQL URL: keep the customer table, the vault and the subject keys there (default: memory and a bbolt file)")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, os.Stderr, config{PostgresURL: *pg}); err != nil {
		fmt.Fprintln(os.Stderr, "erasure:", err)
		os.Exit(1)
	}
}

// config chooses where the customer table, the vault and the subject keys
// live.
type config struct {
	// PostgresURL, when set, puts all three in PostgreSQL, in tables with a
	// random suffix that Close drops.
	PostgresURL string
	// Dir holds the bbolt vault file when PostgresURL is empty; "" means a
	// temporary directory that Close removes.
	Dir string
	// Audit receives the audit trail (reveals and privileged acts).
	Audit io.Writer
	// Now is the clock of the retention components (default time.Now).
	Now func() time.Time
}

// customer is a customer as the service receives it at sign-up.
type customer struct {
	ID, Email, Name, Card string
}

// Made-up customers; the cards are well-known test numbers.
var customers = []customer{
	{ID: "c1", Email: "ada@example.com", Name: "Ada Lovelace", Card: "4111 1111 1111 1111"},
	{ID: "c2", Email: "grace@example.com", Name: "Grace Hopper", Card: "5555 5555 5555 4444"},
	{ID: "c3", Email: "alan@example.org", Name: "Alan Turing", Card: "3782 822463 10005"},
}

// Who acts, with which roles and purposes.
var (
	supportAgent = access.Principal{ID: "agent-7", Roles: []string{"support"}}
	billingAgent = access.Principal{ID: "billing-2", Roles: []string{"billing"}}
	erasureJob   = access.Principal{ID: "erasure-job", Roles: []string{"privacy"}}
)

const (
	legalActor   = "legal:dana"   // may place and lift legal holds
	privacyActor = "privacy-desk" // files erasure requests
	cacheTTL     = time.Minute    // how long an instance caches a subject key
)

func as(ctx context.Context, p access.Principal, purpose string) context.Context {
	return access.WithPurpose(access.WithPrincipal(ctx, p), purpose)
}

// app is the service: its table, keys, fields, vault, and the retention
// machinery for holds and erasure.
type app struct {
	table    table
	keyStore keys.SubjectKeyStore
	kek      *keys.MasterKey
	subjects *keys.SubjectKeys
	email    *encrypt.SubjectField
	name     *encrypt.SubjectField
	emailIdx *encrypt.BlindIndex
	cards    *tokenize.Vault
	holds    *retention.MemoryHolds
	queue    *retention.MemoryErasureQueue
	governor *retention.Governor
	eraser   *retention.Eraser
	closers  []func() error
}

func newApp(ctx context.Context, cfg config) (a *app, err error) {
	if cfg.Audit == nil {
		cfg.Audit = io.Discard
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a = &app{holds: &retention.MemoryHolds{}, queue: &retention.MemoryErasureQueue{}}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	logger := slog.New(slog.NewTextHandler(cfg.Audit, nil))

	// Who may reveal what: support reads profiles, billing reads cards for
	// billing, and the erasure job reads a card only to erase its tokens.
	rbac, err := access.NewRBAC(
		access.Grant{Role: "support", Actions: []access.Action{access.ActionDecrypt}, Resources: []string{"customers.email", "customers.name"}, Purposes: []string{"support"}},
		access.Grant{Role: "billing", Actions: []access.Action{access.ActionDetokenize}, Resources: []string{"customers.card"}, Purposes: []string{"billing"}},
		access.Grant{Role: "privacy", Actions: []access.Action{access.ActionDetokenize}, Resources: []string{"customers.card"}, Purposes: []string{"erasure"}},
	)
	if err != nil {
		return nil, err
	}
	guard := access.NewGuard(access.WithAuthorizer(rbac), access.WithAuditor(access.NewSlogAuditor(logger)))

	// Where the rows, the tokens and the subject keys live.
	var store vault.Store
	if cfg.PostgresURL != "" {
		store, err = a.openPostgres(ctx, cfg.PostgresURL)
	} else {
		store, err = a.openLocal(cfg.Dir)
	}
	if err != nil {
		return nil, err
	}

	// Keys. A real service reads its root keyset with keys.Read and wraps
	// subject keys under a KMS key.
	root, err := keys.New(keys.DerivationHKDFSHA256)
	if err != nil {
		return nil, err
	}
	if a.kek, err = keys.GenerateMasterKey(); err != nil {
		return nil, err
	}
	if a.subjects, err = keys.NewSubjectKeys(a.keyStore, a.kek, keys.WithCacheTTL(cacheTTL)); err != nil {
		return nil, err
	}
	if a.email, err = encrypt.NewSubjectField(a.subjects, "customers", "email", encrypt.WithGuard(guard)); err != nil {
		return nil, err
	}
	if a.name, err = encrypt.NewSubjectField(a.subjects, "customers", "name", encrypt.WithGuard(guard)); err != nil {
		return nil, err
	}
	enc, err := encrypt.New(root, encrypt.WithGuard(guard))
	if err != nil {
		return nil, err
	}
	if a.emailIdx, err = enc.BlindIndex(encrypt.IndexSpec{Table: "customers", Field: "email", Name: "email_idx",
		Rows: 1 << 20, Transforms: []encrypt.Transform{encrypt.TrimSpace, encrypt.Lowercase}}); err != nil {
		return nil, err
	}

	// IndexValues lets DeleteValue find every token of a card number.
	if a.cards, err = tokenize.NewVault(root, "customers.card", store, tokenize.VaultConfig{IndexValues: true}, tokenize.WithGuard(guard)); err != nil {
		return nil, err
	}

	// Legal holds are placed and lifted through a Governor, by authorized
	// actors, with an audit record.
	retAudit := retention.SlogAuditor(logger)
	a.governor = retention.NewGovernor(retention.WithAuditor(retAudit), retention.WithClock(cfg.Now),
		retention.WithAuthorizer(retention.AuthorizerFunc(func(_ context.Context, actor string, c retention.Capability) error {
			if actor == legalActor && c == retention.CapManageHolds {
				return nil
			}
			return fmt.Errorf("%w: %s may not %v", retention.ErrNotAuthorized, actor, c)
		})))
	a.eraser, err = retention.NewEraser(keyShredder{a.subjects, cfg.Now},
		retention.WithSubjectStore("vault tokens", cardTokens{a.table, a.cards}),
		retention.WithSubjectStore("blind index", emailIndex{a.table}),
		retention.WithHolds(a.holds),
		retention.WithErasureQueue(a.queue),
		retention.WithAuditor(retAudit),
		retention.WithClock(cfg.Now),
		retention.WithOutOfReach("database backups: email and name are encrypted under the subject key, unreadable once it is destroyed"))
	if err != nil {
		return nil, err
	}
	return a, nil
}

// openLocal keeps the table and the subject keys in memory and the vault in
// a bbolt file.
func (a *app) openLocal(dir string) (vault.Store, error) {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "custos-erasure-example")
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, func() error { return os.RemoveAll(tmp) })
		dir = tmp
	}
	a.table = newMemTable()
	a.keyStore = keys.NewMemorySubjectKeyStore()
	s, err := boltstore.Open(filepath.Join(dir, "vault.db"))
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, s.Close)
	return s, nil
}

// openPostgres creates a customer table, a vault table and the subject key
// tables with a random suffix; Close drops them.
func (a *app) openPostgres(ctx context.Context, url string) (vault.Store, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	suffix := hex.EncodeToString(b[:])
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, db.Close)
	if err := db.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("erasure: connecting to PostgreSQL: %w", err)
	}
	t, err := createSQLTable(ctx, db, "custos_erasure_customers_"+suffix)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func() error { return t.drop(context.Background()) })
	a.table = t
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func() error { pool.Close(); return nil })
	name := "custos_erasure_vault_" + suffix
	a.closers = append(a.closers, func() error {
		_, err := db.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+name)
		return err
	})
	if err := pgstore.Migrate(ctx, pool, name); err != nil {
		return nil, err
	}

	// The subject keys: every instance of the service shares them, and they
	// outlive restarts. Erasing a customer deletes the key row and records
	// a tombstone in a second table.
	keysName := "custos_erasure_keys_" + suffix
	a.closers = append(a.closers, func() error {
		_, err := db.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+keysName+", "+keysName+pgkeys.TombstoneSuffix)
		return err
	})
	if err := pgkeys.Migrate(ctx, pool, keysName); err != nil {
		return nil, err
	}
	if a.keyStore, err = pgkeys.New(pool, keysName); err != nil {
		return nil, err
	}
	return pgstore.New(pool, name)
}

// Close releases everything newApp opened, in reverse order.
func (a *app) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}

// signUp stores a new customer: email and name encrypted under the
// customer's key, the email's blind index, and a vault token of the card.
func (a *app) signUp(ctx context.Context, c customer) error {
	email, err := a.email.Encrypt(ctx, c.ID, []byte(c.Email))
	if err != nil {
		return err
	}
	name, err := a.name.Encrypt(ctx, c.ID, []byte(c.Name))
	if err != nil {
		return err
	}
	idx, err := a.emailIdx.ComputeString(c.Email)
	if err != nil {
		return err
	}
	tok, err := a.cards.Tokenize(ctx, c.Card)
	if err != nil {
		return err
	}
	return a.table.insert(ctx, row{ID: c.ID, Email: email, Name: name, EmailIdx: idx, CardToken: tok})
}

// checkout is the payments side: it tokenizes the card of a payment and
// keeps its own token, apart from the customer table.
func (a *app) checkout(ctx context.Context, card string) (string, error) {
	return a.cards.Tokenize(ctx, card)
}

// findByEmail returns the IDs of the customers with this email: the blind
// index gives candidates, which are decrypted and compared.
func (a *app) findByEmail(ctx context.Context, email string) ([]string, error) {
	idx, err := a.emailIdx.ComputeString(email)
	if err != nil {
		return nil, err
	}
	rows, err := a.table.byEmailIndex(ctx, idx)
	if err != nil {
		return nil, err
	}
	want := normalize(email)
	var ids []string
	for _, r := range rows {
		got, err := a.email.Decrypt(ctx, r.ID, r.Email)
		if errors.Is(err, keys.ErrKeyDestroyed) {
			continue // an erased customer is no one
		}
		if err != nil {
			return nil, err
		}
		if normalize(string(got)) == want {
			ids = append(ids, r.ID)
		}
	}
	return ids, nil
}

func normalize(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// profile decrypts a customer's email and name.
func (a *app) profile(ctx context.Context, id string) (email, name string, err error) {
	r, err := a.table.get(ctx, id)
	if err != nil {
		return "", "", err
	}
	e, err := a.email.Decrypt(ctx, id, r.Email)
	if err != nil {
		return "", "", err
	}
	n, err := a.name.Decrypt(ctx, id, r.Name)
	if err != nil {
		return "", "", err
	}
	return string(e), string(n), nil
}

func hexOrNone(b []byte) string {
	if b == nil {
		return "none"
	}
	return hex.EncodeToString(b)
}

func last4(card string) string {
	d := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, card)
	if len(d) < 4 {
		return "????"
	}
	return d[len(d)-4:]
}

func run(ctx context.Context, out, audit io.Writer, cfg config) (err error) {
	cfg.Audit = audit
	a, err := newApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, a.Close()) }()

	support := as(ctx, supportAgent, "support")
	billing := as(ctx, billingAgent, "billing")

	for _, c := range customers {
		if err := a.signUp(ctx, c); err != nil {
			return err
		}
	}
	payTok, err := a.checkout(ctx, customers[0].Card)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "Stored customers (what the table holds):")
	for _, c := range customers {
		r, err := a.table.get(ctx, c.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  %s  email %d bytes, name %d bytes (key of %s), email_idx %s, card token %s\n",
			r.ID, len(r.Email), len(r.Name), r.ID, hexOrNone(r.EmailIdx), r.CardToken)
	}
	fmt.Fprintf(out, "Payment record of c1 holds card token %s\n", payTok)
	ids, err := a.findByEmail(support, " ADA@example.com")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Find by email %q: %v\n", " ADA@example.com", ids)

	// Legal places a hold on c3.
	h, err := a.governor.PlaceHold(ctx, a.holds, retention.Hold{ID: "hold-17", Subject: "c3", Reason: "litigation 2026-041"},
		retention.Privilege{Actor: legalActor, Reason: "preservation notice"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Legal hold %s on %s by %s (%s)\n", h.ID, h.Subject, h.PlacedBy, h.Reason)

	// The erasure job runs requests as a principal allowed to read a card
	// for the purpose of erasing its tokens.
	job := as(ctx, erasureJob, "erasure")
	rep, err := a.eraser.Erase(job, retention.ErasureRequest{ID: "req-1", Subject: "c1", Actor: privacyActor, Reason: "customer request (GDPR art. 17)", At: cfg.now()})
	if err != nil {
		return err
	}
	fmt.Fprintln(out)
	printReport(out, rep)

	fmt.Fprintln(out, "\nAfter erasure of c1:")
	if _, _, err := a.profile(support, "c1"); err != nil {
		fmt.Fprintf(out, "  c1 profile:       %v (key destroyed: %t)\n", err, errors.Is(err, keys.ErrKeyDestroyed))
	}
	r, err := a.table.get(ctx, "c1")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  c1 row:           email %d bytes, name %d bytes, email_idx %s, card token %q\n", len(r.Email), len(r.Name), hexOrNone(r.EmailIdx), r.CardToken)
	if _, err := a.cards.Detokenize(billing, payTok); err != nil {
		fmt.Fprintf(out, "  payment token:    %v\n", err)
	}
	if ids, err = a.findByEmail(support, "ada@example.com"); err != nil {
		return err
	}
	fmt.Fprintf(out, "  find ada@example.com: %d customer(s)\n", len(ids))
	email, name, err := a.profile(support, "c2")
	if err != nil {
		return err
	}
	r2, err := a.table.get(ctx, "c2")
	if err != nil {
		return err
	}
	card, err := a.cards.Detokenize(billing, r2.CardToken)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  c2 untouched:     %s <%s>, card ending %s\n", name, email, last4(card))

	// c3 is under legal hold: the request is refused and queued.
	rep, err = a.eraser.Erase(job, retention.ErasureRequest{ID: "req-2", Subject: "c3", Actor: privacyActor, Reason: "customer request (GDPR art. 17)", At: cfg.now()})
	if !errors.Is(err, retention.ErrHeld) {
		return fmt.Errorf("erasure of a held customer: got %v, want ErrHeld", err)
	}
	fmt.Fprintf(out, "\nErasure request %s for %s: %v, holds %v\n  %v\n", rep.RequestID, rep.Subject, rep.Status, rep.Holds, err)
	for _, q := range a.queue.Pending() {
		fmt.Fprintf(out, "  queued: %s for %s\n", q.ID, q.Subject)
	}
	if email, _, err = a.profile(support, "c3"); err != nil {
		return err
	}
	fmt.Fprintf(out, "  c3 still readable: %s\n", email)
	return nil
}

func (c config) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

func printReport(out io.Writer, rep retention.ErasureReport) {
	fmt.Fprintf(out, "Erasure request %s for %s: %v\n", rep.RequestID, rep.Subject, rep.Status)
	fmt.Fprintf(out, "  key shredded: %t\n", rep.KeyShredded)
	for _, e := range rep.Erased {
		fmt.Fprintf(out, "  erased from %s: %d\n", e.Store, e.Count)
	}
	for _, f := range rep.Failed {
		fmt.Fprintf(out, "  failed: %s\n", f)
	}
	for _, o := range rep.OutOfReach {
		fmt.Fprintf(out, "  out of reach: %s\n", o)
	}
}
