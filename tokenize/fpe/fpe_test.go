package fpe

import (
	"bytes"
	"crypto/cipher"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testKey = mustDecodeHex("2B7E151628AED2A6ABF7158809CF4F3C")

func mustDecodeHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// assertCleanError checks an error's sentinel and that its message starts
// with the package name and contains none of the secrets given.
func assertCleanError(t *testing.T, err, sentinel error, secrets ...string) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, sentinel)
	assert.True(t, strings.HasPrefix(err.Error(), "fpe: "), err.Error())
	for _, s := range secrets {
		if s != "" {
			assert.NotContains(t, err.Error(), s)
		}
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name     string
		key      []byte
		tweak    []byte
		ff31     bool
		alphabet string
		want     error
	}{
		{"empty key", nil, nil, false, Digits, ErrInvalidKey},
		{"15-byte key", testKey[:15], nil, false, Digits, ErrInvalidKey},
		{"17-byte key", append(bytes.Clone(testKey), 1), nil, false, Digits, ErrInvalidKey},
		{"33-byte key", make([]byte, 33), nil, false, Digits, ErrInvalidKey},
		{"FF1 tweak too long", testKey, make([]byte, MaxFF1TweakSize+1), false, Digits, ErrInvalidTweak},
		{"empty alphabet", testKey, nil, false, "", ErrInvalidAlphabet},
		{"one-character alphabet", testKey, nil, false, "x", ErrInvalidAlphabet},
		{"duplicate ASCII", testKey, nil, false, "0123456789x5", ErrInvalidAlphabet},
		{"duplicate non-ASCII", testKey, nil, false, "aéb€é", ErrInvalidAlphabet},
		{"invalid UTF-8", testKey, nil, false, "ab\xffcd", ErrInvalidAlphabet},
		{"too many characters", testKey, nil, false, alphabetOfSize(MaxRadix + 1), ErrInvalidAlphabet},
		{"FF3-1 empty key", nil, make([]byte, 7), true, Digits, ErrInvalidKey},
		{"FF3-1 nil tweak", testKey, nil, true, Digits, ErrInvalidTweak},
		{"FF3-1 6-byte tweak", testKey, make([]byte, 6), true, Digits, ErrInvalidTweak},
		{"FF3-1 8-byte tweak", testKey, make([]byte, 8), true, Digits, ErrInvalidTweak},
		{"FF3-1 duplicate", testKey, make([]byte, 7), true, "0123456780", ErrInvalidAlphabet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.ff31 {
				var f *FF31
				f, err = NewFF31(tt.key, tt.tweak, tt.alphabet)
				assert.Nil(t, f)
			} else {
				var f *FF1
				f, err = NewFF1(tt.key, tt.tweak, tt.alphabet)
				assert.Nil(t, f)
			}
			assertCleanError(t, err, tt.want, hex.EncodeToString(tt.key), hex.EncodeToString(tt.tweak), tt.alphabet)
		})
	}
}

// alphabetOfSize returns n distinct characters starting at U+0100.
func alphabetOfSize(n int) string {
	var sb strings.Builder
	for r := rune(0x100); n > 0; r++ {
		if utf8.ValidRune(r) {
			sb.WriteRune(r)
			n--
		}
	}
	return sb.String()
}

// TestLengthBounds checks the documented bounds against values computed by
// hand: the smallest n with radix^n ≥ 10^6, and FF3-1's 2·⌊log_radix(2^96)⌋.
func TestLengthBounds(t *testing.T) {
	tests := []struct {
		name          string
		alphabet      string
		minLen        int
		ff31MaxLen    int
		ff1FastMaxLen int
	}{
		{"radix 2", "01", 20, 192, 192},                 // 2^20 = 1048576; 2^96
		{"radix 10", Digits, 6, 56, 56},                 // 10^28 ≤ 2^96 ≈ 7.9·10^28 < 10^29
		{"radix 16", LowerHex, 5, 48, 48},               // 16^5 = 1048576; 16^24 = 2^96
		{"radix 26", LowerAlpha, 5, 40, 40},             // 26^4 = 456976; 26^20 ≈ 2.0·10^28, 26^21 ≈ 5.2·10^29
		{"radix 36", Base36, 4, 36, 36},                 // 36^3 = 46656; 36^18 ≈ 1.0·10^28, 36^19 ≈ 3.7·10^29
		{"radix 62", Base62, 4, 32, 32},                 // 62^3 = 238328; 62^16 ≈ 4.8·10^28, 62^17 ≈ 3.0·10^30
		{"radix 1000", alphabetOfSize(1000), 2, 18, 18}, // 1000^2 = 10^6; 1000^9 = 10^27
		{"radix 65536", alphabetOfSize(MaxRadix), 2, 12, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f1, err := NewFF1(testKey, nil, tt.alphabet)
			require.NoError(t, err)
			f3, err := NewFF31(testKey, make([]byte, 7), tt.alphabet)
			require.NoError(t, err)
			assert.Equal(t, tt.minLen, f1.MinLength())
			assert.Equal(t, tt.minLen, f3.MinLength())
			assert.Equal(t, tt.ff31MaxLen, f3.MaxLength())
			assert.Equal(t, tt.ff1FastMaxLen, len(f1.prefix)-1)
			assert.GreaterOrEqual(t, f1.MaxLength(), tt.ff1FastMaxLen)

			chars := []rune(tt.alphabet)
			input := func(n int) string {
				var sb strings.Builder
				for i := range n {
					sb.WriteRune(chars[(i*7+3)%len(chars)])
				}
				return sb.String()
			}
			short := input(tt.minLen - 1)
			for _, fn := range []func(string) (string, error){f1.Encrypt, f1.Decrypt, f3.Encrypt, f3.Decrypt} {
				_, err := fn(short)
				assertCleanError(t, err, ErrDomainTooSmall, short)
				out, err := fn(input(tt.minLen))
				require.NoError(t, err)
				assert.Equal(t, tt.minLen, utf8.RuneCountInString(out))
			}
			long := input(tt.ff31MaxLen + 1)
			_, err = f3.Encrypt(long)
			assertCleanError(t, err, ErrInvalidLength, long)
			_, err = f3.Decrypt(long)
			assertCleanError(t, err, ErrInvalidLength, long)
			for _, n := range []int{tt.ff31MaxLen, tt.ff1FastMaxLen + 1, 3 * tt.ff1FastMaxLen} {
				ct, err := f1.Encrypt(input(n))
				require.NoError(t, err)
				pt, err := f1.Decrypt(ct)
				require.NoError(t, err)
				assert.Equal(t, input(n), pt)
			}
		})
	}
}

func TestInputErrors(t *testing.T) {
	f1, err := NewFF1(testKey, nil, Digits)
	require.NoError(t, err)
	f3, err := NewFF31(testKey, make([]byte, 7), Digits)
	require.NoError(t, err)
	fu, err := NewFF1(testKey, nil, "αβγδεζηθικ\uFFFD")
	require.NoError(t, err)
	tests := []struct {
		name string
		fn   func(string) (string, error)
		in   string
		want error
	}{
		{"letter in digits", f1.Encrypt, "12345a7890", ErrInvalidCharacter},
		{"space in digits", f1.Decrypt, "1234 67890", ErrInvalidCharacter},
		{"non-ASCII in digits", f1.Encrypt, "12345é7890", ErrInvalidCharacter},
		{"invalid UTF-8 in digits", f1.Encrypt, "12345\xff7890", ErrInvalidCharacter},
		{"FF3-1 letter", f3.Encrypt, "1234567x90", ErrInvalidCharacter},
		{"FF3-1 short", f3.Decrypt, "12345", ErrDomainTooSmall},
		{"FF3-1 too long", f3.Encrypt, strings.Repeat("1", 57), ErrInvalidLength},
		{"unicode: ASCII char", fu.Encrypt, "αβγδεζaθικ", ErrInvalidCharacter},
		{"unicode: invalid byte though U+FFFD is in the alphabet", fu.Encrypt, "αβγδεζ\xffθικ", ErrInvalidCharacter},
		{"unicode: truncated rune", fu.Decrypt, "αβγδεζηθι\xce", ErrInvalidCharacter},
		{"empty", f1.Encrypt, "", ErrDomainTooSmall},
		{"long input with a bad char (big path)", f1.Encrypt, strings.Repeat("1", 200) + "x", ErrInvalidCharacter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.fn(tt.in)
			assert.Empty(t, out)
			assertCleanError(t, err, tt.want, tt.in)
		})
	}

	// A genuine U+FFFD in a U+FFFD alphabet is a character like any other.
	ct, err := fu.Encrypt("αβγ\uFFFDεζηθικ")
	require.NoError(t, err)
	pt, err := fu.Decrypt(ct)
	require.NoError(t, err)
	assert.Equal(t, "αβγ\uFFFDεζηθικ", pt)

	// Per-call tweaks are checked too.
	_, err = f1.EncryptWithTweak("0123456789", make([]byte, MaxFF1TweakSize+1))
	assertCleanError(t, err, ErrInvalidTweak)
	_, err = f1.DecryptWithTweak("0123456789", make([]byte, MaxFF1TweakSize+1))
	assertCleanError(t, err, ErrInvalidTweak)
	_, err = f3.EncryptWithTweak("0123456789", make([]byte, 8))
	assertCleanError(t, err, ErrInvalidTweak)
	_, err = f3.DecryptWithTweak("0123456789", nil)
	assertCleanError(t, err, ErrInvalidTweak)
	_, err = f1.EncryptWithTweak("0123456789", make([]byte, MaxFF1TweakSize))
	assert.NoError(t, err)
}

// TestTweakSeparates checks that the tweak changes the result and that the
// default tweak is the one given to the constructor.
func TestTweakSeparates(t *testing.T) {
	tweak := []byte("column:pan")
	f, err := NewFF1(testKey, tweak, Digits)
	require.NoError(t, err)
	plain, err := NewFF1(testKey, nil, Digits)
	require.NoError(t, err)
	x := "4111111111111111"
	a, err := f.Encrypt(x)
	require.NoError(t, err)
	b, err := plain.EncryptWithTweak(x, tweak)
	require.NoError(t, err)
	c, err := plain.Encrypt(x)
	require.NoError(t, err)
	d, err := f.EncryptWithTweak(x, nil)
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.Equal(t, c, d)
	assert.NotEqual(t, a, c)

	// The constructor copied the tweak.
	tweak[0] ^= 1
	a2, err := f.Encrypt(x)
	require.NoError(t, err)
	assert.Equal(t, a, a2)
}

// TestResultStable checks that the returned string shares no memory that a
// later call writes.
func TestResultStable(t *testing.T) {
	f, err := NewFF1(testKey, nil, Digits)
	require.NoError(t, err)
	first, err := f.Encrypt("0123456789")
	require.NoError(t, err)
	for range 100 {
		_, err := f.Encrypt("9876543210")
		require.NoError(t, err)
	}
	assert.Equal(t, "2433477484", first) // NIST FF1 sample 1
}

// TestFastMatchesBig cross-checks the fixed-width path against the math/big
// path on random inputs of every fast length, for several radices.
func TestFastMatchesBig(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, alphabet := range []string{"01", "012", Digits, LowerHex, LowerAlpha, Base36, Base62, alphabetOfSize(1000), alphabetOfSize(MaxRadix)} {
		key := make([]byte, 16+8*rng.IntN(3))
		for i := range key {
			key[i] = byte(rng.Uint32())
		}
		f, err := NewFF1(key, nil, alphabet)
		require.NoError(t, err)
		chars := []rune(alphabet)
		for n := f.MinLength(); n < len(f.prefix); n++ {
			for range 3 {
				tweak := make([]byte, rng.IntN(40))
				var sb strings.Builder
				for range n {
					sb.WriteRune(chars[rng.IntN(len(chars))])
				}
				x := sb.String()
				fast, err := f.EncryptWithTweak(x, tweak)
				require.NoError(t, err)
				slow, err := f.cryptBig(x, f.alpha.charCount(x), tweak, false)
				require.NoError(t, err)
				require.Equal(t, slow, fast, "radix %d length %d", f.Radix(), n)
				back, err := f.DecryptWithTweak(fast, tweak)
				require.NoError(t, err)
				require.Equal(t, x, back)
			}
		}
	}
}

// TestExhaustiveDecimal6 encrypts every 6-digit decimal string (the smallest
// allowed radix-10 domain) and checks that the 10^6 outputs are distinct and
// decrypt back.
func TestExhaustiveDecimal6(t *testing.T) {
	ff1, err := NewFF1(testKey, []byte("exhaustive"), Digits)
	require.NoError(t, err)
	ff31, err := NewFF31(testKey, []byte("tweak56"), Digits)
	require.NoError(t, err)
	for _, c := range []struct {
		name             string
		encrypt, decrypt func(string) (string, error)
	}{{"FF1", ff1.Encrypt, ff1.Decrypt}, {"FF3-1", ff31.Encrypt, ff31.Decrypt}} {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "FF3-1" && (raceEnabled || testing.Short()) {
				t.Skip("FF1 covers the exhaustive check under -race and -short; FF3-1 runs it in normal test runs")
			}
			const size = 1_000_000
			seen := make([]uint32, size/32+1) // bitset of ciphertexts
			var mu sync.Mutex
			var failures []string
			workers := runtime.GOMAXPROCS(0)
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					var local []int
					buf := []byte("000000")
					for v := w; v < size; v += workers {
						for i, p := 5, v; i >= 0; i, p = i-1, p/10 {
							buf[i] = byte('0' + p%10)
						}
						x := string(buf)
						ct, err := c.encrypt(x)
						if err != nil || len(ct) != 6 {
							mu.Lock()
							failures = append(failures, fmt.Sprintf("encrypt %d: %v", v, err))
							mu.Unlock()
							continue
						}
						pt, err := c.decrypt(ct)
						if err != nil || pt != x {
							mu.Lock()
							failures = append(failures, fmt.Sprintf("round trip %d: %v", v, err))
							mu.Unlock()
						}
						n := 0
						for i := range 6 {
							n = n*10 + int(ct[i]-'0')
						}
						local = append(local, n)
					}
					mu.Lock()
					for _, n := range local {
						if seen[n/32]&(1<<(n%32)) != 0 {
							failures = append(failures, fmt.Sprintf("collision on output %06d", n))
						}
						seen[n/32] |= 1 << (n % 32)
					}
					mu.Unlock()
				})
			}
			wg.Wait()
			require.Empty(t, failures)
			count := 0
			for _, w := range seen {
				for ; w != 0; w &= w - 1 {
					count++
				}
			}
			assert.Equal(t, size, count, "every 6-digit output reached exactly once")
		})
	}
}

// TestConcurrentUse hammers one instance of each type from many goroutines
// and compares with single-threaded results.
func TestConcurrentUse(t *testing.T) {
	ff1, err := NewFF1(testKey, []byte("default"), Digits)
	require.NoError(t, err)
	ff31, err := NewFF31(testKey, []byte("default"), Base36)
	require.NoError(t, err)

	type job struct {
		fn     func() (string, error)
		expect string
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var jobs []job
	for i := range 200 {
		n := 6 + rng.IntN(60) // includes math/big lengths for FF1
		var sb strings.Builder
		for range n {
			sb.WriteByte(byte('0' + rng.IntN(10)))
		}
		x := sb.String()
		tweak := []byte(fmt.Sprintf("t%d", i%5))
		ff31Tweak := []byte(fmt.Sprintf("tw%05d", i))
		x36 := x[:min(len(x), ff31.MaxLength())]
		jobs = append(jobs,
			job{fn: func() (string, error) { return ff1.Encrypt(x) }},
			job{fn: func() (string, error) { return ff1.Decrypt(x) }},
			job{fn: func() (string, error) { return ff1.EncryptWithTweak(x, tweak) }},
			job{fn: func() (string, error) { return ff1.DecryptWithTweak(x, tweak) }},
			job{fn: func() (string, error) { return ff31.Encrypt(x36) }},
			job{fn: func() (string, error) { return ff31.Decrypt(x36) }},
			job{fn: func() (string, error) { return ff31.EncryptWithTweak(x36, ff31Tweak) }},
		)
	}
	for i := range jobs {
		out, err := jobs[i].fn()
		require.NoError(t, err)
		jobs[i].expect = out
	}
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for g := range 16 {
		wg.Go(func() {
			for k := range 3 * len(jobs) {
				j := jobs[(k*7+g*13)%len(jobs)]
				out, err := j.fn()
				if err != nil || out != j.expect {
					select {
					case errs <- fmt.Sprintf("goroutine %d job %d: %v", g, k, err):
					default:
					}
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestPCache checks the CIPH(P) cache behind EncryptWithTweak: results for
// many tweak lengths (more than the cache holds) agree with the math/big
// path, from many goroutines at once, and steady-state calls allocate only
// the result.
func TestPCache(t *testing.T) {
	f, err := NewFF1(testKey, nil, Digits)
	require.NoError(t, err)
	const x = "4111111111111111"
	var want []string
	for tl := range 2 * pSlots {
		w, err := f.cryptBig(x, len(x), bytes.Repeat([]byte{byte(tl)}, tl), false)
		require.NoError(t, err)
		want = append(want, w)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for k := range 200 {
				tl := (k + g) % (2 * pSlots)
				got, err := f.EncryptWithTweak(x, bytes.Repeat([]byte{byte(tl)}, tl))
				if err != nil || got != want[tl] {
					t.Errorf("goroutine %d tweak length %d: %q, %v", g, tl, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
	filled := 0
	for i := range f.pcache[len(x)] {
		if f.pcache[len(x)][i].Load() != nil {
			filled++
		}
	}
	assert.Equal(t, pSlots, filled)
	for _, tl := range []int{0, 2*pSlots - 1} {
		tweak := bytes.Repeat([]byte{byte(tl)}, tl)
		allocs := testing.AllocsPerRun(50, func() { _, _ = f.EncryptWithTweak(x, tweak) })
		assert.LessOrEqual(t, allocs, 1.0, "tweak length %d", tl)
	}
}

func TestAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	ff1, err := NewFF1(testKey, nil, Digits)
	require.NoError(t, err)
	ff31, err := NewFF31(testKey, make([]byte, 7), Digits)
	require.NoError(t, err)
	for _, x := range []string{"123456789", "4111111111111111"} {
		for name, fn := range map[string]func(string) (string, error){
			"FF1 encrypt": ff1.Encrypt, "FF1 decrypt": ff1.Decrypt,
			"FF3-1 encrypt": ff31.Encrypt, "FF3-1 decrypt": ff31.Decrypt,
		} {
			allocs := testing.AllocsPerRun(100, func() { _, _ = fn(x) })
			assert.LessOrEqual(t, allocs, 1.0, "%s of %d digits", name, len(x))
		}
	}
}

// TestArithmetic checks the fixed-width helpers against math/big.
func TestArithmetic(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	toBig := func(x u128) *big.Int {
		z := new(big.Int).SetUint64(x.hi)
		z.Lsh(z, 64)
		return z.Or(z, new(big.Int).SetUint64(x.lo))
	}
	randBelow := func(m u128) u128 {
		z := toBig(u128{rng.Uint64(), rng.Uint64()})
		z.Mod(z, toBig(m))
		return u128{new(big.Int).Rsh(z, 64).Uint64(), z.Uint64()}
	}
	for _, radix := range []int{2, 3, 7, 10, 16, 26, 36, 62, 64, 100, 255, 1000, 40000, 65535, 65536} {
		a, err := newAlphabet(alphabetOfSize(radix))
		require.NoError(t, err)
		for k, md := range a.pow {
			want := new(big.Int).Exp(big.NewInt(int64(radix)), big.NewInt(int64(k)), nil)
			require.Equal(t, want.String(), toBig(md.m).String(), "radix %d k %d", radix, k)
			require.Equal(t, (new(big.Int).Sub(want, big.NewInt(1)).BitLen()+7)/8, md.numBytes)
			// The Barrett constants, exactly.
			pow2 := func(e int) *big.Int { return new(big.Int).Lsh(big.NewInt(1), uint(e)) }
			if md.m.hi != 0 {
				mu := new(big.Int).Quo(pow2(128), want)
				if mu.BitLen() > 64 { // m = 2^64
					mu.Sub(mu, big.NewInt(1))
				}
				require.Equal(t, mu.String(), new(big.Int).SetUint64(md.muW).String(), "radix %d k %d", radix, k)
				require.Equal(t, new(big.Int).Mul(want, big.NewInt(3)).String(), toBig(md.m3).String())
			}
			if md.barrett {
				require.Equal(t, new(big.Int).Quo(pow2(64), want).Uint64(), md.mu64)
				require.Equal(t, new(big.Int).Quo(pow2(128), want).String(), toBig(u128{md.muHi, md.muLo}).String())
			}
			for range 50 {
				y := u128{rng.Uint64(), rng.Uint64()}
				switch rng.IntN(6) {
				case 0:
					y.hi = 0
				case 1:
					y = u128{^uint64(0), ^uint64(0)}
				case 2:
					y = sub128(md.m, u128{0, 1}) // m − 1
				case 3:
					y = md.m
				}
				got := md.reduce(y)
				require.Equal(t, new(big.Int).Mod(toBig(y), want).String(), toBig(got).String(), "radix %d k %d", radix, k)
				if md.m.hi != 0 {
					// The unreduced remainder: congruent to y, below 3m;
					// mod4 of anything below 4m.
					r0 := toBig(md.lazyWide(y))
					require.Equal(t, -1, r0.Cmp(toBig(md.m3)), "radix %d k %d", radix, k)
					require.Zero(t, new(big.Int).Mod(new(big.Int).Sub(toBig(y), r0), want).Sign())
					for _, c := range []u128{randBelow(md.m), add128(randBelow(md.m3), md.m), sub128(md.m3, u128{0, 1}), add128(md.m3, sub128(md.m, u128{0, 1})), md.m, md.m2, md.m3} {
						require.Equal(t, new(big.Int).Mod(toBig(c), want).String(), toBig(md.mod4(c)).String(), "radix %d k %d", radix, k)
					}
				}
				x, r := randBelow(md.m), randBelow(md.m)
				sum := new(big.Int).Add(toBig(x), toBig(r))
				require.Equal(t, sum.Mod(sum, want).String(), toBig(md.addMod(x, r)).String())
				diff := new(big.Int).Sub(toBig(x), toBig(r))
				require.Equal(t, diff.Mod(diff, want).String(), toBig(md.subMod(x, r)).String())
				if md.barrett {
					want := new(big.Int).Mod(toBig(y), want).Uint64()
					require.Equal(t, want, md.barrett128(y.hi, y.lo), "radix %d k %d", radix, k)
					y64 := new(big.Int).Mod(new(big.Int).SetUint64(y.lo), toBig(md.m)).Uint64()
					require.Equal(t, y64, md.barrett64(y.lo), "radix %d k %d", radix, k)
				}
				if md.barrett {
					require.Equal(t, toBig(md.addMod(x, r)).Uint64(), addMod64(x.lo, r.lo, md.m.lo))
					require.Equal(t, toBig(md.subMod(x, r)).Uint64(), subMod64(x.lo, r.lo, md.m.lo))
				}
			}
			// Digits against big.Int.Text for radices that it supports.
			if radix <= 62 && k > 0 {
				x := randBelow(md.m)
				digits := make([]uint16, k)
				a.digits(x, digits)
				text := toBig(x).Text(radix)
				for i, d := range digits {
					want := 0
					if j := len(text) - 1 - i; j >= 0 {
						v, _ := new(big.Int).SetString(text[j:j+1], radix)
						want = int(v.Int64())
					}
					require.Equal(t, want, int(d), "radix %d k %d digit %d", radix, k, i)
				}
				require.Equal(t, x, a.num(reversed(digits)))
				require.Equal(t, x, a.numRev(digits))
			}
		}
	}
}

func reversed(s []uint16) []uint16 {
	r := make([]uint16, len(s))
	for i, v := range s {
		r[len(s)-1-i] = v
	}
	return r
}

// randomCase derives a key, a tweak, an alphabet and an input from fuzz data.
func randomCase(seed []byte, alphaSel uint16, length uint16) (key, tweak []byte, alphabet string, x string) {
	rng := rand.New(rand.NewChaCha8([32]byte(append(bytes.Clone(seed), make([]byte, 32)...)[:32])))
	key = make([]byte, []int{16, 24, 32}[rng.IntN(3)])
	for i := range key {
		key[i] = byte(rng.Uint32())
	}
	tweak = make([]byte, rng.IntN(40))
	for i := range tweak {
		tweak[i] = byte(rng.Uint32())
	}
	alphabets := []string{Digits, LowerHex, Base36, Base62, "01", "ab", "ÊËÌÍÎÏÐÑÒÓ", alphabetOfSize(int(alphaSel)%MaxRadix + 1)}
	alphabet = alphabets[int(alphaSel)%len(alphabets)]
	chars := []rune(alphabet)
	var sb strings.Builder
	for range int(length) % 300 {
		sb.WriteRune(chars[rng.IntN(len(chars))])
	}
	return key, tweak, alphabet, sb.String()
}

func FuzzFF1RoundTrip(f *testing.F) {
	f.Add([]byte("seed"), uint16(0), uint16(16))
	f.Add([]byte("long"), uint16(4), uint16(250))
	f.Add([]byte("unicode"), uint16(6), uint16(7))
	f.Add([]byte("huge radix"), uint16(7+8*1000), uint16(5))
	f.Fuzz(func(t *testing.T, seed []byte, alphaSel, length uint16) {
		key, tweak, alphabet, x := randomCase(seed, alphaSel, length)
		ff, err := NewFF1(key, tweak, alphabet)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidAlphabet) // a one-character alphabet
			return
		}
		ct, err := ff.Encrypt(x)
		if utf8.RuneCountInString(x) < ff.MinLength() {
			require.ErrorIs(t, err, ErrDomainTooSmall)
			return
		}
		require.NoError(t, err)
		require.Equal(t, utf8.RuneCountInString(x), utf8.RuneCountInString(ct))
		pt, err := ff.Decrypt(ct)
		require.NoError(t, err)
		require.Equal(t, x, pt)
		ct2, err := ff.EncryptWithTweak(x, tweak)
		require.NoError(t, err)
		require.Equal(t, ct, ct2)
	})
}

func FuzzFF31RoundTrip(f *testing.F) {
	f.Add([]byte("seed"), uint16(0), uint16(16))
	f.Add([]byte("max"), uint16(0), uint16(56))
	f.Add([]byte("unicode"), uint16(6), uint16(9))
	f.Fuzz(func(t *testing.T, seed []byte, alphaSel, length uint16) {
		key, tweak, alphabet, x := randomCase(seed, alphaSel, length)
		tweak = append(tweak, make([]byte, 7)...)[:7]
		ff, err := NewFF31(key, tweak, alphabet)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidAlphabet)
			return
		}
		n := utf8.RuneCountInString(x)
		ct, err := ff.Encrypt(x)
		switch {
		case n < ff.MinLength():
			require.ErrorIs(t, err, ErrDomainTooSmall)
			return
		case n > ff.MaxLength():
			require.ErrorIs(t, err, ErrInvalidLength)
			return
		}
		require.NoError(t, err)
		require.Equal(t, n, utf8.RuneCountInString(ct))
		pt, err := ff.Decrypt(ct)
		require.NoError(t, err)
		require.Equal(t, x, pt)
	})
}

// FuzzArbitraryInput feeds arbitrary alphabets, tweaks and inputs: nothing
// may panic, errors are package errors, and what encrypts decrypts back.
func FuzzArbitraryInput(f *testing.F) {
	f.Add([]byte("0123456789abcdef"), []byte{}, Digits, "0123456789")
	f.Add([]byte("0123456789abcdef"), []byte("tweak56"), "ab", "abababababababababab")
	f.Add([]byte("short"), []byte{}, Digits, "123")
	f.Add([]byte("0123456789abcdef"), []byte{1, 2, 3}, "aa", "aaaaaa")
	f.Add([]byte("0123456789abcdef"), []byte{}, "é\xffè", "éèéèéèéèéè")
	f.Add([]byte("0123456789abcdef"), []byte{}, Digits, "12345\xff7890")
	f.Fuzz(func(t *testing.T, key, tweak []byte, alphabet, x string) {
		sentinels := []error{ErrInvalidKey, ErrInvalidAlphabet, ErrInvalidTweak, ErrDomainTooSmall, ErrInvalidLength, ErrInvalidCharacter}
		isOurs := func(err error) bool {
			for _, s := range sentinels {
				if errors.Is(err, s) {
					return true
				}
			}
			return false
		}
		if ff1, err := NewFF1(key, tweak, alphabet); err != nil {
			require.True(t, isOurs(err), err)
		} else {
			for _, fn := range []func(string) (string, error){ff1.Encrypt, ff1.Decrypt} {
				out, err := fn(x)
				if err != nil {
					require.True(t, isOurs(err), err)
					require.Empty(t, out)
					continue
				}
				require.Equal(t, utf8.RuneCountInString(x), utf8.RuneCountInString(out))
			}
			if ct, err := ff1.Encrypt(x); err == nil {
				pt, err := ff1.Decrypt(ct)
				require.NoError(t, err)
				require.Equal(t, x, pt)
			}
		}
		if ff31, err := NewFF31(key, tweak, alphabet); err != nil {
			require.True(t, isOurs(err), err)
		} else if ct, err := ff31.Encrypt(x); err == nil {
			pt, err := ff31.Decrypt(ct)
			require.NoError(t, err)
			require.Equal(t, x, pt)
		} else {
			require.True(t, isOurs(err), err)
		}
	})
}

// TestRandomKeysRoundTrip is a quick non-fuzz run of the round trip with
// keys from crypto/rand.
func TestRandomKeysRoundTrip(t *testing.T) {
	for range 20 {
		key := make([]byte, 32)
		_, _ = crand.Read(key)
		f, err := NewFF1(key, nil, Base62)
		require.NoError(t, err)
		ct, err := f.Encrypt("SomeCustomerID42")
		require.NoError(t, err)
		pt, err := f.Decrypt(ct)
		require.NoError(t, err)
		assert.Equal(t, "SomeCustomerID42", pt)
	}
}

// countingBlock counts block encryptions.
type countingBlock struct {
	cipher.Block
	n int
}

func (c *countingBlock) Encrypt(dst, src []byte) {
	c.n++
	c.Block.Encrypt(dst, src)
}

// TestAESCallCount pins the AES work per call, the floor of the
// performance targets: 10 blocks for FF1 and 8 for FF3-1 on short inputs.
func TestAESCallCount(t *testing.T) {
	ff1, err := NewFF1(testKey, []byte("default tweak"), Digits)
	require.NoError(t, err)
	ff31, err := NewFF31(testKey, make([]byte, 7), Digits)
	require.NoError(t, err)
	// The crypto/aes path, whose calls can be counted. The kernels run the
	// same 10 (FF1) and 8 (FF3-1) blocks, unrolled in kernel_amd64.s, and
	// agree with this path (TestKernelMatchesCryptoAESPath).
	ff1, ff31 = ff1.withoutKernel(), ff31.withoutKernel()
	cb1 := &countingBlock{Block: ff1.block}
	ff1.block = cb1
	cb3 := &countingBlock{Block: ff31.block}
	ff31.block = cb3
	tests := []struct {
		name string
		fn   func() (string, error)
		cb   *countingBlock
		want int
	}{
		{"FF1 decimal16 encrypt", func() (string, error) { return ff1.Encrypt("4111111111111111") }, cb1, 10},
		{"FF1 decimal9 decrypt", func() (string, error) { return ff1.Decrypt("123456789") }, cb1, 10},
		// Tweak of 10 bytes: T ‖ pad ‖ i ‖ NUM(B) is one block; CIPH(P) cached.
		{"FF1 per-call 10-byte tweak", func() (string, error) { return ff1.EncryptWithTweak("4111111111111111", []byte("column:pan")) }, cb1, 10},
		// Tweak of 20 bytes: one whole tweak block ahead of the round data.
		{"FF1 per-call 20-byte tweak", func() (string, error) {
			return ff1.EncryptWithTweak("4111111111111111", []byte("a twenty-byte tweak!"))
		}, cb1, 11},
		{"FF3-1 decimal16 encrypt", func() (string, error) { return ff31.Encrypt("4111111111111111") }, cb3, 8},
		{"FF3-1 decimal9 decrypt", func() (string, error) { return ff31.Decrypt("123456789") }, cb3, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.fn() // warm the CIPH(P) cache
			require.NoError(t, err)
			tt.cb.n = 0
			_, err = tt.fn()
			require.NoError(t, err)
			assert.Equal(t, tt.want, tt.cb.n)
		})
	}
}

func TestParse8(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	inputs := []string{"00000000", "99999999", "12345678", "00000001", "10000000"}
	for range 20000 {
		inputs = append(inputs, fmt.Sprintf("%08d", rng.IntN(100_000_000)))
	}
	for _, in := range inputs {
		v, ok := parse8(in)
		require.True(t, ok, in)
		want, err := strconv.ParseUint(in, 10, 64)
		require.NoError(t, err)
		require.Equal(t, want, v, in)
	}
	// Every single-byte corruption of a valid string is rejected unless the
	// byte is still a digit.
	for pos := range 8 {
		for c := range 256 {
			b := []byte("31415926")
			b[pos] = byte(c)
			_, ok := parse8(string(b))
			assert.Equal(t, c >= '0' && c <= '9', ok, "byte %#x at %d", c, pos)
		}
	}
	// Random bytes: accepted exactly when all are digits.
	for range 20000 {
		b := make([]byte, 8)
		for i := range b {
			b[i] = byte(rng.IntN(256))
			if rng.IntN(2) == 0 {
				b[i] = byte('0' + rng.IntN(10))
			}
		}
		all := true
		for _, c := range b {
			all = all && c >= '0' && c <= '9'
		}
		_, ok := parse8(string(b))
		assert.Equal(t, all, ok, "%q", b)
	}
}

// TestASCIICodec checks the ASCII fast path's parsing and formatting against
// math/big for every length up to the fast-path maximum.
func TestASCIICodec(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var printable []byte // radix 94: beyond the pair table
	for c := byte('!'); c <= '~'; c++ {
		printable = append(printable, c)
	}
	for _, alphabet := range []string{Digits, "9876543210", "01", "012", LowerHex, LowerAlpha, Base36, Base62, Base62 + "_", Base62[:37], string(printable)} {
		a, err := newAlphabet(alphabet)
		require.NoError(t, err)
		for m := 1; m <= a.maxHalf(); m++ {
			for range 20 {
				var sb strings.Builder
				for range m {
					sb.WriteByte(alphabet[rng.IntN(len(alphabet))])
				}
				s := sb.String()
				// Reference: NUM by math/big, digit by digit.
				want := new(big.Int)
				for i := range len(s) {
					want.Mul(want, big.NewInt(int64(a.radix)))
					want.Add(want, big.NewInt(int64(strings.IndexByte(alphabet, s[i]))))
				}
				got, ok := a.numASCII(s)
				require.True(t, ok)
				require.Equal(t, want.String(), new(big.Int).Add(new(big.Int).Lsh(new(big.Int).SetUint64(got.hi), 64), new(big.Int).SetUint64(got.lo)).String(), "%s %q", alphabet, s)
				out := make([]byte, m)
				a.putASCII(got, out)
				require.Equal(t, s, string(out))

				rev := []byte(s)
				slices.Reverse(rev)
				gotRev, ok := a.numRevASCII(string(rev))
				require.True(t, ok)
				require.Equal(t, got, gotRev)
				a.putRevASCII(got, out)
				require.Equal(t, string(rev), string(out))
			}
		}
	}
}

// FuzzFastMatchesBig compares the fixed-width path with the math/big path on
// the same random key, tweak, alphabet and input.
func FuzzFastMatchesBig(f *testing.F) {
	f.Add([]byte("seed"), uint16(0), uint16(16))
	f.Add([]byte("b36"), uint16(2), uint16(32))
	f.Add([]byte("bin"), uint16(4), uint16(190))
	f.Add([]byte("wide"), uint16(7+8*700), uint16(12))
	f.Fuzz(func(t *testing.T, seed []byte, alphaSel, length uint16) {
		key, tweak, alphabet, x := randomCase(seed, alphaSel, length)
		ff, err := NewFF1(key, nil, alphabet)
		if err != nil {
			return
		}
		n := utf8.RuneCountInString(x)
		if n < ff.MinLength() || n >= len(ff.prefix) {
			return
		}
		for _, decrypt := range []bool{false, true} {
			fast, err := ff.crypt(x, tweak, false, decrypt)
			require.NoError(t, err)
			slow, err := ff.cryptBig(x, ff.alpha.charCount(x), tweak, decrypt)
			require.NoError(t, err)
			require.Equal(t, slow, fast, "decrypt=%v", decrypt)
		}
	})
}
