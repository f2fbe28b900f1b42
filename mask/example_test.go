package mask_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/custos-dev/custos/mask"
)

func ExampleEmail() {
	fmt.Println(mask.Email("john.doe@example.com"))
	fmt.Println(mask.Email("not an address"))
	// Output:
	// j***@example.com
	// ****
}

func ExampleEmailRule() {
	fmt.Println(mask.EmailRule{HideDomain: true}.Mask("john.doe@mail.example.com"))
	// Output: j***@***.com
}

func ExamplePhone() {
	fmt.Println(mask.Phone("+1 415-555-0132"))
	// Output: +* ***-***-0132
}

func ExamplePhoneRule() {
	fmt.Println(mask.PhoneRule{KeepLast: 2}.Mask("+1 415-555-0132"))
	// Output: +* ***-***-**32
}

func ExamplePAN() {
	fmt.Println(mask.PAN("4242 4242 4242 4242"))
	// Output: **** **** **** 4242
}

func ExamplePANRule() {
	bin6 := mask.PANRule{BIN: 6}
	fmt.Println(bin6.Mask("4242424242424242"))
	fmt.Println(bin6.Mask("123456789012")) // short: the BIN shrinks so 4 digits stay hidden
	fmt.Println(mask.PANRule{BIN: 7}.Validate() != nil)
	// Output:
	// 424242******4242
	// 1234****9012
	// true
}

func ExampleIBAN() {
	fmt.Println(mask.IBAN("DE89 3704 0044 0532 0130 00"))
	// Output: DE** **** **** **** **30 00
}

func ExampleIBANRule() {
	var r mask.Rule = mask.IBANRule{}
	fmt.Println(r.Mask("GB82WEST12345698765432"))
	// Output: GB****************5432
}

func ExampleNationalID() {
	fmt.Println(mask.NationalID("536-90-4399"))
	// Output: ***-**-4399
}

func ExampleNationalIDRule() {
	fmt.Println(mask.NationalIDRule{}.Mask("AB 12 34 56 C"))
	// Output: ** ** *4 56 C
}

func ExampleName() {
	fmt.Println(mask.Name("John Ronald Tolkien"))
	fmt.Println(mask.Name("Мария Иванова"))
	// Output:
	// J. R. T.
	// М. И.
}

func ExampleNameRule() {
	fmt.Println(mask.NameRule{}.Mask("山田 太郎"))
	// Output: 山. 太.
}

func ExampleIP() {
	fmt.Println(mask.IP("192.0.2.77"))
	fmt.Println(mask.IP("2001:db8:85a3::8a2e:370:7334"))
	fmt.Println(mask.IP("192.0.2.77:443"))
	// Output:
	// 192.0.2.0
	// 2001:db8:85a3::
	// 192.0.2.0:443
}

func ExampleIPRule() {
	r := mask.IPRule{V4Bits: 16, V6Bits: 32}
	fmt.Println(r.Mask("192.0.2.77"))
	fmt.Println(r.Mask("2001:db8:85a3::1"))
	// Output:
	// 192.0.0.0
	// 2001:db8::
}

func ExampleURL() {
	fmt.Println(mask.URL("https://bob:pw@example.com/a?token=abc&page=2"))
	// Output: https://bob:****@example.com/a?token=****&page=****
}

func ExampleURLRule() {
	fmt.Println(mask.URLRule{}.Mask("postgres://app:s3cret@db:5432/prod"))
	// Output: postgres://app:****@db:5432/prod
}

func ExampleCredential() {
	fmt.Println(mask.Credential("sk_live_4eC39HqLyjWDarjtT1zdp7dc"))
	// Output: sk_l****
}

func ExampleCredentialRule() {
	fmt.Println(mask.CredentialRule{Prefix: 8}.Mask("sk_live_4eC39HqLyjWDarjtT1zdp7dc"))
	// Output: sk_live_****
}

func ExampleRedact() {
	fmt.Println(mask.Redact("").Mask("hunter2"))
	fmt.Println(mask.Redact("(hidden)").Mask("hunter2"))
	// Output:
	// [REDACTED]
	// (hidden)
}

func ExampleLabel() {
	fmt.Println(mask.Label("EMAIL").Mask("john@example.com"))
	// Output: <EMAIL>
}

func ExamplePartial() {
	card := mask.Partial{KeepLast: 4, Ignore: "-"}
	fmt.Println(card.Mask("1234-5678-9012-3456"))
	fixed := mask.Partial{KeepLast: 4, FixedLength: 8, Char: '•'}
	fmt.Println(fixed.Mask("4242424242424242"))
	fmt.Println(mask.Partial{}.Mask("Привет"))
	// Output:
	// ****-****-****-3456
	// ••••4242
	// ******
}

func ExamplePartial_Append() {
	buf := []byte("card=")
	buf = mask.Partial{KeepLast: 4}.Append(buf, "4242424242424242")
	fmt.Println(string(buf))
	// Output: card=************4242
}

func ExamplePartial_Validate() {
	fmt.Println(mask.Partial{KeepFirst: -1}.Validate())
	// Output: mask: invalid rule: partial: negative count
}

func ExampleNewRegistry() {
	r := mask.NewRegistry()
	fmt.Println(r.Names())
	// Output: [credential email full iban ip last4 name national_id pan pan_bin6 pan_bin8 phone redact ssn url]
}

func ExampleRegistry_Register() {
	r := mask.NewRegistry()
	if err := r.Register("account", mask.Partial{KeepLast: 3, FixedLength: 8}); err != nil {
		fmt.Println(err)
	}
	fmt.Println(r.Register("pan", mask.Redact("")))

	type Payout struct {
		Account string `mask:"account"`
	}
	p, err := mask.StructWith(mask.NewMasker(r), Payout{Account: "NL91ABNA0417164300"})
	fmt.Println(p.Account, err)
	// Output:
	// mask: invalid rule: rule "pan" is already registered
	// *****300 <nil>
}

func ExampleRegistry_Lookup() {
	r := mask.NewRegistry()
	rule, err := r.Lookup("pan_bin8")
	if err != nil {
		panic(err)
	}
	fmt.Println(rule.Mask("4242424242424242"))
	_, err = r.Lookup("nope")
	fmt.Println(errors.Is(err, mask.ErrUnknownRule))
	// Output:
	// 42424242****4242
	// true
}

// Customer is a record as a service might hold it.
type Customer struct {
	ID      string   `mask:"-"`
	Name    string   `mask:"name"`
	Email   string   `mask:"email"`
	Phones  []string `mask:"phone"`
	Card    string   `mask:"pan"`
	SSN     string   `mask:"ssn"`
	Created time.Time
}

func ExampleStruct() {
	c := Customer{
		ID:      "c-1001",
		Name:    "Maria Ivanova",
		Email:   "maria@example.com",
		Phones:  []string{"+1 415-555-0132"},
		Card:    "4242 4242 4242 4242",
		SSN:     "536-90-4399",
		Created: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC),
	}
	masked, err := mask.Struct(c)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", masked)
	fmt.Println(c.Email) // the input is not modified
	// Output:
	// {ID:c-1001 Name:M. I. Email:m***@example.com Phones:[+* ***-***-0132] Card:**** **** **** 4242 SSN:***-**-4399 Created:2026-11-21 00:00:00 +0000 UTC}
	// maria@example.com
}

func ExampleStructWith() {
	m := mask.NewMasker(mask.NewRegistry())
	c, err := mask.StructWith(m, &Customer{Email: "bob@example.org"})
	fmt.Println(c.Email, err)
	// Output: b***@example.org <nil>
}

func ExampleDefault() {
	out, err := mask.Default().Copy(Customer{Card: "4242424242424242"})
	fmt.Println(out.(Customer).Card, err)
	// Output: ************4242 <nil>
}

func ExampleNewMasker() {
	r := mask.NewRegistry()
	if err := r.Register("tier", mask.Label("TIER")); err != nil {
		panic(err)
	}
	m := mask.NewMasker(r)
	type Account struct {
		Tier string `mask:"tier"`
	}
	a, _ := mask.StructWith(m, Account{Tier: "platinum"})
	fmt.Println(a.Tier)
	// Output: <TIER>
}

func ExampleMasker_Copy() {
	var v any = &Customer{Name: "John Smith"}
	out, err := mask.Default().Copy(v)
	fmt.Println(out.(*Customer).Name, err)
	// Output: J. S. <nil>
}

func ExampleMasker_InPlace() {
	c := Customer{Email: "maria@example.com"}
	if err := mask.Default().InPlace(&c); err != nil {
		panic(err)
	}
	fmt.Println(c.Email)
	// Output: m***@example.com
}

func ExampleMasker_Prepare() {
	type Order struct {
		Card string `mask:"pam"` // misspelt
	}
	err := mask.Default().Prepare(Order{})
	fmt.Println(err)
	var fe *mask.FieldError
	fmt.Println(errors.Is(err, mask.ErrUnknownRule), errors.As(err, &fe) && fe.Field == "Card")
	// Output:
	// mask: mask_test.Order.Card (rule "pam"): unknown rule "pam"
	// true true
}

// noTime drops the time attribute so the output is stable.
func noTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

func ExampleNewAttrMasker() {
	am, err := mask.NewAttrMasker(nil,
		mask.KeyRule{Key: "email", Rule: "email"},
		mask.KeyRule{Key: "*token*", Rule: "credential"},
	)
	if err != nil {
		panic(err)
	}
	logger := slog.New(am.Handler(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime})))
	logger.Info("login", "email", "maria@example.com", "refresh_token", "rt_9f8e7d6c5b4a3f2e1d0c")
	// Output: level=INFO msg=login email=m***@example.com refresh_token=rt_9****
}

func ExampleAttrMasker_ReplaceAttr() {
	am, err := mask.NewAttrMasker(nil, mask.DefaultKeyRules()...)
	if err != nil {
		panic(err)
	}
	replace := func(groups []string, a slog.Attr) slog.Attr { return am.ReplaceAttr(groups, noTime(groups, a)) }
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: replace}))
	logger.Info("payment", "card_number", "4242424242424242", "password", "hunter2", "amount", 42)
	// Output: {"level":"INFO","msg":"payment","card_number":"************4242","password":"[REDACTED]","amount":42}
}

func ExampleAttrMasker_Handler() {
	am, err := mask.NewAttrMasker(nil, mask.DefaultKeyRules()...)
	if err != nil {
		panic(err)
	}
	logger := slog.New(am.Handler(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime})))
	// Attributes with no key rule are masked by their struct tags.
	logger.With("client_ip", "192.0.2.77").Info("created", "customer", Customer{ID: "c-1", Email: "maria@example.com"})
	// Output: {"level":"INFO","msg":"created","client_ip":"192.0.2.0","customer":{"ID":"c-1","Name":"","Email":"m***@example.com","Phones":null,"Card":"","SSN":"","Created":"0001-01-01T00:00:00Z"}}
}

func ExampleDefaultKeyRules() {
	rules := append(mask.DefaultKeyRules(), mask.KeyRule{Key: "customer_name", Rule: "name"})
	am, err := mask.NewAttrMasker(nil, rules...)
	fmt.Println(am != nil, err)
	// Output: true <nil>
}

func ExampleSecret() {
	type Config struct {
		DSN      string
		Password mask.Secret[string]
	}
	cfg := Config{DSN: "db:5432", Password: mask.NewSecret("hunter2")}
	fmt.Printf("%v\n%+v\n", cfg, cfg)
	j, _ := json.Marshal(cfg)
	fmt.Println(string(j))
	slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime})).Info("config", "password", cfg.Password)
	// Output:
	// {db:5432 [REDACTED]}
	// {DSN:db:5432 Password:[REDACTED]}
	// {"DSN":"db:5432","Password":"[REDACTED]"}
	// level=INFO msg=config password=[REDACTED]
}

func ExampleNewSecret() {
	s := mask.NewSecret("hunter2")
	fmt.Printf("%s %q\n", s, s)
	// Output: [REDACTED] "[REDACTED]"
}

func ExampleSecret_Value() {
	s := mask.NewSecret(42)
	fmt.Println(s, s.Value())
	// Output: [REDACTED] 42
}
