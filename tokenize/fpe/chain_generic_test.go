//go:build !amd64 || purego

package fpe

// kernelAESChain is never called here: the benchmarks call it only when
// the kernels run (rk != nil), which they do not in this build.
func kernelAESChain(*roundKeys, *[16]byte, int) {}
