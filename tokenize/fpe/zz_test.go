package fpe

import (
	"testing"
	"unsafe"
)

var zzs string

func BenchmarkZZParseFormat(b *testing.B) {
	a, _ := newAlphabet(Digits)
	in := "4111111111111111"
	out := make([]byte, 16)
	for b.Loop() {
		numA, _ := a.numASCII(in[:8])
		numB, _ := a.numASCII(in[8:])
		a.putASCII(numA, out[:8])
		a.putASCII(numB, out[8:])
	}
}
func BenchmarkZZAlloc(b *testing.B) {
	for b.Loop() {
		out := make([]byte, 16)
		zzs = unsafe.String(&out[0], 16)
	}
}
func BenchmarkZZKernel(b *testing.B) {
	f, _ := NewFF1(benchKey, nil, Digits)
	mu, mv := &f.alpha.pow[8], &f.alpha.pow[8]
	j := ff1Job{rk: f.rk, x0: f.prefix[16], ishift: 32, mods: [2]modRec{newModRec(mu, 0), newModRec(mv, 0)}, a: 12345678, b: 87654321}
	for b.Loop() {
		ff1Kernel(&j, false)
	}
}
func BenchmarkZZAppend(b *testing.B) {
	f, _ := NewFF1(benchKey, nil, Digits)
	buf := make([]byte, 0, 32)
	for b.Loop() {
		f.AppendEncrypt(buf[:0], "4111111111111111")
	}
}
func BenchmarkZZEncrypt(b *testing.B) {
	f, _ := NewFF1(benchKey, nil, Digits)
	for b.Loop() {
		zzs, _ = f.Encrypt("4111111111111111")
	}
}
