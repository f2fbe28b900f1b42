//go:build !purego

package fpe

// putBlock sets p to w0 ‖ w1, each word little-endian, with a single 16-byte
// store.
//
// Each Feistel round builds the next AES input from integer registers. Built
// with two 8-byte stores, that block cannot be forwarded to the AES
// routine's 16-byte load, which then waits for both stores to reach the
// cache: about a quarter of an AES call more, on every round
// (BenchmarkFloorRatio/parts in BENCHMARKS.md). One 16-byte store is
// forwarded. This moves bytes only; the cipher is crypto/aes.
//
//go:noescape
func putBlock(p *[16]byte, w0, w1 uint64)
