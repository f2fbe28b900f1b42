package fpe

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// requireKernels skips when this build or machine has no AES-NI kernels:
// everything then runs on crypto/aes, which the vector tests cover.
func requireKernels(t *testing.T) {
	t.Helper()
	if newRoundKeys(make([]byte, 16)) == nil {
		t.Skip("no AES-NI kernels in this build, on this machine or in FIPS 140-3 mode")
	}
}

// TestJobLayout pins the field offsets that kernel_amd64.s hard-codes.
func TestJobLayout(t *testing.T) {
	var m modRec
	require.Equal(t, []uintptr{0, 8, 16, 24, 32},
		[]uintptr{unsafe.Offsetof(m.m), unsafe.Offsetof(m.mu), unsafe.Offsetof(m.m2),
			unsafe.Offsetof(m.muLo), unsafe.Sizeof(m)})
	var j ff1Job
	require.Equal(t, []uintptr{0, 8, 40, 72, 232},
		[]uintptr{unsafe.Offsetof(j.rk), unsafe.Offsetof(j.mods), unsafe.Offsetof(j.mods) + unsafe.Sizeof(m),
			unsafe.Offsetof(j.k), unsafe.Sizeof(j)})
	var w modRec128
	require.Equal(t, []uintptr{0, 8, 16, 24, 32, 40, 48, 56},
		[]uintptr{unsafe.Offsetof(w.mLo), unsafe.Offsetof(w.mHi), unsafe.Offsetof(w.muW),
			unsafe.Offsetof(w.m2Lo), unsafe.Offsetof(w.m2Hi),
			unsafe.Offsetof(w.m3Lo), unsafe.Offsetof(w.m3Hi), unsafe.Sizeof(w)})
	var j128 ff1Job128
	require.Equal(t, []uintptr{0, 8, 64, 120, 280},
		[]uintptr{unsafe.Offsetof(j128.rk), unsafe.Offsetof(j128.mods), unsafe.Offsetof(j128.mods) + unsafe.Sizeof(w),
			unsafe.Offsetof(j128.k), unsafe.Sizeof(j128)})
	var k ff31Job
	require.Equal(t, []uintptr{0, 8, 40, 72, 200},
		[]uintptr{unsafe.Offsetof(k.rk), unsafe.Offsetof(k.mods), unsafe.Offsetof(k.mods) + unsafe.Sizeof(m),
			unsafe.Offsetof(k.k), unsafe.Sizeof(k)})
	var c digitCodec
	require.Equal(t, []uintptr{0, 8, 24, 40},
		[]uintptr{unsafe.Offsetof(c.n), unsafe.Offsetof(c.parse), unsafe.Offsetof(c.format), unsafe.Sizeof(c)})
	var k128 ff31Job128
	require.Equal(t, []uintptr{0, 8, 64, 120, 248},
		[]uintptr{unsafe.Offsetof(k128.rk), unsafe.Offsetof(k128.mods), unsafe.Offsetof(k128.mods) + unsafe.Sizeof(w),
			unsafe.Offsetof(k128.k), unsafe.Sizeof(k128)})
	var b base36Codec
	require.Equal(t, []uintptr{0, 8, 24, 40, 56, 72, 88, 104},
		[]uintptr{unsafe.Offsetof(b.n), unsafe.Offsetof(b.parseA), unsafe.Offsetof(b.parseB),
			unsafe.Offsetof(b.outA0), unsafe.Offsetof(b.outB0), unsafe.Offsetof(b.outA1), unsafe.Offsetof(b.outB1), unsafe.Sizeof(b)})
}

// TestKeyExpansion checks the key schedule against the expansions printed
// in FIPS 197 Appendix A (the last round key of each) and subWord against
// the S-box computed from its definition. Whole AES encryptions through the
// kernels are checked against crypto/aes by TestKernelMatchesCryptoAESPath
// and by every vector test.
func TestKeyExpansion(t *testing.T) {
	requireKernels(t)
	for _, tc := range []struct{ key, lastRoundKey string }{
		{"2b7e151628aed2a6abf7158809cf4f3c", "d014f9a8c9ee2589e13f0cc8b6630ca6"},
		{"8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", "e98ba06f448c773c8ecc720401002202"},
		{"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", "fe4890d1e6188d0b046df344706c631e"},
	} {
		key, err := hex.DecodeString(tc.key)
		require.NoError(t, err)
		rk := expandKey(key)
		nr := int(binary.LittleEndian.Uint64(rk[240:]))
		require.Equal(t, len(key)/4+6, nr)
		require.Equal(t, tc.lastRoundKey, hex.EncodeToString(rk[16*nr:16*nr+16]))
		require.Zero(t, uintptr(unsafe.Pointer(rk))%16, "round keys must be 16-byte aligned")
	}
	sbox := sboxByDefinition()
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		w := rng.Uint32()
		want := uint32(0)
		for s := 0; s < 32; s += 8 {
			want |= uint32(sbox[byte(w>>s)]) << s
		}
		require.Equal(t, want, subWord(w))
	}
}

// sboxByDefinition computes the AES S-box from FIPS 197 section 5.1.1:
// the multiplicative inverse in GF(2^8), then the affine transformation.
func sboxByDefinition() [256]byte {
	var sbox [256]byte
	for x := range 256 {
		inv := byte(0)
		for y := 1; x != 0 && y < 256; y++ {
			if gfMul(byte(x), byte(y)) == 1 {
				inv = byte(y)
				break
			}
		}
		sbox[x] = inv ^ rotl8(inv, 1) ^ rotl8(inv, 2) ^ rotl8(inv, 3) ^ rotl8(inv, 4) ^ 0x63
	}
	return sbox
}

func rotl8(b byte, n uint) byte { return b<<n | b>>(8-n) }

func gfMul(a, b byte) byte {
	var p byte
	for b != 0 {
		if b&1 != 0 {
			p ^= a
		}
		hi := a & 0x80
		a <<= 1
		if hi != 0 {
			a ^= 0x1b
		}
		b >>= 1
	}
	return p
}

// TestKernelMatchesCryptoAESPath runs random inputs through the kernels and
// through the crypto/aes rounds of the same instance, for every key size,
// several radixes, every length the kernels take, default and per-call
// tweaks, both directions.
func TestKernelMatchesCryptoAESPath(t *testing.T) {
	requireKernels(t)
	rng := rand.New(rand.NewPCG(3, 4))
	alphabets := []string{Digits, Base36, LowerHex, "01", Base62, alphabetOfSize(1000)}
	kernelCalls := 0
	for _, alphabet := range alphabets {
		for _, keyLen := range []int{16, 24, 32} {
			key := make([]byte, keyLen)
			for i := range key {
				key[i] = byte(rng.Uint32())
			}
			tweak := []byte("tweak")
			f1, err := NewFF1(key, tweak, alphabet)
			require.NoError(t, err)
			g1 := f1.withoutKernel()
			f3, err := NewFF31(key, []byte("7 bytes"), alphabet)
			require.NoError(t, err)
			g3 := f3.withoutKernel()
			chars := []rune(alphabet)
			for n := f1.MinLength(); n <= 2*f1.alpha.maxHalf(); n++ {
				if !kernelModulus(&f1.alpha.pow[n-n/2]) && !kernelModulus(&f1.alpha.pow[(n+1)/2]) &&
					!kernel128Lengths(f1.alpha, n) && !ff31Kernel128Lengths(f1.alpha, n) {
					continue
				}
				kernelCalls++
				for range 20 {
					var sb strings.Builder
					for range n {
						sb.WriteRune(chars[rng.IntN(len(chars))])
					}
					x := sb.String()
					for _, c := range []struct {
						name     string
						kern, cr func(string) (string, error)
					}{
						{"FF1 encrypt", f1.Encrypt, g1.Encrypt},
						{"FF1 decrypt", f1.Decrypt, g1.Decrypt},
						{"FF1 encrypt with tweak", func(s string) (string, error) { return f1.EncryptWithTweak(s, []byte("other")) },
							func(s string) (string, error) { return g1.EncryptWithTweak(s, []byte("other")) }},
						{"FF1 decrypt with tweak", func(s string) (string, error) { return f1.DecryptWithTweak(s, []byte("other")) },
							func(s string) (string, error) { return g1.DecryptWithTweak(s, []byte("other")) }},
					} {
						want, err := c.cr(x)
						require.NoError(t, err)
						got, err := c.kern(x)
						require.NoError(t, err)
						require.Equal(t, want, got, "%s, radix %d, key %d bytes, length %d", c.name, len(chars), keyLen, n)
					}
					if n > f3.maxLen {
						continue
					}
					for _, c := range []struct {
						name     string
						kern, cr func(string) (string, error)
					}{
						{"FF3-1 encrypt", f3.Encrypt, g3.Encrypt},
						{"FF3-1 decrypt", f3.Decrypt, g3.Decrypt},
						{"FF3-1 encrypt with tweak", func(s string) (string, error) { return f3.EncryptWithTweak(s, []byte("other 7")) },
							func(s string) (string, error) { return g3.EncryptWithTweak(s, []byte("other 7")) }},
						{"FF3-1 decrypt with tweak", func(s string) (string, error) { return f3.DecryptWithTweak(s, []byte("other 7")) },
							func(s string) (string, error) { return g3.DecryptWithTweak(s, []byte("other 7")) }},
					} {
						want, err := c.cr(x)
						require.NoError(t, err)
						got, err := c.kern(x)
						require.NoError(t, err)
						require.Equal(t, want, got, "%s, radix %d, key %d bytes, length %d", c.name, len(chars), keyLen, n)
					}
				}
			}
		}
	}
	require.Greater(t, kernelCalls, 50, "the kernels must have been exercised")
}

// TestDigits8 checks the word-wide formatter against strconv-style
// formatting on edge values and a spread of random ones.
func TestDigits8(t *testing.T) {
	values := []uint64{0, 1, 9, 10, 99, 100, 9999, 10000, 43698, 99999999, 12345678, 10000000, 9090909}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 200000 {
		values = append(values, rng.Uint64N(100_000_000))
	}
	a, err := newAlphabet(Digits)
	require.NoError(t, err)
	buf, rev := make([]byte, 8), make([]byte, 8)
	for _, v := range values {
		want := fmt.Sprintf("%08d", v)
		a.put8(v, buf)
		require.Equal(t, want, string(buf))
		a.putRev8(v, rev)
		r := []byte(want)
		slices.Reverse(r)
		require.Equal(t, string(r), string(rev))
	}
}

// TestHalvesDigits checks the word-wide codec of two decimal halves against
// the digit-by-digit one, for every length it takes, and that a character
// outside 0-9 at any position is refused.
func TestHalvesDigits(t *testing.T) {
	a, err := newAlphabet(Digits)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(11, 12))
	for n := 8; n <= 16; n++ {
		u := n / 2
		for k := range 3000 {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte('0' + rng.IntN(10))
			}
			if k == 0 {
				copy(b, strings.Repeat("9", n))
			}
			x := string(b)
			gotA, gotB, ok := parseHalvesDigits(x, u)
			require.True(t, ok, x)
			wantA, _ := a.numASCII(x[:u])
			wantB, _ := a.numASCII(x[u:])
			require.Equal(t, wantA.lo, gotA, x)
			require.Equal(t, wantB.lo, gotB, x)
			out := make([]byte, n)
			putHalvesDigits(out, gotA, gotB, u)
			require.Equal(t, x, string(out))

			// FF3-1's halves: u' = ⌈n/2⌉, each read and written reversed.
			ur := (n + 1) / 2
			revA, revB, ok := parseHalvesDigitsRev(x, ur)
			require.True(t, ok, x)
			wantRA, _ := a.numRevASCII(x[:ur])
			wantRB, _ := a.numRevASCII(x[ur:])
			require.Equal(t, wantRA.lo, revA, x)
			require.Equal(t, wantRB.lo, revB, x)
			putHalvesDigitsRev(out, revA, revB, ur)
			require.Equal(t, x, string(out))
		}
		for pos := range n {
			for _, c := range []byte{'/', ':', 'a', 0, 0xFF, '0' + 0x80} {
				b := []byte(strings.Repeat("5", n))
				b[pos] = c
				_, _, ok := parseHalvesDigits(string(b), u)
				require.False(t, ok, "length %d, byte %#x at %d", n, c, pos)
				_, _, ok = parseHalvesDigitsRev(string(b), (n+1)/2)
				require.False(t, ok, "reversed, length %d, byte %#x at %d", n, c, pos)
			}
		}
	}
}

// withoutKernel returns a copy of f that runs on crypto/aes only.
func (f *FF1) withoutKernel() *FF1 {
	g := *f
	g.rk, g.kjob, g.kjob128 = nil, nil, nil
	return &g
}

// withoutKernel returns a copy of f that runs on crypto/aes only.
func (f *FF31) withoutKernel() *FF31 {
	g := *f
	g.rk, g.kjob, g.kjob128 = nil, nil, nil
	return &g
}

// TestBase36Words checks the word-wide Base36 parser against the
// character-by-character one on every length it takes, and that any byte
// outside the alphabet, at any position, is refused.
func TestBase36Words(t *testing.T) {
	a, err := newAlphabet(Base36)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(13, 14))
	for n := 9; n <= 16; n++ {
		for k := range 3000 {
			b := make([]byte, n)
			for i := range b {
				b[i] = Base36[rng.IntN(36)]
			}
			if k == 0 {
				copy(b, strings.Repeat("z", n))
			}
			want, ok := a.numASCII(string(b))
			require.True(t, ok)
			got, ok := numBase36(string(b))
			require.True(t, ok, string(b))
			require.Equal(t, want, got, string(b))
		}
		for pos := range n {
			for c := range 256 {
				if strings.IndexByte(Base36, byte(c)) >= 0 {
					continue
				}
				b := []byte(strings.Repeat("a", n))
				b[pos] = byte(c)
				_, ok := numBase36(string(b))
				require.False(t, ok, "length %d, byte %#x at %d", n, c, pos)
			}
		}
	}
}

// TestDigitCodec checks the kernels' decimal reading and writing
// (DIGITS_PARSE, DIGITS_FORMAT) on their own, through digitsRoundTrip, for
// every length and both splits: every 4-digit value in every 4-digit word
// of every half comes back unchanged, and a single byte that is not an
// ASCII digit, at any position, is refused with nothing written.
func TestDigitCodec(t *testing.T) {
	requireKernels(t)
	for kind, name := range []string{"FF1", "FF3-1"} {
		for n := 8; n <= 16; n++ {
			c := &digitCodecs[kind][n]
			src := make([]byte, n)
			dst := make([]byte, n)
			for v := range 10000 {
				// Each position's digit comes from v or from a mix of v,
				// so that, whatever the split, every word of every half
				// takes all 10^4 values over the loop.
				for i := range n {
					w := v
					if (i/4)%2 == 1 {
						w = (v*7919 + 13) % 10000
					}
					src[i] = '0' + byte(w/pow10(3-i%4)%10)
				}
				_, _, ok := digitsRoundTrip(nil, c, &src[0], &dst[0], 0, 0, false)
				require.True(t, ok)
				require.Equal(t, string(src), string(dst), "%s, n = %d", name, n)
			}
			for i := range src {
				src[i] = '0' + byte(i%10)
			}
			for p := range n {
				for b := range 256 {
					if b >= '0' && b <= '9' {
						continue
					}
					bad := bytes.Clone(src)
					bad[p] = byte(b)
					for i := range dst {
						dst[i] = '#'
					}
					_, _, ok := digitsRoundTrip(nil, c, &bad[0], &dst[0], 0, 0, false)
					require.False(t, ok, "%s, n = %d, byte %#x at %d", name, n, b, p)
					require.Equal(t, strings.Repeat("#", n), string(dst))
				}
			}
		}
	}
}

func pow10(k int) int {
	p := 1
	for range k {
		p *= 10
	}
	return p
}

// TestDigitsPathErrors checks the public behaviour of the kernels' decimal
// and Base36 paths on bad input: the error names the alphabet, Append returns dst as it
// was, and nothing of the input is echoed.
func TestDigitsPathErrors(t *testing.T) {
	f1, err := NewFF1(make([]byte, 16), nil, Digits)
	require.NoError(t, err)
	f3, err := NewFF31(make([]byte, 16), make([]byte, FF31TweakSize), Digits)
	require.NoError(t, err)
	b1, err := NewFF1(make([]byte, 16), nil, Base36)
	require.NoError(t, err)
	decimal := []func([]byte, string) ([]byte, error){f1.AppendEncrypt, f1.AppendDecrypt, f3.AppendEncrypt, f3.AppendDecrypt}
	base36 := []func([]byte, string) ([]byte, error){b1.AppendEncrypt, b1.AppendDecrypt}
	for in, fns := range map[string][]func([]byte, string) ([]byte, error){
		"41111111x1111111": decimal, "4111:111": decimal, "411111111111111/": decimal, "4111111\xff1111": decimal,
		"0123456789abcdefghijklmnopqrstuV": base36, "{0123456789abcdefghijklmnopqrst": base36, "0123456789abcdefghijklm/": base36,
	} {
		for _, fn := range fns {
			dst := []byte("kept")
			out, err := fn(dst, in)
			require.ErrorIs(t, err, ErrInvalidCharacter)
			require.Equal(t, "kept", string(out))
			require.NotContains(t, err.Error(), in)
		}
	}
}

// TestBase36Codec checks the 128-bit kernel's Base36 reading and writing
// (B36_PARSE, B36_FORMAT) on their own, through base36RoundTrip: for 32
// characters, every 4-character value (below 36^4) in every 4-character
// position; for every length, random strings and edge values; and a single
// byte outside the alphabet, at any position, refused with nothing
// written.
func TestBase36Codec(t *testing.T) {
	requireKernels(t)
	const chars = Base36
	roundTrip := func(c *base36Codec, dst, src []byte) bool {
		_, _, _, _, ok := base36RoundTrip(nil, c, &src[0], &dst[0], 0, 0, 0, 0, false)
		return ok
	}
	src, dst := make([]byte, 32), make([]byte, 32)
	const q4 = 36 * 36 * 36 * 36
	for i := 0; i < q4; i++ {
		for g := range 8 {
			q := (i + g*(q4/8+17)) % q4
			for k := 3; k >= 0; k-- {
				src[4*g+k] = chars[q%36]
				q /= 36
			}
		}
		for kind := range 2 {
			if !roundTrip(&base36Codecs[kind][32], dst, src) || !bytes.Equal(src, dst) {
				t.Fatalf("round trip %d of %q gave %q", kind, src, dst)
			}
		}
	}
	rng := rand.New(rand.NewPCG(13, 14))
	for kind := range 2 {
		for n := 26; n <= 32; n++ {
			c := &base36Codecs[kind][n]
			src, dst := make([]byte, n), make([]byte, n)
			for k := range 20000 {
				for i := range src {
					src[i] = chars[rng.IntN(36)]
					switch k {
					case 0:
						src[i] = '0'
					case 1:
						src[i] = 'z'
					case 2:
						src[i] = "z0"[i%2]
					}
				}
				require.True(t, roundTrip(c, dst, src))
				require.Equal(t, string(src), string(dst), "codec %d, n = %d", kind, n)
			}
			for p := range n {
				for b := range 256 {
					if strings.IndexByte(chars, byte(b)) >= 0 {
						continue
					}
					bad := bytes.Repeat([]byte("a"), n)
					bad[p] = byte(b)
					for i := range dst {
						dst[i] = '#'
					}
					require.False(t, roundTrip(c, dst, bad), "codec %d, n = %d, byte %#x at %d", kind, n, b, p)
					require.Equal(t, strings.Repeat("#", n), string(dst))
				}
			}
		}
	}
}
