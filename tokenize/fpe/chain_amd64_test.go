//go:build !purego

package fpe

// kernelAESChain is aesChain, for the benchmarks.
func kernelAESChain(rk *roundKeys, state *[16]byte, n int) { aesChain(rk, state, n) }
