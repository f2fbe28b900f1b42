//go:build !purego

#include "textflag.h"

// func putBlock(p *[16]byte, w0, w1 uint64)
//
// Stores w0 and w1 little-endian into p[0:8] and p[8:16] with one 16-byte
// store (SSE2 only), so that the AES routine's 16-byte load of p can be
// forwarded from the store buffer.
TEXT ·putBlock(SB), NOSPLIT, $0-24
	MOVQ       p+0(FP), AX
	MOVQ       w0+8(FP), X0
	MOVQ       w1+16(FP), X1
	PUNPCKLQDQ X1, X0
	MOVOU      X0, (AX)
	RET
