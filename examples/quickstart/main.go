// Command quickstart shows what Custos does to one customer record: it prints
// the record as a service holds it, then as it may be shown on a support
// screen or written to a log.
//
//	go run ./examples/quickstart
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/custos-dev/custos/mask"
)

// Customer is a record as a typical service keeps it. The mask tags say how
// each field may be shown.
type Customer struct {
	ID      string `json:"id"`
	Name    string `json:"name" mask:"name"`
	Email   string `json:"email" mask:"email"`
	Phone   string `json:"phone" mask:"phone"`
	Card    string `json:"card" mask:"pan"`
	IBAN    string `json:"iban" mask:"iban"`
	SSN     string `json:"ssn" mask:"ssn"`
	LastIP  string `json:"last_ip" mask:"ip"`
	APIKey  string `json:"api_key" mask:"credential"`
	Country string `json:"country"`
}

// sample is a made-up customer; the card is a well-known test number.
var sample = Customer{
	ID:      "cus_1042",
	Name:    "Ada María Lovelace",
	Email:   "ada.lovelace@example.com",
	Phone:   "+44 20 7946 0958",
	Card:    "4111 1111 1111 1111",
	IBAN:    "GB82WEST12345698765432",
	SSN:     "078-05-1120",
	LastIP:  "203.0.113.195",
	APIKey:  "sk_live_51HxQ2eKz8vN3mP0aB7cD9fG",
	Country: "GB",
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	masked, err := mask.Struct(sample)
	if err != nil {
		return err
	}
	if err := printJSON(w, "Before (as stored by the service)", sample); err != nil {
		return err
	}
	if err := printJSON(w, "After masking (safe for screens and exports)", masked); err != nil {
		return err
	}

	// Logs: the same rules, applied by attribute key to any slog handler.
	attrs, err := mask.NewAttrMasker(nil, mask.DefaultKeyRules()...)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "A log line through the masking handler:")
	logger := slog.New(attrs.Handler(slog.NewTextHandler(w, &slog.HandlerOptions{
		ReplaceAttr: dropTime,
	})))
	logger.Info("login", "email", sample.Email, "password", "hunter2", "ip", sample.LastIP)
	return nil
}

func printJSON(w io.Writer, title string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s:\n%s\n\n", title, b)
	return err
}

// dropTime keeps the example's output stable.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}
