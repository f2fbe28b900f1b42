package fpe

import (
	"crypto/aes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"strings"
	"testing"
	"unsafe"
)

// benchKey is a fixed AES-128 key for benchmarks, benchKey256 an AES-256
// one (the key size of tokenize's managed format-preserving tokens).
var (
	benchKey    = []byte("0123456789abcdef")
	benchKey256 = []byte("0123456789abcdef0123456789abcdef")
)

// benchCases are the inputs the performance targets name, with the number of
// AES block encryptions each needs per call (the floor).
var benchCases = []struct {
	name     string
	alphabet string
	input    string
	ff1AES   int // CIPH calls per FF1 call with the precomputed P block
	ff31AES  int
}{
	{"decimal9", Digits, "123456789", 10, 8},
	{"decimal16", Digits, "4111111111111111", 10, 8},
	{"base36_32", Base36, "0123456789abcdefghijklmnopqrstuv", 10, 8},
}

// BenchmarkAESFloor is the floor the FPE targets are measured against: a
// loop of the same number of cipher.Block.Encrypt calls on one 16-byte
// buffer.
func BenchmarkAESFloor(b *testing.B) {
	block, err := aes.NewCipher(benchKey)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{8, 10} {
		b.Run(fmt.Sprintf("%dblocks", n), func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 16)
			for b.Loop() {
				for range n {
					block.Encrypt(buf, buf)
				}
			}
		})
	}
	// The same chain, but each block's input is rebuilt from integer
	// registers and its output read back into them, as any Feistel round on
	// cipher.Block must: with two 8-byte stores (the 16-byte AES load cannot
	// be forwarded from them on x86-64), and with one 16-byte store
	// (putBlock, as the rounds do).
	for _, n := range []int{8, 10} {
		b.Run(fmt.Sprintf("%dblocks_via_registers_putblock", n), func(b *testing.B) {
			b.ReportAllocs()
			buf := new([16]byte)
			var x uint64
			for b.Loop() {
				for i := range n {
					putBlock(buf, bits.ReverseBytes64(x), bits.ReverseBytes64(x^uint64(i)))
					block.Encrypt(buf[:], buf[:])
					x = binary.BigEndian.Uint64(buf[:8])
				}
			}
		})
	}
	for _, n := range []int{8, 10} {
		b.Run(fmt.Sprintf("%dblocks_via_registers", n), func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 16)
			var x uint64
			for b.Loop() {
				for i := range n {
					binary.BigEndian.PutUint64(buf[:8], x)
					binary.BigEndian.PutUint64(buf[8:], x^uint64(i))
					block.Encrypt(buf, buf)
					x = binary.BigEndian.Uint64(buf[:8])
				}
			}
		})
	}
}

// BenchmarkFixedCost measures the per-call work outside the rounds on the
// ASCII fast path: parsing both halves, the one allocation, and formatting.
func BenchmarkFixedCost(b *testing.B) {
	for _, c := range benchCases {
		a, err := newAlphabet(c.alphabet)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			n := len(c.input)
			u := n / 2
			for b.Loop() {
				numA, _ := a.numASCII(c.input[:u])
				numB, _ := a.numASCII(c.input[u:])
				out := make([]byte, n)
				a.putASCII(numA, out[:u])
				a.putASCII(numB, out[u:n])
				sink = unsafe.String(&out[0], n)
			}
		})
	}
}

var sink string

func BenchmarkFF1(b *testing.B) {
	cases := append(benchCases[:len(benchCases):len(benchCases)], struct {
		name     string
		alphabet string
		input    string
		ff1AES   int
		ff31AES  int
	}{"decimal100_big", Digits, strings.Repeat("0123456789", 10), 0, 0})
	for _, c := range cases {
		f, err := NewFF1(benchKey, nil, c.alphabet)
		if err != nil {
			b.Fatal(err)
		}
		benchCipher(b, c.name, f, c.input)
	}
	// A per-call tweak adds the CIPH(P) block (and any whole tweak blocks).
	f, err := NewFF1(benchKey, nil, Digits)
	if err != nil {
		b.Fatal(err)
	}
	tweak := []byte("column:pan")
	b.Run("decimal16/encrypt_with_tweak", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(16)
		for b.Loop() {
			_, _ = f.EncryptWithTweak("4111111111111111", tweak)
		}
	})
}

func BenchmarkFF31(b *testing.B) {
	tweak := []byte{1, 2, 3, 4, 5, 6, 7}
	for _, c := range benchCases {
		f, err := NewFF31(benchKey, tweak, c.alphabet)
		if err != nil {
			b.Fatal(err)
		}
		benchCipher(b, c.name, f, c.input)
	}
}

// BenchmarkNewFF1 measures construction, which precomputes the CBC-MAC
// prefix of every fast-path length for the default tweak.
func BenchmarkNewFF1(b *testing.B) {
	for _, alpha := range []struct{ name, chars string }{{"decimal", Digits}, {"base36", Base36}} {
		b.Run(alpha.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = NewFF1(benchKey, nil, alpha.chars)
			}
		})
	}
}

// fpeCipher is what BenchmarkFF1 and BenchmarkFF31 measure of FF1 and FF31.
type fpeCipher interface {
	Encrypt(string) (string, error)
	Decrypt(string) (string, error)
	AppendEncrypt([]byte, string) ([]byte, error)
}

// benchCipher runs the encrypt, decrypt and append_encrypt benchmarks of f
// on input.
func benchCipher(b *testing.B, name string, f fpeCipher, input string) {
	ct, err := f.Encrypt(input)
	if err != nil {
		b.Fatal(err)
	}
	b.Run(name+"/encrypt", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(input)))
		for b.Loop() {
			_, _ = f.Encrypt(input)
		}
	})
	b.Run(name+"/decrypt", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(input)))
		for b.Loop() {
			_, _ = f.Decrypt(ct)
		}
	})
	b.Run(name+"/append_encrypt", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(input)))
		dst := make([]byte, 0, 128)
		for b.Loop() {
			dst, _ = f.AppendEncrypt(dst[:0], input)
		}
	})
}
