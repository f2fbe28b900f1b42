package bench

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/custos-dev/custos/mask"
	gomask "github.com/showa-93/go-mask"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// go-mask has no presets: its nearest built-in for masking one string is
// "filled" (every character replaced by the mask character). Each Custos
// preset is compared with "filled" on the same input, which is the mask a
// go-mask user gets without writing their own function. Of go-mask's other
// string masks, "fixed" does not read its input (it always returns eight
// '*'), so it compares with nothing a preset does, and "hash" (SHA-1) is
// slower than "filled": comparing with it would flatter Custos. A go-mask
// user who wants a URL masked like mask.URL writes a custom function, most
// likely on net/url, which would be slower still.

var sink string

func newGoMasker() *gomask.Masker {
	m := gomask.NewMasker()
	m.RegisterMaskStringFunc(gomask.MaskTypeFilled, m.MaskFilledString)
	return m
}

var presetCases = []struct {
	name string
	fn   func(string) string
	in   string
}{
	{"Email", mask.Email, "john.doe@example.com"},
	{"Phone", mask.Phone, "+1 415-555-0132"},
	{"PAN", mask.PAN, "4242 4242 4242 4242"},
	{"IBAN", mask.IBAN, "DE89 3704 0044 0532 0130 00"},
	{"NationalID", mask.NationalID, "536-90-4399"},
	{"Name", mask.Name, "John Ronald Tolkien"},
	{"IP", mask.IP, "192.0.2.77"},
	{"URL", mask.URL, "https://bob:pw@example.com/a?token=abc&page=2"},
	// A longer URL, with a port and more query parts.
	{"URLLong", mask.URL, "postgres://app:s3cret@db.internal.example.com:5432/orders?sslmode=require&application_name=billing-worker&connect_timeout=10"},
	{"Credential", mask.Credential, "sk_live_4eC39HqLyjWDarjtT1zdp7dc"},
}

func BenchmarkPreset(b *testing.B) {
	gm := newGoMasker()
	for _, c := range presetCases {
		b.Run(c.name+"/impl=custos", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.in)))
			for b.Loop() {
				sink = c.fn(c.in)
			}
		})
		b.Run(c.name+"/impl=gomask", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.in)))
			for b.Loop() {
				s, err := gm.String(gomask.MaskTypeFilled, c.in)
				if err != nil {
					b.Fatal(err)
				}
				sink = s
			}
		})
	}
}

// Five tagged string fields: the same full mask in both libraries
// (like for like), and Custos with a different preset on each field.
type fiveFull struct {
	Name  string `mask:"full"`
	Email string `mask:"full"`
	Phone string `mask:"full"`
	Card  string `mask:"full"`
	SSN   string `mask:"full"`
}

type fivePresets struct {
	Name  string `mask:"name"`
	Email string `mask:"email"`
	Phone string `mask:"phone"`
	Card  string `mask:"pan"`
	SSN   string `mask:"ssn"`
}

type fiveGoMask struct {
	Name  string `mask:"filled"`
	Email string `mask:"filled"`
	Phone string `mask:"filled"`
	Card  string `mask:"filled"`
	SSN   string `mask:"filled"`
}

const (
	vName  = "John Smith"
	vEmail = "john.smith@example.com"
	vPhone = "+1 415-555-0132"
	vCard  = "4242 4242 4242 4242"
	vSSN   = "536-90-4399"
)

func BenchmarkStruct5(b *testing.B) {
	cm := mask.NewMasker(nil)
	gm := newGoMasker()
	b.Run("impl=custos", func(b *testing.B) {
		v := fiveFull{vName, vEmail, vPhone, vCard, vSSN}
		b.ReportAllocs()
		for b.Loop() {
			out, err := mask.StructWith(cm, v)
			if err != nil {
				b.Fatal(err)
			}
			sink = out.Card
		}
	})
	b.Run("impl=custos-presets", func(b *testing.B) {
		v := fivePresets{vName, vEmail, vPhone, vCard, vSSN}
		b.ReportAllocs()
		for b.Loop() {
			out, err := mask.StructWith(cm, v)
			if err != nil {
				b.Fatal(err)
			}
			sink = out.Card
		}
	})
	b.Run("impl=gomask", func(b *testing.B) {
		v := fiveGoMask{vName, vEmail, vPhone, vCard, vSSN}
		b.ReportAllocs()
		for b.Loop() {
			out, err := gm.Mask(v)
			if err != nil {
				b.Fatal(err)
			}
			sink = out.(fiveGoMask).Card
		}
	})
}

// TestSameOutputs checks that the like-for-like benchmarks do the same work:
// both libraries mask every character of every field.
func TestSameOutputs(t *testing.T) {
	v := fiveFull{vName, vEmail, vPhone, vCard, vSSN}
	c, err := mask.Struct(v)
	require.NoError(t, err)
	g, err := newGoMasker().Mask(fiveGoMask(v))
	require.NoError(t, err)
	assert.Equal(t, fiveGoMask(c), g.(fiveGoMask))
	assert.Equal(t, strings.Repeat("*", len(vCard)), c.Card)
}

// TestSharedMaskerPlaintext measures how often a masker shared by many
// goroutines returns plaintext. go-mask reuses one cached value per struct
// type as its output buffer, so concurrent calls overwrite each other's
// results; Custos allocates per call. The measurement itself is a data race
// in go-mask, so it runs only when CUSTOS_BENCH_LEAKDEMO=1 and never under
// -race.
func TestSharedMaskerPlaintext(t *testing.T) {
	if os.Getenv("CUSTOS_BENCH_LEAKDEMO") != "1" {
		t.Skip("set CUSTOS_BENCH_LEAKDEMO=1 to run (races inside go-mask by design)")
	}
	type rec struct {
		Secret string `mask:"filled"`
		Other  string `mask:"filled"`
	}
	type crec struct {
		Secret string `mask:"full"`
		Other  string `mask:"full"`
	}
	gm := newGoMasker()
	cm := mask.NewMasker(nil)
	const goroutines, calls = 8, 20000
	var goLeaks, goWrong, cLeaks, cWrong atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				s := fmt.Sprintf("secret-%d-%d", g, i)
				want := strings.Repeat("*", len(s))
				out, err := gm.Mask(rec{Secret: s, Other: s})
				if err == nil {
					r := out.(rec)
					if r.Secret != want {
						goWrong.Add(1)
					}
					if strings.Contains(r.Secret, "secret") || strings.Contains(r.Other, "secret") {
						goLeaks.Add(1)
					}
				}
				c, err := mask.StructWith(cm, crec{Secret: s, Other: s})
				if err != nil || c.Secret != want || c.Other != want {
					cWrong.Add(1)
				}
				if strings.Contains(c.Secret, "secret") || strings.Contains(c.Other, "secret") {
					cLeaks.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	total := float64(goroutines * calls)
	t.Logf("go-mask: %d/%d results with plaintext (%.2f%%), %d/%d wrong", goLeaks.Load(), int(total), 100*float64(goLeaks.Load())/total, goWrong.Load(), int(total))
	t.Logf("custos:  %d/%d results with plaintext, %d wrong", cLeaks.Load(), int(total), cWrong.Load())
	assert.Zero(t, cLeaks.Load())
	assert.Zero(t, cWrong.Load())
}
