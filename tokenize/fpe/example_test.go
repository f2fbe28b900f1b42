package fpe_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"

	"github.com/custos-dev/custos/tokenize/fpe"
)

// The keys, tweaks and values below are NIST's published samples (see
// testdata/SOURCES.md), so every output here is an external known answer.

func fromHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		log.Fatal(err)
	}
	return b
}

func ExampleNewFF1() {
	key := fromHex("2B7E151628AED2A6ABF7158809CF4F3C") // a raw AES-128 key
	f, err := fpe.NewFF1(key, nil, fpe.Digits)
	if err != nil {
		log.Fatal(err)
	}
	token, err := f.Encrypt("0123456789")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(token)
	// Output: 2433477484
}

func ExampleFF1_Encrypt() {
	// The default tweak is given once, to the constructor.
	f, err := fpe.NewFF1(fromHex("2B7E151628AED2A6ABF7158809CF4F3C"), fromHex("3737373770717273373737"), fpe.Base36)
	if err != nil {
		log.Fatal(err)
	}
	token, err := f.Encrypt("0123456789abcdefghi")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(token)
	// Output: a9tv40mll9kdu509eum
}

func ExampleFF1_Decrypt() {
	f, err := fpe.NewFF1(fromHex("2B7E151628AED2A6ABF7158809CF4F3C"), nil, fpe.Digits)
	if err != nil {
		log.Fatal(err)
	}
	plain, err := f.Decrypt("2433477484")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(plain)

	// FPE has no integrity: a changed ciphertext decrypts to another value.
	other, err := f.Decrypt("2433477485")
	fmt.Println(err == nil, other != plain, len(other))
	// Output:
	// 0123456789
	// true true 10
}

func ExampleFF1_EncryptWithTweak() {
	f, err := fpe.NewFF1(fromHex("2B7E151628AED2A6ABF7158809CF4F3C"), nil, fpe.Digits)
	if err != nil {
		log.Fatal(err)
	}
	token, err := f.EncryptWithTweak("0123456789", fromHex("39383736353433323130"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(token)
	// Output: 6124200773
}

func ExampleFF1_DecryptWithTweak() {
	f, err := fpe.NewFF1(fromHex("2B7E151628AED2A6ABF7158809CF4F3C"), nil, fpe.Digits)
	if err != nil {
		log.Fatal(err)
	}
	plain, err := f.DecryptWithTweak("6124200773", fromHex("39383736353433323130"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(plain)
	// Output: 0123456789
}

func ExampleFF1_MinLength() {
	f, err := fpe.NewFF1(fromHex("2B7E151628AED2A6ABF7158809CF4F3C"), nil, fpe.Digits)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Radix(), f.MinLength())

	// Five digits are only 100,000 values: below the minimum domain.
	_, err = f.Encrypt("12345")
	fmt.Println(errors.Is(err, fpe.ErrDomainTooSmall))
	fmt.Println(err)
	// Output:
	// 10 6
	// true
	// fpe: input length 5 below minimum 6 for radix 10
}

func ExampleFF1_MaxLength() {
	f, err := fpe.NewFF1(fromHex("2B7E151628AED2A6ABF7158809CF4F3C"), nil, fpe.Digits)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.MaxLength() >= 1<<31-1)
	// Output: true
}

func ExampleFF1_Radix() {
	f, err := fpe.NewFF1(fromHex("2B7E151628AED2A6ABF7158809CF4F3C"), nil, "ÊËÌÍÎÏÐÑÒÓ")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Radix())
	_, err = f.Encrypt("ÊËÌÍÎÏx")
	fmt.Println(err)
	// Output:
	// 10
	// fpe: input character 7 is not in the alphabet of radix 10
}

func ExampleNewFF31() {
	// FF3-1 only to interoperate with systems that use it; prefer FF1.
	key := fromHex("2DE79D232DF5585D68CE47882AE256D6")
	f, err := fpe.NewFF31(key, fromHex("CBD09280979564"), fpe.Digits)
	if err != nil {
		log.Fatal(err)
	}
	token, err := f.Encrypt("3992520240")
	if err != nil {
		log.Fatal(err)
	}
	plain, err := f.Decrypt(token)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(token, plain)
	// Output: 8901801106 3992520240
}

func ExampleFF31_EncryptWithTweak() {
	f, err := fpe.NewFF31(fromHex("2DE79D232DF5585D68CE47882AE256D6"), make([]byte, fpe.FF31TweakSize), fpe.Digits)
	if err != nil {
		log.Fatal(err)
	}
	tweak := fromHex("CBD09280979564")
	token, err := f.EncryptWithTweak("3992520240", tweak)
	if err != nil {
		log.Fatal(err)
	}
	plain, err := f.DecryptWithTweak(token, tweak)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(token, plain)

	_, err = f.EncryptWithTweak("3992520240", make([]byte, 8)) // a 64-bit FF3 tweak
	fmt.Println(err)
	// Output:
	// 8901801106 3992520240
	// fpe: FF3-1 tweak is 8 bytes, want 7
}

func ExampleFF31_MaxLength() {
	f, err := fpe.NewFF31(fromHex("2DE79D232DF5585D68CE47882AE256D6"), make([]byte, 7), fpe.Digits)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Radix(), f.MinLength(), f.MaxLength())
	// Output: 10 6 56
}

func ExampleFF31_Encrypt() {
	f, err := fpe.NewFF31(fromHex("2DE79D232DF5585D68CE47882AE256D6"), fromHex("CBD09280979564"), fpe.Digits)
	if err != nil {
		log.Fatal(err)
	}
	token, err := f.Encrypt("3992520240")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(token)
	// Output: 8901801106
}

func ExampleFF31_Decrypt() {
	f, err := fpe.NewFF31(fromHex("2DE79D232DF5585D68CE47882AE256D6"), fromHex("CBD09280979564"), fpe.Digits)
	if err != nil {
		log.Fatal(err)
	}
	plain, err := f.Decrypt("8901801106")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(plain)
	// Output: 3992520240
}

func ExampleFF31_DecryptWithTweak() {
	f, err := fpe.NewFF31(fromHex("2DE79D232DF5585D68CE47882AE256D6"), make([]byte, 7), fpe.Digits)
	if err != nil {
		log.Fatal(err)
	}
	plain, err := f.DecryptWithTweak("8901801106", fromHex("CBD09280979564"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(plain)
	// Output: 3992520240
}

func ExampleFF31_Radix() {
	f, err := fpe.NewFF31(fromHex("2DE79D232DF5585D68CE47882AE256D6"), make([]byte, 7), fpe.Base36)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Radix())
	// Output: 36
}

func ExampleFF31_MinLength() {
	f, err := fpe.NewFF31(fromHex("2DE79D232DF5585D68CE47882AE256D6"), make([]byte, 7), fpe.Base36)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.MinLength(), f.MaxLength())
	// Output: 4 36
}

func ExampleFF1_String() {
	f, err := fpe.NewFF1(fromHex("2B7E151628AED2A6ABF7158809CF4F3C"), nil, fpe.Digits)
	if err != nil {
		log.Fatal(err)
	}
	// fmt, log/slog and encoding/json never print the key.
	fmt.Println(f)
	fmt.Printf("%#v\n", f)
	// Output:
	// fpe.FF1{REDACTED}
	// fpe.FF1{REDACTED}
}

func ExampleFF31_String() {
	f, err := fpe.NewFF31(fromHex("2DE79D232DF5585D68CE47882AE256D6"), make([]byte, 7), fpe.Digits)
	if err != nil {
		log.Fatal(err)
	}
	js, err := json.Marshal(map[string]any{"cipher": f})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f, string(js))
	// Output: fpe.FF31{REDACTED} {"cipher":"fpe.FF31{REDACTED}"}
}

// redactionDemo prints c through every printing path that redaction covers.
func redactionDemo(c interface {
	fmt.Stringer
	fmt.GoStringer
	fmt.Formatter
	slog.LogValuer
}) {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	logger.Info("configured", "cipher", c)
}

func ExampleFF1_GoString() {
	f, _ := fpe.NewFF1(fromHex("2B7E151628AED2A6ABF7158809CF4F3C"), nil, fpe.Digits)
	fmt.Println(f.GoString())
	// Output: fpe.FF1{REDACTED}
}

func ExampleFF1_Format() {
	f, _ := fpe.NewFF1(fromHex("2B7E151628AED2A6ABF7158809CF4F3C"), nil, fpe.Digits)
	fmt.Printf("%+v %x\n", f, f)
	// Output: fpe.FF1{REDACTED} fpe.FF1{REDACTED}
}

func ExampleFF1_LogValue() {
	f, _ := fpe.NewFF1(fromHex("2B7E151628AED2A6ABF7158809CF4F3C"), nil, fpe.Digits)
	redactionDemo(f)
	// Output: level=INFO msg=configured cipher=fpe.FF1{REDACTED}
}

func ExampleFF1_MarshalText() {
	f, _ := fpe.NewFF1(fromHex("2B7E151628AED2A6ABF7158809CF4F3C"), nil, fpe.Digits)
	text, _ := f.MarshalText()
	fmt.Println(string(text))
	// Output: fpe.FF1{REDACTED}
}

func ExampleFF1_MarshalJSON() {
	f, _ := fpe.NewFF1(fromHex("2B7E151628AED2A6ABF7158809CF4F3C"), nil, fpe.Digits)
	js, _ := json.Marshal(struct{ Cipher *fpe.FF1 }{f})
	fmt.Println(string(js))
	// Output: {"Cipher":"fpe.FF1{REDACTED}"}
}

func ExampleFF31_GoString() {
	f, _ := fpe.NewFF31(fromHex("2DE79D232DF5585D68CE47882AE256D6"), make([]byte, 7), fpe.Digits)
	fmt.Println(f.GoString())
	// Output: fpe.FF31{REDACTED}
}

func ExampleFF31_Format() {
	f, _ := fpe.NewFF31(fromHex("2DE79D232DF5585D68CE47882AE256D6"), make([]byte, 7), fpe.Digits)
	fmt.Printf("%#v %d\n", f, f)
	// Output: fpe.FF31{REDACTED} fpe.FF31{REDACTED}
}

func ExampleFF31_LogValue() {
	f, _ := fpe.NewFF31(fromHex("2DE79D232DF5585D68CE47882AE256D6"), make([]byte, 7), fpe.Digits)
	redactionDemo(f)
	// Output: level=INFO msg=configured cipher=fpe.FF31{REDACTED}
}

func ExampleFF31_MarshalText() {
	f, _ := fpe.NewFF31(fromHex("2DE79D232DF5585D68CE47882AE256D6"), make([]byte, 7), fpe.Digits)
	text, _ := f.MarshalText()
	fmt.Println(string(text))
	// Output: fpe.FF31{REDACTED}
}

func ExampleFF31_MarshalJSON() {
	f, _ := fpe.NewFF31(fromHex("2DE79D232DF5585D68CE47882AE256D6"), make([]byte, 7), fpe.Digits)
	js, _ := f.MarshalJSON()
	fmt.Println(string(js))
	// Output: "fpe.FF31{REDACTED}"
}

func ExampleFF1_AppendEncrypt() {
	f, err := fpe.NewFF1(fromHex("2B7E151628AED2A6ABF7158809CF4F3C"), nil, fpe.Digits)
	if err != nil {
		log.Fatal(err)
	}
	// Append into a reused buffer: no allocation once it has room.
	buf := make([]byte, 0, 64)
	buf = append(buf, "token="...)
	buf, err = f.AppendEncrypt(buf, "0123456789")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(buf))
	// Output: token=2433477484
}

func ExampleFF1_AppendDecrypt() {
	f, err := fpe.NewFF1(fromHex("2B7E151628AED2A6ABF7158809CF4F3C"), nil, fpe.Digits)
	if err != nil {
		log.Fatal(err)
	}
	buf, err := f.AppendDecrypt(nil, "2433477484")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(buf))

	// On error, dst comes back unchanged.
	buf, err = f.AppendDecrypt(buf, "24334774x4")
	fmt.Println(string(buf), errors.Is(err, fpe.ErrInvalidCharacter))
	// Output:
	// 0123456789
	// 0123456789 true
}

func ExampleFF1_AppendEncryptWithTweak() {
	f, err := fpe.NewFF1(fromHex("2B7E151628AED2A6ABF7158809CF4F3C"), nil, fpe.Digits)
	if err != nil {
		log.Fatal(err)
	}
	buf, err := f.AppendEncryptWithTweak(nil, "0123456789", fromHex("39383736353433323130"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(buf))
	// Output: 6124200773
}

func ExampleFF1_AppendDecryptWithTweak() {
	f, err := fpe.NewFF1(fromHex("2B7E151628AED2A6ABF7158809CF4F3C"), nil, fpe.Digits)
	if err != nil {
		log.Fatal(err)
	}
	buf, err := f.AppendDecryptWithTweak(nil, "6124200773", fromHex("39383736353433323130"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(buf))
	// Output: 0123456789
}

func ExampleFF31_AppendEncrypt() {
	f, err := fpe.NewFF31(fromHex("2DE79D232DF5585D68CE47882AE256D6"), fromHex("CBD09280979564"), fpe.Digits)
	if err != nil {
		log.Fatal(err)
	}
	buf := make([]byte, 0, 32)
	buf, err = f.AppendEncrypt(buf, "3992520240")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(buf))
	// Output: 8901801106
}

func ExampleFF31_AppendDecrypt() {
	f, err := fpe.NewFF31(fromHex("2DE79D232DF5585D68CE47882AE256D6"), fromHex("CBD09280979564"), fpe.Digits)
	if err != nil {
		log.Fatal(err)
	}
	buf, err := f.AppendDecrypt([]byte("pan="), "8901801106")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(buf))
	// Output: pan=3992520240
}

func ExampleFF31_AppendEncryptWithTweak() {
	f, err := fpe.NewFF31(fromHex("2DE79D232DF5585D68CE47882AE256D6"), make([]byte, fpe.FF31TweakSize), fpe.Digits)
	if err != nil {
		log.Fatal(err)
	}
	buf, err := f.AppendEncryptWithTweak(nil, "3992520240", fromHex("CBD09280979564"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(buf))
	// Output: 8901801106
}

func ExampleFF31_AppendDecryptWithTweak() {
	f, err := fpe.NewFF31(fromHex("2DE79D232DF5585D68CE47882AE256D6"), make([]byte, fpe.FF31TweakSize), fpe.Digits)
	if err != nil {
		log.Fatal(err)
	}
	buf, err := f.AppendDecryptWithTweak(nil, "8901801106", fromHex("CBD09280979564"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(buf))
	// Output: 3992520240
}
