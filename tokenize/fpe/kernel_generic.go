//go:build !amd64 || purego

package fpe

// haveKernels is false here: newRoundKeys returns nil, so FF1 and FF31 never
// reach the functions below and every call goes through crypto/aes. They
// exist so that the callers compile; reaching one would be a bug in this
// package, reported as such rather than answered with a wrong result.
const haveKernels = false

const noKernels = "fpe: internal error: AES-NI kernel called in a build without kernels"

func subWord(uint32) uint32 { panic(noKernels) }

func ff1Kernel(*ff1Job, uint64, uint64, bool) (uint64, uint64) { panic(noKernels) }

func ff31Kernel(*ff31Job, uint64, uint64, bool) (uint64, uint64) { panic(noKernels) }

func ff1Kernel128(*ff1Job128, uint64, uint64, uint64, uint64, bool) (uint64, uint64, uint64, uint64) {
	panic(noKernels)
}

func ff31Kernel128(*ff31Job128, uint64, uint64, uint64, uint64, bool) (uint64, uint64, uint64, uint64) {
	panic(noKernels)
}

func ff1DigitsIn(*ff1Job, *digitCodec, *byte, *byte, uint64, uint64, bool) (uint64, uint64, bool) {
	panic(noKernels)
}

func ff1DigitsOut(*ff1Job, *digitCodec, *byte, *byte, uint64, uint64, bool) (uint64, uint64, bool) {
	panic(noKernels)
}

func ff31DigitsIn(*ff31Job, *digitCodec, *byte, *byte, uint64, uint64, bool) (uint64, uint64, bool) {
	panic(noKernels)
}

func ff31DigitsOut(*ff31Job, *digitCodec, *byte, *byte, uint64, uint64, bool) (uint64, uint64, bool) {
	panic(noKernels)
}

func digitsRoundTrip(*ff1Job, *digitCodec, *byte, *byte, uint64, uint64, bool) (uint64, uint64, bool) {
	panic(noKernels)
}

func ff1Base36In(*ff1Job128, *base36Codec, *byte, *byte, uint64, uint64, uint64, uint64, bool) (uint64, uint64, uint64, uint64, bool) {
	panic(noKernels)
}

func ff1Base36Out(*ff1Job128, *base36Codec, *byte, *byte, uint64, uint64, uint64, uint64, bool) (uint64, uint64, uint64, uint64, bool) {
	panic(noKernels)
}

func ff31Base36In(*ff31Job128, *base36Codec, *byte, *byte, uint64, uint64, uint64, uint64, bool) (uint64, uint64, uint64, uint64, bool) {
	panic(noKernels)
}

func ff31Base36Out(*ff31Job128, *base36Codec, *byte, *byte, uint64, uint64, uint64, uint64, bool) (uint64, uint64, uint64, uint64, bool) {
	panic(noKernels)
}

func base36RoundTrip(*ff1Job128, *base36Codec, *byte, *byte, uint64, uint64, uint64, uint64, bool) (uint64, uint64, uint64, uint64, bool) {
	panic(noKernels)
}
