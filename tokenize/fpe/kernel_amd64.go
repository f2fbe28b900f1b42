//go:build !purego

package fpe

// haveKernels reports whether the processor has the instructions the
// kernels use: AES-NI and SSSE3 (PSHUFB).
var haveKernels = func() bool {
	ecx := cpuidECX1()
	const ssse3, aesni = 1 << 9, 1 << 25
	return ecx&ssse3 != 0 && ecx&aesni != 0
}()

func cpuidECX1() uint32

func subWord(w uint32) uint32

// ff1Kernel runs the ten FF1 rounds of j (see ff1Job) on NUM(A) = a and
// NUM(B) = b and returns the final NUM(A) and NUM(B). It only reads j.
//
//go:noescape
func ff1Kernel(j *ff1Job, a, b uint64, decrypt bool) (uint64, uint64)

// ff31Kernel runs the eight FF3-1 rounds of j (see ff31Job) on
// NUM(REV(A)) = a and NUM(REV(B)) = b and returns the final values. It only
// reads j.
//
//go:noescape
func ff31Kernel(j *ff31Job, a, b uint64, decrypt bool) (uint64, uint64)

// ff1DigitsIn reads the decimal string at src (c.n digits, see digitCodec)
// and runs the first half of the FF1 rounds of j; ff1DigitsOut runs the
// second half on its numbers and writes the result at dst. ok is false, and
// nothing runs, when src holds a non-digit. Two calls instead of one
// measured faster (kernel_amd64.s), and let the result be allocated between
// them. Both only read j and c; unused arguments are zero.
//
//go:noescape
func ff1DigitsIn(j *ff1Job, c *digitCodec, src, dst *byte, a, b uint64, decrypt bool) (ra, rb uint64, ok bool)

//go:noescape
func ff1DigitsOut(j *ff1Job, c *digitCodec, src, dst *byte, a, b uint64, decrypt bool) (ra, rb uint64, ok bool)

// ff31DigitsIn and ff31DigitsOut are ff1DigitsIn and ff1DigitsOut for
// FF3-1 (see ff31Job).
//
//go:noescape
func ff31DigitsIn(j *ff31Job, c *digitCodec, src, dst *byte, a, b uint64, decrypt bool) (ra, rb uint64, ok bool)

//go:noescape
func ff31DigitsOut(j *ff31Job, c *digitCodec, src, dst *byte, a, b uint64, decrypt bool) (ra, rb uint64, ok bool)

// digitsRoundTrip reads the decimal string at src under c and writes it back
// at dst with no rounds in between (tests only).
//
//go:noescape
func digitsRoundTrip(j *ff1Job, c *digitCodec, src, dst *byte, a, b uint64, decrypt bool) (ra, rb uint64, ok bool)

// aesChain encrypts state n times in a row under rk (AES-128), in a
// register: the latency of the AES instructions alone (benchmarks only).
//
//go:noescape
func aesChain(rk *roundKeys, state *[16]byte, n int)

// ff1Kernel128 runs the ten FF1 rounds of j (see ff1Job128) on NUM(A) =
// ahi·2^64 + alo and NUM(B) = bhi·2^64 + blo and returns the final NUM(A)
// and NUM(B), high words first. It only reads j.
//
//go:noescape
func ff1Kernel128(j *ff1Job128, ahi, alo, bhi, blo uint64, decrypt bool) (uint64, uint64, uint64, uint64)

// ff31Kernel128 runs the eight FF3-1 rounds of j (see ff31Job128) on
// NUM(REV(A)) = ahi·2^64 + alo and NUM(REV(B)) = bhi·2^64 + blo and returns
// the final values, high words first. It only reads j.
//
//go:noescape
func ff31Kernel128(j *ff31Job128, ahi, alo, bhi, blo uint64, decrypt bool) (uint64, uint64, uint64, uint64)

// ff1Base36In, ff1Base36Out, ff31Base36In and ff31Base36Out are the
// ...DigitsIn and ...DigitsOut pairs for the 128-bit kernels and the
// alphabet Base36 (see base36Codec).
//
//go:noescape
func ff1Base36In(j *ff1Job128, c *base36Codec, src, dst *byte, ahi, alo, bhi, blo uint64, decrypt bool) (rahi, ralo, rbhi, rblo uint64, ok bool)

//go:noescape
func ff1Base36Out(j *ff1Job128, c *base36Codec, src, dst *byte, ahi, alo, bhi, blo uint64, decrypt bool) (rahi, ralo, rbhi, rblo uint64, ok bool)

//go:noescape
func ff31Base36In(j *ff31Job128, c *base36Codec, src, dst *byte, ahi, alo, bhi, blo uint64, decrypt bool) (rahi, ralo, rbhi, rblo uint64, ok bool)

//go:noescape
func ff31Base36Out(j *ff31Job128, c *base36Codec, src, dst *byte, ahi, alo, bhi, blo uint64, decrypt bool) (rahi, ralo, rbhi, rblo uint64, ok bool)

// base36RoundTrip reads the Base36 string at src under c and writes it
// back at dst with no rounds in between (tests only).
//
//go:noescape
func base36RoundTrip(j *ff1Job128, c *base36Codec, src, dst *byte, ahi, alo, bhi, blo uint64, decrypt bool) (rahi, ralo, rbhi, rblo uint64, ok bool)
