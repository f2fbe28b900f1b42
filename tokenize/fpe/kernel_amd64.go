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

// ff1Rounds runs the ten FF1 rounds of j (see ff1Job). With c nil, it
// takes NUM(A) = a and NUM(B) = b and returns the final NUM(A) and NUM(B)
// (see ff1Kernel). With c set (see digitCodec), it reads the c.n decimal
// digits at src instead, writes the result's c.n digits at dst and reports
// whether src held only digits (if not, it writes nothing). It only reads
// j and c.
//
//go:noescape
func ff1Rounds(j *ff1Job, a, b uint64, decrypt bool, c *digitCodec, dst, src *byte) (ra, rb uint64, ok bool)

// ff31Rounds is ff1Rounds for the eight FF3-1 rounds of j (see ff31Job),
// on NUM(REV(A)) = a and NUM(REV(B)) = b, or on a decimal string.
//
//go:noescape
func ff31Rounds(j *ff31Job, a, b uint64, decrypt bool, c *digitCodec, dst, src *byte) (ra, rb uint64, ok bool)

// digitsRoundTrip reads the decimal string at src under c and writes it back
// at dst with no rounds in between (tests only); j, a, b and decrypt are
// unused.
//
//go:noescape
func digitsRoundTrip(j *ff1Job, a, b uint64, decrypt bool, c *digitCodec, dst, src *byte) (ra, rb uint64, ok bool)

// aesChain encrypts state n times in a row under rk (AES-128), in a
// register: the latency of the AES instructions alone (benchmarks only).
//
//go:noescape
func aesChain(rk *roundKeys, state *[16]byte, n int)

// ff1Rounds128 runs the ten FF1 rounds of j (see ff1Job128) on NUM(A) =
// ahi·2^64 + alo and NUM(B) = bhi·2^64 + blo and returns the final NUM(A)
// and NUM(B), high words first (c nil; see ff1Kernel128), or, with c set
// (see base36Codec), on the Base36 string at src, writing the result at
// dst, as ff1Rounds does for decimals. It only reads j and c.
//
//go:noescape
func ff1Rounds128(j *ff1Job128, ahi, alo, bhi, blo uint64, decrypt bool, c *base36Codec, dst, src *byte) (rahi, ralo, rbhi, rblo uint64, ok bool)

// ff31Rounds128 is ff1Rounds128 for the eight FF3-1 rounds of j (see
// ff31Job128), on NUM(REV(A)) and NUM(REV(B)) or on a Base36 string.
//
//go:noescape
func ff31Rounds128(j *ff31Job128, ahi, alo, bhi, blo uint64, decrypt bool, c *base36Codec, dst, src *byte) (rahi, ralo, rbhi, rblo uint64, ok bool)

// base36RoundTrip reads the Base36 string at src under c and writes it
// back at dst with no rounds in between (tests only); the other arguments
// are unused.
//
//go:noescape
func base36RoundTrip(j *ff1Job128, ahi, alo, bhi, blo uint64, decrypt bool, c *base36Codec, dst, src *byte) (rahi, ralo, rbhi, rblo uint64, ok bool)
