package mask

import (
	"strconv"
	"strings"
	"testing"
)

var sink string

func BenchmarkPresets(b *testing.B) {
	cases := []struct {
		name string
		fn   func(string) string
		in   string
	}{
		{"Email", Email, "john.doe@example.com"},
		{"Phone", Phone, "+1 415-555-0132"},
		{"PAN", PAN, "4242 4242 4242 4242"},
		{"IBAN", IBAN, "DE89 3704 0044 0532 0130 00"},
		{"NationalID", NationalID, "536-90-4399"},
		{"Name", Name, "John Ronald Tolkien"},
		{"IP", IP, "192.0.2.77"},
		{"URL", URL, "https://bob:pw@example.com/a?token=abc&page=2"},
		{"Credential", Credential, "sk_live_4eC39HqLyjWDarjtT1zdp7dc"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.in)))
			for b.Loop() {
				sink = c.fn(c.in)
			}
		})
	}
}

func BenchmarkPartial(b *testing.B) {
	p := Partial{KeepLast: 4}
	for _, n := range []int{16, 1024, 64 << 10} {
		in := strings.Repeat("é", n/2)
		b.Run(byteSize(n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			buf := make([]byte, 0, len(in))
			for b.Loop() {
				buf = p.Append(buf[:0], in)
			}
		})
	}
}

func byteSize(n int) string {
	if n >= 1<<10 {
		return strconv.Itoa(n>>10) + "KiB"
	}
	return strconv.Itoa(n) + "B"
}

func BenchmarkStruct(b *testing.B) {
	type five struct {
		Name  string `mask:"name"`
		Email string `mask:"email"`
		Phone string `mask:"phone"`
		Card  string `mask:"pan"`
		SSN   string `mask:"ssn"`
	}
	m := NewMasker(nil)
	v := five{"John Smith", "john@example.com", "+1 415-555-0132", "4242424242424242", "536-90-4399"}
	b.ReportAllocs()
	for b.Loop() {
		out, err := StructWith(m, v)
		if err != nil {
			b.Fatal(err)
		}
		sink = out.Email
	}
}
