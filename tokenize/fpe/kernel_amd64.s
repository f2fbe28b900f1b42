//go:build !purego

#include "textflag.h"

// The AES-NI kernels of kernel.go. Go assembler operand order: source
// first, destination last. Round keys are read from memory at fixed offsets
// (the loads do not wait for anything); only the block travels through the
// round chain, in X0.

// Byte shuffles for PSHUFB. swapHalves reverses the bytes of each 8-byte
// half. toHigh puts the byte-reversed low half of a register into the high
// half and zeroes the low half.
DATA swapHalves<>+0(SB)/8, $0x0001020304050607
DATA swapHalves<>+8(SB)/8, $0x08090a0b0c0d0e0f
GLOBL swapHalves<>(SB), RODATA|NOPTR, $16

DATA toHigh<>+0(SB)/8, $0x8080808080808080
DATA toHigh<>+8(SB)/8, $0x0001020304050607
GLOBL toHigh<>(SB), RODATA|NOPTR, $16

// Constants of the decimal codec (DIGITS_PARSE, DIGITS_FORMAT), as bytes or
// 16-bit lanes: ASCII '0'; 9; the weights 10, 1 (bytes), 100, 1 and
// 10000, 1 (words) that fold digits into numbers; and the multipliers that
// split numbers into digits: ⌊v·5243/2^19⌋ = ⌊v/100⌋ for v < 43,699 and
// ⌊w·6554/2^16⌋ = ⌊w/10⌋ for w < 100.
DATA ascii0<>+0(SB)/8, $0x3030303030303030
DATA ascii0<>+8(SB)/8, $0x3030303030303030
GLOBL ascii0<>(SB), RODATA|NOPTR, $16

DATA nines<>+0(SB)/8, $0x0909090909090909
DATA nines<>+8(SB)/8, $0x0909090909090909
GLOBL nines<>(SB), RODATA|NOPTR, $16

DATA w10<>+0(SB)/8, $0x010a010a010a010a
DATA w10<>+8(SB)/8, $0x010a010a010a010a
GLOBL w10<>(SB), RODATA|NOPTR, $16

DATA w100<>+0(SB)/8, $0x0001006400010064
DATA w100<>+8(SB)/8, $0x0001006400010064
GLOBL w100<>(SB), RODATA|NOPTR, $16

DATA w10k<>+0(SB)/8, $0x0001271000012710
DATA w10k<>+8(SB)/8, $0x0001271000012710
GLOBL w10k<>(SB), RODATA|NOPTR, $16

DATA div100<>+0(SB)/8, $0x147b147b147b147b
DATA div100<>+8(SB)/8, $0x147b147b147b147b
GLOBL div100<>(SB), RODATA|NOPTR, $16

DATA div10<>+0(SB)/8, $0x199a199a199a199a
DATA div10<>+8(SB)/8, $0x199a199a199a199a
GLOBL div10<>(SB), RODATA|NOPTR, $16

DATA words100<>+0(SB)/8, $0x0064006400640064
DATA words100<>+8(SB)/8, $0x0064006400640064
GLOBL words100<>(SB), RODATA|NOPTR, $16

DATA words10<>+0(SB)/8, $0x000a000a000a000a
DATA words10<>+8(SB)/8, $0x000a000a000a000a
GLOBL words10<>(SB), RODATA|NOPTR, $16

// The string kernels' frame (ff1DigitsIn and the others, see
// kernel_amd64.go): j+0, c+8, src+16, dst+24, a+32, b+40, decrypt+48,
// ra+56, rb+64, ok+72.

// DIGITS_PARSE(BAD) reads the n (8..16) ASCII digits at src under the codec
// c (digitCodec) into R8 = NUM of the first half and R9 = NUM of the
// second, or jumps to BAD when a byte is not a digit. Two 8-byte loads,
// x[:8] and x[n−8:], cover the input without reading past it; all 16 bytes
// are checked; the codec's shuffle places each half's digits, most
// significant first, at the right of an 8-byte lane (zeros on the left);
// three multiply-adds fold each lane into its number. Clobbers AX, CX, DX,
// X0, X11, X12.
#define DIGITS_PARSE(BAD) \
	MOVQ       c+8(FP), CX; \
	MOVQ       src+16(FP), AX; \
	MOVQ       0(CX), DX; \
	MOVQ       (AX), X0; \
	MOVQ       -8(AX)(DX*1), X11; \
	PUNPCKLQDQ X11, X0; \
	MOVOU      ascii0<>(SB), X12; \
	PSUBB      X12, X0; \
	MOVOU      nines<>(SB), X11; \
	PMINUB     X0, X11; \
	PCMPEQB    X0, X11; \
	PMOVMSKB   X11, AX; \
	CMPL       AX, $0xffff; \
	JNE        BAD; \
	MOVOU      8(CX), X11; \
	PSHUFB     X11, X0; \
	MOVOU      w10<>(SB), X11; \
	PMADDUBSW  X11, X0; \
	MOVOU      w100<>(SB), X11; \
	PMADDWL    X11, X0; \
	PACKSSLW   X0, X0; \
	MOVOU      w10k<>(SB), X11; \
	PMADDWL    X11, X0; \
	MOVQ       X0, R9; \
	MOVLQZX    R9, R8; \
	SHRQ       $32, R9

// DIGITS_FORMAT writes R8 and R9 (each below 10^8) as the n ASCII digits at
// dst under the codec c: each number splits into two 4-digit words in
// integer registers (⌊x·⌈2^45/10^4⌉/2^45⌋ = ⌊x/10^4⌋ for x < 2^32), the
// four words into digit pairs and the pairs into digits in 16-bit lanes,
// and the codec's shuffle builds the output's first and last eight bytes,
// written by two 8-byte stores that overlap when n < 16. Clobbers AX, BX,
// CX, DX, R8, R9, X1..X5.
#define DIGITS_FORMAT \
	MOVQ      $0xd1b71759, CX; \
	MOVQ      R8, AX; \
	IMULQ     CX, AX; \
	SHRQ      $45, AX; \
	IMUL3Q    $10000, AX, DX; \
	SUBQ      DX, R8; \
	MOVQ      R9, BX; \
	IMULQ     CX, BX; \
	SHRQ      $45, BX; \
	IMUL3Q    $10000, BX, DX; \
	SUBQ      DX, R9; \
	SHLQ      $16, R8; \
	ORQ       R8, AX; \
	SHLQ      $32, BX; \
	ORQ       BX, AX; \
	SHLQ      $48, R9; \
	ORQ       R9, AX; \
	MOVQ      AX, X1; \
	MOVOU     div100<>(SB), X3; \
	MOVO      X1, X2; \
	PMULHUW   X3, X2; \
	PSRLW     $3, X2; \
	MOVOU     words100<>(SB), X3; \
	MOVO      X2, X4; \
	PMULLW    X3, X4; \
	PSUBW     X4, X1; \
	PUNPCKLWL X1, X2; \
	MOVOU     div10<>(SB), X3; \
	MOVO      X2, X4; \
	PMULHUW   X3, X4; \
	MOVOU     words10<>(SB), X3; \
	MOVO      X4, X5; \
	PMULLW    X3, X5; \
	PSUBW     X5, X2; \
	PSLLW     $8, X2; \
	POR       X4, X2; \
	MOVOU     ascii0<>(SB), X3; \
	PADDB     X3, X2; \
	MOVQ      c+8(FP), CX; \
	MOVOU     24(CX), X3; \
	PSHUFB    X3, X2; \
	MOVQ      dst+24(FP), AX; \
	MOVQ      0(CX), DX; \
	MOVQ      X2, (AX); \
	MOVHPS    X2, -8(AX)(DX*1)

// Constants of the Base36 codec (B36_PARSE, B36_FORMAT): 'a' − '0' and 25
// (bytes; letter tests), 39 (bytes; the gap between '9' + 1 and 'a'), the
// weights 36, 1 (bytes) and 1296, 1 (words), 36^4 in the even dwords
// (PMULULQ), 1 (dwords), 1/2592 (float32), 1296, 0 (words), ⌈2^16/36⌉ =
// 1821 and 36 (words).
DATA from0toA<>+0(SB)/8, $0x3131313131313131
DATA from0toA<>+8(SB)/8, $0x3131313131313131
GLOBL from0toA<>(SB), RODATA|NOPTR, $16

DATA b36last<>+0(SB)/8, $0x1919191919191919
DATA b36last<>+8(SB)/8, $0x1919191919191919
GLOBL b36last<>(SB), RODATA|NOPTR, $16

DATA gap39<>+0(SB)/8, $0x2727272727272727
DATA gap39<>+8(SB)/8, $0x2727272727272727
GLOBL gap39<>(SB), RODATA|NOPTR, $16

DATA w36<>+0(SB)/8, $0x0124012401240124
DATA w36<>+8(SB)/8, $0x0124012401240124
GLOBL w36<>(SB), RODATA|NOPTR, $16

DATA w1296<>+0(SB)/8, $0x0001051000010510
DATA w1296<>+8(SB)/8, $0x0001051000010510
GLOBL w1296<>(SB), RODATA|NOPTR, $16

DATA pow36x4<>+0(SB)/8, $0x000000000019a100
DATA pow36x4<>+8(SB)/8, $0x000000000019a100
GLOBL pow36x4<>(SB), RODATA|NOPTR, $16

DATA onesD<>+0(SB)/8, $0x0000000100000001
DATA onesD<>+8(SB)/8, $0x0000000100000001
GLOBL onesD<>(SB), RODATA|NOPTR, $16

DATA inv2592<>+0(SB)/8, $0x39ca458839ca4588
DATA inv2592<>+8(SB)/8, $0x39ca458839ca4588
GLOBL inv2592<>(SB), RODATA|NOPTR, $16

DATA w1296lo<>+0(SB)/8, $0x0000051000000510
DATA w1296lo<>+8(SB)/8, $0x0000051000000510
GLOBL w1296lo<>(SB), RODATA|NOPTR, $16

DATA div36<>+0(SB)/8, $0x071d071d071d071d
DATA div36<>+8(SB)/8, $0x071d071d071d071d
GLOBL div36<>(SB), RODATA|NOPTR, $16

DATA words36<>+0(SB)/8, $0x0024002400240024
DATA words36<>+8(SB)/8, $0x0024002400240024
GLOBL words36<>(SB), RODATA|NOPTR, $16

// The 128-bit string kernels' frame (ff1Base36In and the others): j+0,
// c+8, src+16, dst+24, ahi+32, alo+40, bhi+48, blo+56, decrypt+64,
// rahi+72, ralo+80, rbhi+88, rblo+96, ok+104.

// B36_PARSE(BAD) reads the n (26..32) Base36 characters at src under the
// codec c (base36Codec) into R10:R8 = NUM(A) and R11:R9 = NUM(B), or jumps
// to BAD when a byte is not in the alphabet. Two 16-byte loads, x[:16] and
// x[n−16:], cover the input; every byte is tested as a digit and as a
// letter and mapped to its numeral; the codec's shuffles place each half's
// numerals, most significant first, at the right of a register (zeros on
// the left); multiply-adds fold them into two 8-character values per half,
// and one multiplication by 36^8 joins those. Clobbers AX, CX, DX, R12,
// X0..X7, X11, X12.
#define B36_PARSE(BAD) \
	MOVQ      c+8(FP), CX; \
	MOVQ      src+16(FP), AX; \
	MOVQ      0(CX), DX; \
	MOVOU     (AX), X0; \
	MOVOU     -16(AX)(DX*1), X1; \
	MOVOU     ascii0<>(SB), X12; \
	PSUBB     X12, X0; \
	PSUBB     X12, X1; \
	MOVOU     nines<>(SB), X11; \
	MOVO      X11, X2; \
	PMINUB    X0, X2; \
	PCMPEQB   X0, X2; \
	MOVO      X11, X3; \
	PMINUB    X1, X3; \
	PCMPEQB   X1, X3; \
	MOVOU     from0toA<>(SB), X12; \
	MOVO      X0, X4; \
	PSUBB     X12, X4; \
	MOVO      X1, X5; \
	PSUBB     X12, X5; \
	MOVOU     b36last<>(SB), X11; \
	MOVO      X11, X6; \
	PMINUB    X4, X6; \
	PCMPEQB   X4, X6; \
	MOVO      X11, X7; \
	PMINUB    X5, X7; \
	PCMPEQB   X5, X7; \
	POR       X6, X2; \
	POR       X7, X3; \
	PAND      X3, X2; \
	PMOVMSKB  X2, AX; \
	CMPL      AX, $0xffff; \
	JNE       BAD; \
	MOVOU     gap39<>(SB), X12; \
	PAND      X12, X6; \
	PSUBB     X6, X0; \
	PAND      X12, X7; \
	PSUBB     X7, X1; \
	MOVOU     8(CX), X11; \
	PSHUFB    X11, X0; \
	MOVOU     24(CX), X11; \
	PSHUFB    X11, X1; \
	MOVOU     w36<>(SB), X11; \
	PMADDUBSW X11, X0; \
	PMADDUBSW X11, X1; \
	MOVOU     w1296<>(SB), X11; \
	PMADDWL   X11, X0; \
	PMADDWL   X11, X1; \
	MOVOU     pow36x4<>(SB), X11; \
	MOVO      X0, X2; \
	PSRLQ     $32, X2; \
	PMULULQ   X11, X0; \
	PADDQ     X2, X0; \
	MOVO      X1, X3; \
	PSRLQ     $32, X3; \
	PMULULQ   X11, X1; \
	PADDQ     X3, X1; \
	MOVQ      $0x290d7410000, R12; \
	MOVQ      X0, AX; \
	MOVHLPS   X0, X2; \
	MOVQ      X2, R8; \
	MULQ      R12; \
	ADDQ      AX, R8; \
	ADCQ      $0, DX; \
	MOVQ      DX, R10; \
	MOVQ      X1, AX; \
	MOVHLPS   X1, X3; \
	MOVQ      X3, R9; \
	MULQ      R12; \
	ADDQ      AX, R9; \
	ADCQ      $0, DX; \
	MOVQ      DX, R11

// B36_SPLIT8(HI, LO, Q) splits HI:LO < 36^16 into Q = ⌊HI:LO / 36^8⌋ and
// LO = HI:LO mod 36^8: the quotient estimate ⌊(HI:LO ≫ 22)·⌊2^86/36^8⌋/2^64⌋
// is the quotient or one less, corrected by one conditional subtraction.
// Expects R12 = 36^8 and CX = ⌊2^86/36^8⌋. Clobbers AX, DX, HI.
#define B36_SPLIT8(HI, LO, Q) \
	MOVQ    LO, AX; \
	SHRQ    $22, HI, AX; \
	MULQ    CX; \
	MOVQ    DX, Q; \
	IMULQ   R12, DX; \
	SUBQ    DX, LO; \
	MOVQ    LO, AX; \
	SUBQ    R12, AX; \
	LEAQ    1(Q), DX; \
	CMOVQCC AX, LO; \
	CMOVQCC DX, Q

// B36_QUADS(G) replaces G < 36^8 by ⌊G/36^4⌋ + (G mod 36^4)·2^32: the
// quotient is exact as ⌊G·⌈2^64/36^4⌉/2^64⌋ for G < 2^43. Expects
// BX = ⌈2^64/36^4⌉. Clobbers AX, DX, R13.
#define B36_QUADS(G) \
	MOVQ   G, AX; \
	MULQ   BX; \
	IMUL3Q $1679616, DX, R13; \
	SUBQ   R13, G; \
	SHLQ   $32, G; \
	ORQ    DX, G

// B36_PAIRS(Q, T1, T2) replaces the four values below 36^4 in the dwords of
// Q by their digit pairs, ⌊q/1296⌋ in the low word and q mod 1296 in the
// high one. The quotient is ⌊(2q+1)·fl(1/2592)⌋ in float32, exact for
// q < 36^4 (the error stays below the distance to the next integer;
// checked for every q by TestBase36Codec). Clobbers T1, T2.
#define B36_PAIRS(Q, T1, T2) \
	MOVO      Q, T1; \
	PADDL     T1, T1; \
	MOVOU     onesD<>(SB), T2; \
	PADDL     T2, T1; \
	CVTPL2PS  T1, T1; \
	MOVOU     inv2592<>(SB), T2; \
	MULPS     T2, T1; \
	CVTTPS2PL T1, T1; \
	MOVOU     w1296lo<>(SB), T2; \
	PMADDWL   T1, T2; \
	PSUBL     T2, Q; \
	PSLLL     $16, Q; \
	POR       T1, Q

// B36_CHARS(P, T1, T2) replaces the eight digit pairs (words, below 1296)
// of P by their sixteen ASCII characters: ⌊p/36⌋ = ⌊p·1821/2^16⌋ and
// p mod 36 into bytes, then numerals above 9 moved up to the letters.
// Clobbers T1, T2.
#define B36_CHARS(P, T1, T2) \
	MOVOU   div36<>(SB), T1; \
	PMULHUW P, T1; \
	MOVOU   words36<>(SB), T2; \
	PMULLW  T1, T2; \
	PSUBW   T2, P; \
	PSLLW   $8, P; \
	POR     T1, P; \
	MOVO    P, T1; \
	MOVOU   nines<>(SB), T2; \
	PCMPGTB T2, T1; \
	MOVOU   gap39<>(SB), T2; \
	PAND    T2, T1; \
	PADDB   T1, P; \
	MOVOU   ascii0<>(SB), T2; \
	PADDB   T2, P

// B36_FORMAT writes R10:R8 = NUM(A) and R11:R9 = NUM(B) (each below 36^16)
// as the n Base36 characters at dst under the codec c: each number splits
// by 36^8 and each part by 36^4 in integer registers; the eight 4-character
// values go into two vector registers, split into pairs there and the pairs
// into characters; the codec's shuffles build the output's first and last
// sixteen bytes, written by two stores that overlap when n < 32. Clobbers
// AX, BX, CX, DX, R8..R13, X0..X5, X11.
#define B36_FORMAT \
	MOVQ       $0x290d7410000, R12; \
	MOVQ       $0x18f19241e28c, CX; \
	B36_SPLIT8(R10, R8, R13); \
	B36_SPLIT8(R11, R9, R10); \
	MOVQ       $0x9fd1cd5aa3d, BX; \
	MOVQ       R13, R11; \
	B36_QUADS(R11); \
	B36_QUADS(R8); \
	B36_QUADS(R10); \
	B36_QUADS(R9); \
	MOVQ       R11, X0; \
	MOVQ       R8, X2; \
	PUNPCKLQDQ X2, X0; \
	MOVQ       R10, X1; \
	MOVQ       R9, X3; \
	PUNPCKLQDQ X3, X1; \
	B36_PAIRS(X0, X2, X4); \
	B36_PAIRS(X1, X3, X5); \
	B36_CHARS(X0, X2, X4); \
	B36_CHARS(X1, X3, X5); \
	MOVQ       c+8(FP), CX; \
	MOVOU      40(CX), X2; \
	MOVO       X0, X4; \
	PSHUFB     X2, X4; \
	MOVOU      56(CX), X3; \
	MOVO       X1, X5; \
	PSHUFB     X3, X5; \
	POR        X5, X4; \
	MOVOU      72(CX), X2; \
	PSHUFB     X2, X0; \
	MOVOU      88(CX), X3; \
	PSHUFB     X3, X1; \
	POR        X1, X0; \
	MOVQ       dst+24(FP), AX; \
	MOVQ       0(CX), DX; \
	MOVOU      X4, (AX); \
	MOVOU      X0, -16(AX)(DX*1)


// func cpuidECX1() uint32
TEXT ·cpuidECX1(SB), NOSPLIT, $0-4
	MOVL $1, AX
	XORL CX, CX
	CPUID
	MOVL CX, ret+0(FP)
	RET

// func subWord(w uint32) uint32
//
// SubWord of FIPS 197: the S-box on each byte of w. AESENCLAST on a
// register whose four columns all equal w does ShiftRows (which then moves
// nothing), SubBytes and an XOR with the zero key.
TEXT ·subWord(SB), NOSPLIT, $0-12
	MOVL       w+0(FP), AX
	MOVL       AX, X0
	PSHUFD     $0, X0, X0
	PXOR       X1, X1
	AESENCLAST X1, X0
	MOVL       X0, AX
	MOVL       AX, ret+8(FP)
	RET

// AES_ROUNDS encrypts X0 under the round keys at SI, the first of which
// the caller has already XORed into X0; nr is at 240(SI). l10, l12 and done
// are labels, distinct for every use of the macro.
#define AES_ROUNDS(l10, l12, done) \
	AESENC     16(SI), X0; \
	AESENC     32(SI), X0; \
	AESENC     48(SI), X0; \
	AESENC     64(SI), X0; \
	AESENC     80(SI), X0; \
	AESENC     96(SI), X0; \
	AESENC     112(SI), X0; \
	AESENC     128(SI), X0; \
	AESENC     144(SI), X0; \
	CMPQ       240(SI), $10; \
	JEQ        l10; \
	AESENC     160(SI), X0; \
	AESENC     176(SI), X0; \
	CMPQ       240(SI), $12; \
	JEQ        l12; \
	AESENC     192(SI), X0; \
	AESENC     208(SI), X0; \
	AESENCLAST 224(SI), X0; \
	JMP        done; \
l12: \
	AESENCLAST 192(SI), X0; \
	JMP        done; \
l10: \
	AESENCLAST 160(SI), X0; \
done:

// CLEAR_XMM zeroes the vector registers that held key-dependent values.
#define CLEAR_XMM \
	PXOR X0, X0; \
	PXOR X1, X1; \
	PXOR X2, X2; \
	PXOR X3, X3; \
	PXOR X4, X4; \
	PXOR X5, X5; \
	PXOR X6, X6; \
	PXOR X7, X7; \
	PXOR X8, X8; \
	PXOR X9, X9; \
	PXOR X10, X10; \
	PXOR X12, X12

// FF1 modulus records in ff1Job: even rounds (radix^u) and odd rounds
// (radix^v); fields m, mu, 2m at +0, +8, +16.
#define FF1_EVEN 8
#define FF1_ODD 40

// REDUCE3(MOD) reduces BX < 3m modulo m (record MOD(DI)): BX − m and
// BX − 2m are computed side by side and the last one that does not borrow is
// kept. Clobbers AX, DX.
#define REDUCE3(MOD) \
	MOVQ    BX, DX; \
	SUBQ    MOD(DI), DX; \
	MOVQ    BX, AX; \
	CMOVQCC DX, BX; \
	SUBQ    MOD+16(DI), AX; \
	CMOVQCC AX, BX

// FF1_BLOCK(IN, K) starts a round: X0 = NUM_4(IN) at bytes 12..15 XOR K.
#define FF1_BLOCK(IN, K) \
	MOVQ   IN, X0; \
	PSHUFB X13, X0; \
	PXOR   K, X0

// FF1_Y sets BX to y = NUM(first 8 bytes of X0) (byte-reversed in X0 by
// the swapHalves shuffle in X11) and DX to ⌊y·mu/2^64⌋,
// the Barrett quotient estimate (the quotient or one less).
#define FF1_Y(MOD) \
	PSHUFB X11, X0; \
	MOVQ   X0, BX; \
	MOVQ   BX, AX; \
	MULQ   MOD+8(DI)

// One encryption round: c = (A + y) mod m, then A, B = B, c. A + y is
// added while the multiplication runs: c = A + y − q·m lies below 3m.
#define FF1_ENC(K, MOD, l10, l12, done) \
	FF1_BLOCK(R9, K); \
	AES_ROUNDS(l10, l12, done); \
	FF1_Y(MOD); \
	ADDQ  R8, BX; \
	IMULQ MOD(DI), DX; \
	SUBQ  DX, BX; \
	REDUCE3(MOD); \
	MOVQ  R9, R8; \
	MOVQ  BX, R9

// One decryption round: c = (B − y) mod m, then A, B = c, A, with
// c = B + 2m − y + q·m in (0, 3m).
#define FF1_DEC(K, MOD, l10, l12, done) \
	FF1_BLOCK(R8, K); \
	AES_ROUNDS(l10, l12, done); \
	FF1_Y(MOD); \
	MOVQ  R9, R10; \
	ADDQ  MOD+16(DI), R10; \
	SUBQ  BX, R10; \
	IMULQ MOD(DI), DX; \
	LEAQ  (R10)(DX*1), BX; \
	REDUCE3(MOD); \
	MOVQ  R8, R9; \
	MOVQ  BX, R8

// FF3-1 modulus records in ff31Job: even rounds (radix^u) and odd rounds
// (radix^v); fields m, mu (high word of ⌊2^128/m⌋), 2m and the low word of
// ⌊2^128/m⌋ at +0, +8, +16, +24.
#define FF31_EVEN 8
#define FF31_ODD 40

// FF31_QM(MOD) reads y = R13·2^64 + BX from X0 and sets CX to q·m, with q
// the low word of the Barrett quotient estimate ⌊y·⌊2^128/m⌋/2^128⌋ (the
// quotient or one less, as modulus.barrett128 computes it), so that
// y − q·m is congruent to y and below 2m. Clobbers AX, DX, R11, R13, X12.
#define FF31_QM(MOD) \
	MOVQ    X0, BX; \
	MOVHLPS X0, X12; \
	MOVQ    X12, R13; \
	MOVQ    R13, AX; \
	MULQ    MOD+24(DI); \
	MOVQ    DX, CX; \
	MOVQ    AX, R11; \
	MOVQ    BX, AX; \
	MULQ    MOD+8(DI); \
	ADDQ    AX, R11; \
	ADCQ    DX, CX; \
	MOVQ    BX, AX; \
	MULQ    MOD+24(DI); \
	ADDQ    DX, R11; \
	ADCQ    $0, CX; \
	IMULQ   MOD+8(DI), R13; \
	ADDQ    R13, CX; \
	IMULQ   MOD(DI), CX

// One FF3-1 encryption round: c = (A + y) mod m, A, B = B, c.
#define FF31_ENC(K, MOD, l10, l12, done) \
	MOVQ  R9, X0; \
	PXOR  K, X0; \
	AES_ROUNDS(l10, l12, done); \
	FF31_QM(MOD); \
	ADDQ  R8, BX; \
	SUBQ  CX, BX; \
	REDUCE3(MOD); \
	MOVQ  R9, R8; \
	MOVQ  BX, R9

// One FF3-1 decryption round: c = (B − y) mod m, A, B = c, A.
#define FF31_DEC(K, MOD, l10, l12, done) \
	MOVQ  R8, X0; \
	PXOR  K, X0; \
	AES_ROUNDS(l10, l12, done); \
	FF31_QM(MOD); \
	MOVQ  R9, R10; \
	ADDQ  MOD+16(DI), R10; \
	SUBQ  BX, R10; \
	LEAQ  (R10)(CX*1), BX; \
	REDUCE3(MOD); \
	MOVQ  R8, R9; \
	MOVQ  BX, R8

// FF1 128-bit modulus records in ff1Job128: even rounds (radix^u) and odd
// rounds (radix^v); fields m (low, high word), muW = min(⌊2^128/m⌋,
// 2^64−1), 2m and 3m (low, high word each) at +0, +8, +16, +24, +32, +40,
// +48.
#define W_EVEN 8
#define W_ODD 64

// W_BLOCK(HI, LO, K) starts a round: X0 = NUM_b(HI·2^64 + LO) in the last
// b bytes, big-endian, XOR K.
#define W_BLOCK(HI, LO, K) \
	MOVQ       HI, X0; \
	MOVQ       LO, X12; \
	PUNPCKLQDQ X12, X0; \
	PSHUFB     X11, X0; \
	PXOR       K, X0

// W_Y reads y = NUM(the 16 bytes of X0) into CX:BX and starts the lazy
// reduction (modulus.lazyWide): DX = q̂ = ⌊y_hi·muW/2^64⌋. Clobbers AX,
// X0, X12.
#define W_Y(MOD) \
	PSHUFB  X11, X0; \
	MOVQ    X0, CX; \
	MOVHLPS X0, X12; \
	MOVQ    X12, BX; \
	MOVQ    CX, AX; \
	MULQ    MOD+16(DI)

// V_BLOCK and V_Y are W_BLOCK and W_Y for FF3-1, whose block and y are
// little-endian: X0 = LO ‖ HI (NUM(REV(B)) below 2^96, so the last four
// bytes are K's, W ⊕ i), and y is X0 as it is.
#define V_BLOCK(HI, LO, K) \
	MOVQ       LO, X0; \
	MOVQ       HI, X12; \
	PUNPCKLQDQ X12, X0; \
	PXOR       K, X0

#define V_Y(MOD) \
	MOVQ    X0, BX; \
	MOVHLPS X0, X12; \
	MOVQ    X12, CX; \
	MOVQ    CX, AX; \
	MULQ    MOD+16(DI)

// W_QM(MOD) sets DX:AX to q̂·m (mod 2^128) for q̂ in DX. Clobbers R12.
#define W_QM(MOD) \
	MOVQ  DX, R12; \
	MOVQ  DX, AX; \
	MULQ  MOD(DI); \
	IMULQ MOD+8(DI), R12; \
	ADDQ  R12, DX

// W_MOD4(MOD) reduces CX:BX < 4m modulo m: minus 2m unless that borrows,
// then minus m unless that borrows. Clobbers AX, DX.
#define W_MOD4(MOD) \
	MOVQ    BX, AX; \
	MOVQ    CX, DX; \
	SUBQ    MOD+24(DI), AX; \
	SBBQ    MOD+32(DI), DX; \
	CMOVQCC AX, BX; \
	CMOVQCC DX, CX; \
	MOVQ    BX, AX; \
	MOVQ    CX, DX; \
	SUBQ    MOD(DI), AX; \
	SBBQ    MOD+8(DI), DX; \
	CMOVQCC AX, BX; \
	CMOVQCC DX, CX

// One encryption round on 128-bit halves: c = (A + y) mod m, A, B = B, c,
// with c = (y + A) − q̂·m below 4m (y + A is added while the
// multiplications run; the arithmetic is modulo 2^128, exact for c). A is
// R10:R8, B is R11:R9. BLOCK and Y are W_BLOCK and W_Y (FF1) or V_BLOCK
// and V_Y (FF3-1).
#define W_ENC(BLOCK, Y, K, MOD, l10, l12, done) \
	BLOCK(R11, R9, K); \
	AES_ROUNDS(l10, l12, done); \
	Y(MOD); \
	ADDQ  R8, BX; \
	ADCQ  R10, CX; \
	W_QM(MOD); \
	SUBQ  AX, BX; \
	SBBQ  DX, CX; \
	W_MOD4(MOD); \
	MOVQ  R9, R8; \
	MOVQ  R11, R10; \
	MOVQ  BX, R9; \
	MOVQ  CX, R11

// One decryption round on 128-bit halves: c = (B − y) mod m, computed as
// B + 3m − (y − q̂·m) in (0, 4m); A, B = c, A.
#define W_DEC(BLOCK, Y, K, MOD, l10, l12, done) \
	BLOCK(R10, R8, K); \
	AES_ROUNDS(l10, l12, done); \
	Y(MOD); \
	MOVQ  R9, R12; \
	MOVQ  R11, R13; \
	ADDQ  MOD+40(DI), R12; \
	ADCQ  MOD+48(DI), R13; \
	SUBQ  BX, R12; \
	SBBQ  CX, R13; \
	MOVQ  R12, BX; \
	MOVQ  R13, CX; \
	W_QM(MOD); \
	ADDQ  AX, BX; \
	ADCQ  DX, CX; \
	W_MOD4(MOD); \
	MOVQ  R8, R9; \
	MOVQ  R10, R11; \
	MOVQ  BX, R8; \
	MOVQ  CX, R10

// func aesChain(rk *roundKeys, state *[16]byte, n int)
//
// Encrypts state n times in a row under rk (AES-128 only), each input the
// previous output, in a register: the latency of the AES instructions
// alone, the hardware floor beneath the cipher.Block floor. The state goes
// back to memory so that successive calls form one chain. Used by
// benchmarks only.
TEXT ·aesChain(SB), NOSPLIT, $0-24
	MOVQ  rk+0(FP), SI
	MOVQ  state+8(FP), DI
	MOVQ  n+16(FP), CX
	MOVOU 0(DI), X0

chain:
	PXOR       0(SI), X0
	AESENC     16(SI), X0
	AESENC     32(SI), X0
	AESENC     48(SI), X0
	AESENC     64(SI), X0
	AESENC     80(SI), X0
	AESENC     96(SI), X0
	AESENC     112(SI), X0
	AESENC     128(SI), X0
	AESENC     144(SI), X0
	AESENCLAST 160(SI), X0
	DECQ       CX
	JNZ        chain
	MOVOU      X0, 0(DI)
	PXOR       X0, X0
	RET

// The kernels come in two forms. ff1Kernel, ff31Kernel, ff1Kernel128 and
// ff31Kernel128 run all the rounds on numbers. The string forms split a
// call in two: ...In reads the string (DIGITS_PARSE or B36_PARSE) and runs
// the first half of the rounds, ...Out runs the second half and writes the
// result (DIGITS_FORMAT or B36_FORMAT). Measured, two calls beat one
// (BENCHMARKS.md): the processor overlaps the halves of successive calls
// better, and the result can be allocated between them. Registers: DI the
// job, SI the round keys, R8 and R9 NUM(A) and NUM(B) (R10, R11 their high
// words in the 128-bit kernels), X1.. the block constants of the rounds
// run, X13 the toHigh shuffle and X11 the swapHalves shuffle where used.

// func ff1Kernel(j *ff1Job, a, b uint64, decrypt bool) (uint64, uint64)
//
// The ten FF1 rounds of SP 800-38G Algorithms 7 and 8 for radix^v ≤ 2^32,
// unrolled.
TEXT ·ff1Kernel(SB), NOSPLIT, $0-48
	MOVQ   j+0(FP), DI
	MOVQ   0(DI), SI
	MOVOU  toHigh<>(SB), X13
	MOVOU  swapHalves<>(SB), X11
	MOVQ   a+8(FP), R8
	MOVQ   b+16(FP), R9
	CMPB   decrypt+24(FP), $0
	JNE    ff1Kerneldec
	MOVOU  72(DI), X1
	MOVOU  88(DI), X2
	MOVOU  104(DI), X3
	MOVOU  120(DI), X4
	MOVOU  136(DI), X5
	MOVOU  152(DI), X6
	MOVOU  168(DI), X7
	MOVOU  184(DI), X8
	MOVOU  200(DI), X9
	MOVOU  216(DI), X10
	FF1_ENC(X1, FF1_EVEN, r1a, r1b, r1c)
	FF1_ENC(X2, FF1_ODD, r2a, r2b, r2c)
	FF1_ENC(X3, FF1_EVEN, r3a, r3b, r3c)
	FF1_ENC(X4, FF1_ODD, r4a, r4b, r4c)
	FF1_ENC(X5, FF1_EVEN, r5a, r5b, r5c)
	FF1_ENC(X6, FF1_ODD, r6a, r6b, r6c)
	FF1_ENC(X7, FF1_EVEN, r7a, r7b, r7c)
	FF1_ENC(X8, FF1_ODD, r8a, r8b, r8c)
	FF1_ENC(X9, FF1_EVEN, r9a, r9b, r9c)
	FF1_ENC(X10, FF1_ODD, r10a, r10b, r10c)
	JMP    ff1Kernelout

ff1Kerneldec:
	MOVOU  216(DI), X1
	MOVOU  200(DI), X2
	MOVOU  184(DI), X3
	MOVOU  168(DI), X4
	MOVOU  152(DI), X5
	MOVOU  136(DI), X6
	MOVOU  120(DI), X7
	MOVOU  104(DI), X8
	MOVOU  88(DI), X9
	MOVOU  72(DI), X10
	FF1_DEC(X1, FF1_ODD, r11a, r11b, r11c)
	FF1_DEC(X2, FF1_EVEN, r12a, r12b, r12c)
	FF1_DEC(X3, FF1_ODD, r13a, r13b, r13c)
	FF1_DEC(X4, FF1_EVEN, r14a, r14b, r14c)
	FF1_DEC(X5, FF1_ODD, r15a, r15b, r15c)
	FF1_DEC(X6, FF1_EVEN, r16a, r16b, r16c)
	FF1_DEC(X7, FF1_ODD, r17a, r17b, r17c)
	FF1_DEC(X8, FF1_EVEN, r18a, r18b, r18c)
	FF1_DEC(X9, FF1_ODD, r19a, r19b, r19c)
	FF1_DEC(X10, FF1_EVEN, r20a, r20b, r20c)

ff1Kernelout:
	MOVQ   R8, ret+32(FP)
	MOVQ   R9, ret1+40(FP)
	CLEAR_XMM
	RET

// func ff1DigitsIn(j *ff1Job, c *digitCodec, src, dst *byte, a, b uint64, decrypt bool) (ra, rb uint64, ok bool)
//
// Reads the decimal string at src (c.n digits) and runs FF1 rounds 0..4
// (encryption) or 9..5 (decryption); ok is false, and nothing runs, if src
// holds a non-digit.
TEXT ·ff1DigitsIn(SB), NOSPLIT, $0-73
	DIGITS_PARSE(ff1DigitsInbad)
	MOVQ   j+0(FP), DI
	MOVQ   0(DI), SI
	MOVOU  toHigh<>(SB), X13
	MOVOU  swapHalves<>(SB), X11
	CMPB   decrypt+48(FP), $0
	JNE    ff1DigitsIndec
	MOVOU  72(DI), X1
	MOVOU  88(DI), X2
	MOVOU  104(DI), X3
	MOVOU  120(DI), X4
	MOVOU  136(DI), X5
	FF1_ENC(X1, FF1_EVEN, r21a, r21b, r21c)
	FF1_ENC(X2, FF1_ODD, r22a, r22b, r22c)
	FF1_ENC(X3, FF1_EVEN, r23a, r23b, r23c)
	FF1_ENC(X4, FF1_ODD, r24a, r24b, r24c)
	FF1_ENC(X5, FF1_EVEN, r25a, r25b, r25c)
	JMP    ff1DigitsInout

ff1DigitsIndec:
	MOVOU  216(DI), X1
	MOVOU  200(DI), X2
	MOVOU  184(DI), X3
	MOVOU  168(DI), X4
	MOVOU  152(DI), X5
	FF1_DEC(X1, FF1_ODD, r26a, r26b, r26c)
	FF1_DEC(X2, FF1_EVEN, r27a, r27b, r27c)
	FF1_DEC(X3, FF1_ODD, r28a, r28b, r28c)
	FF1_DEC(X4, FF1_EVEN, r29a, r29b, r29c)
	FF1_DEC(X5, FF1_ODD, r30a, r30b, r30c)

ff1DigitsInout:
	MOVQ   R8, ra+56(FP)
	MOVQ   R9, rb+64(FP)
	MOVB   $1, ok+72(FP)
	CLEAR_XMM
	PXOR   X11, X11
	RET

ff1DigitsInbad:
	MOVB   $0, ok+72(FP)
	CLEAR_XMM
	PXOR   X11, X11
	RET

// func ff1DigitsOut(j *ff1Job, c *digitCodec, src, dst *byte, a, b uint64, decrypt bool) (ra, rb uint64, ok bool)
//
// Runs FF1 rounds 5..9 (encryption) or 4..0 (decryption) on a and b from
// ff1DigitsIn and writes the result, c.n digits, at dst.
TEXT ·ff1DigitsOut(SB), NOSPLIT, $0-73
	MOVQ   a+32(FP), R8
	MOVQ   b+40(FP), R9
	MOVQ   j+0(FP), DI
	MOVQ   0(DI), SI
	MOVOU  toHigh<>(SB), X13
	MOVOU  swapHalves<>(SB), X11
	CMPB   decrypt+48(FP), $0
	JNE    ff1DigitsOutdec
	MOVOU  152(DI), X1
	MOVOU  168(DI), X2
	MOVOU  184(DI), X3
	MOVOU  200(DI), X4
	MOVOU  216(DI), X5
	FF1_ENC(X1, FF1_ODD, r31a, r31b, r31c)
	FF1_ENC(X2, FF1_EVEN, r32a, r32b, r32c)
	FF1_ENC(X3, FF1_ODD, r33a, r33b, r33c)
	FF1_ENC(X4, FF1_EVEN, r34a, r34b, r34c)
	FF1_ENC(X5, FF1_ODD, r35a, r35b, r35c)
	JMP    ff1DigitsOutout

ff1DigitsOutdec:
	MOVOU  136(DI), X1
	MOVOU  120(DI), X2
	MOVOU  104(DI), X3
	MOVOU  88(DI), X4
	MOVOU  72(DI), X5
	FF1_DEC(X1, FF1_EVEN, r36a, r36b, r36c)
	FF1_DEC(X2, FF1_ODD, r37a, r37b, r37c)
	FF1_DEC(X3, FF1_EVEN, r38a, r38b, r38c)
	FF1_DEC(X4, FF1_ODD, r39a, r39b, r39c)
	FF1_DEC(X5, FF1_EVEN, r40a, r40b, r40c)

ff1DigitsOutout:
	DIGITS_FORMAT
	MOVB   $1, ok+72(FP)
	CLEAR_XMM
	PXOR   X11, X11
	RET

// func ff31Kernel(j *ff31Job, a, b uint64, decrypt bool) (uint64, uint64)
//
// The eight FF3-1 rounds of SP 800-38G Rev. 1 Algorithms 9 and 10 for
// radix^u ≤ 2^32, keyed with REVB(K), unrolled, on NUM(REV(A)) and
// NUM(REV(B)). The block REVB(W ⊕ [i]^4 ‖ [NUM(REV(B))]^12) is, read
// little-endian, NUM(REV(B)) in the low half and (W ⊕ i)·2^32 in the high
// half; y = NUM(REVB(output)) is the output read little-endian.
TEXT ·ff31Kernel(SB), NOSPLIT, $0-48
	MOVQ   j+0(FP), DI
	MOVQ   0(DI), SI
	MOVQ   a+8(FP), R8
	MOVQ   b+16(FP), R9
	CMPB   decrypt+24(FP), $0
	JNE    ff31Kerneldec
	MOVOU  72(DI), X1
	MOVOU  88(DI), X2
	MOVOU  104(DI), X3
	MOVOU  120(DI), X4
	MOVOU  136(DI), X5
	MOVOU  152(DI), X6
	MOVOU  168(DI), X7
	MOVOU  184(DI), X8
	FF31_ENC(X1, FF31_EVEN, r41a, r41b, r41c)
	FF31_ENC(X2, FF31_ODD, r42a, r42b, r42c)
	FF31_ENC(X3, FF31_EVEN, r43a, r43b, r43c)
	FF31_ENC(X4, FF31_ODD, r44a, r44b, r44c)
	FF31_ENC(X5, FF31_EVEN, r45a, r45b, r45c)
	FF31_ENC(X6, FF31_ODD, r46a, r46b, r46c)
	FF31_ENC(X7, FF31_EVEN, r47a, r47b, r47c)
	FF31_ENC(X8, FF31_ODD, r48a, r48b, r48c)
	JMP    ff31Kernelout

ff31Kerneldec:
	MOVOU  184(DI), X1
	MOVOU  168(DI), X2
	MOVOU  152(DI), X3
	MOVOU  136(DI), X4
	MOVOU  120(DI), X5
	MOVOU  104(DI), X6
	MOVOU  88(DI), X7
	MOVOU  72(DI), X8
	FF31_DEC(X1, FF31_ODD, r49a, r49b, r49c)
	FF31_DEC(X2, FF31_EVEN, r50a, r50b, r50c)
	FF31_DEC(X3, FF31_ODD, r51a, r51b, r51c)
	FF31_DEC(X4, FF31_EVEN, r52a, r52b, r52c)
	FF31_DEC(X5, FF31_ODD, r53a, r53b, r53c)
	FF31_DEC(X6, FF31_EVEN, r54a, r54b, r54c)
	FF31_DEC(X7, FF31_ODD, r55a, r55b, r55c)
	FF31_DEC(X8, FF31_EVEN, r56a, r56b, r56c)

ff31Kernelout:
	MOVQ   R8, ret+32(FP)
	MOVQ   R9, ret1+40(FP)
	CLEAR_XMM
	RET

// func ff31DigitsIn(j *ff31Job, c *digitCodec, src, dst *byte, a, b uint64, decrypt bool) (ra, rb uint64, ok bool)
//
// ff1DigitsIn for FF3-1: rounds 0..3 or 7..4.
TEXT ·ff31DigitsIn(SB), NOSPLIT, $0-73
	DIGITS_PARSE(ff31DigitsInbad)
	MOVQ   j+0(FP), DI
	MOVQ   0(DI), SI
	CMPB   decrypt+48(FP), $0
	JNE    ff31DigitsIndec
	MOVOU  72(DI), X1
	MOVOU  88(DI), X2
	MOVOU  104(DI), X3
	MOVOU  120(DI), X4
	FF31_ENC(X1, FF31_EVEN, r57a, r57b, r57c)
	FF31_ENC(X2, FF31_ODD, r58a, r58b, r58c)
	FF31_ENC(X3, FF31_EVEN, r59a, r59b, r59c)
	FF31_ENC(X4, FF31_ODD, r60a, r60b, r60c)
	JMP    ff31DigitsInout

ff31DigitsIndec:
	MOVOU  184(DI), X1
	MOVOU  168(DI), X2
	MOVOU  152(DI), X3
	MOVOU  136(DI), X4
	FF31_DEC(X1, FF31_ODD, r61a, r61b, r61c)
	FF31_DEC(X2, FF31_EVEN, r62a, r62b, r62c)
	FF31_DEC(X3, FF31_ODD, r63a, r63b, r63c)
	FF31_DEC(X4, FF31_EVEN, r64a, r64b, r64c)

ff31DigitsInout:
	MOVQ   R8, ra+56(FP)
	MOVQ   R9, rb+64(FP)
	MOVB   $1, ok+72(FP)
	CLEAR_XMM
	PXOR   X11, X11
	RET

ff31DigitsInbad:
	MOVB   $0, ok+72(FP)
	CLEAR_XMM
	PXOR   X11, X11
	RET

// func ff31DigitsOut(j *ff31Job, c *digitCodec, src, dst *byte, a, b uint64, decrypt bool) (ra, rb uint64, ok bool)
//
// ff1DigitsOut for FF3-1: rounds 4..7 or 3..0.
TEXT ·ff31DigitsOut(SB), NOSPLIT, $0-73
	MOVQ   a+32(FP), R8
	MOVQ   b+40(FP), R9
	MOVQ   j+0(FP), DI
	MOVQ   0(DI), SI
	CMPB   decrypt+48(FP), $0
	JNE    ff31DigitsOutdec
	MOVOU  136(DI), X1
	MOVOU  152(DI), X2
	MOVOU  168(DI), X3
	MOVOU  184(DI), X4
	FF31_ENC(X1, FF31_EVEN, r65a, r65b, r65c)
	FF31_ENC(X2, FF31_ODD, r66a, r66b, r66c)
	FF31_ENC(X3, FF31_EVEN, r67a, r67b, r67c)
	FF31_ENC(X4, FF31_ODD, r68a, r68b, r68c)
	JMP    ff31DigitsOutout

ff31DigitsOutdec:
	MOVOU  120(DI), X1
	MOVOU  104(DI), X2
	MOVOU  88(DI), X3
	MOVOU  72(DI), X4
	FF31_DEC(X1, FF31_ODD, r69a, r69b, r69c)
	FF31_DEC(X2, FF31_EVEN, r70a, r70b, r70c)
	FF31_DEC(X3, FF31_ODD, r71a, r71b, r71c)
	FF31_DEC(X4, FF31_EVEN, r72a, r72b, r72c)

ff31DigitsOutout:
	DIGITS_FORMAT
	MOVB   $1, ok+72(FP)
	CLEAR_XMM
	PXOR   X11, X11
	RET

// func ff1Kernel128(j *ff1Job128, ahi, alo, bhi, blo uint64, decrypt bool) (uint64, uint64, uint64, uint64)
//
// The ten FF1 rounds for 2^64 ≤ radix^u ≤ radix^v ≤ 2^96 and d = 16,
// unrolled: NUM(A) and NUM(B) in two words each, the lazy reduction of
// modulus.feistel128. Returns NUM(A) and NUM(B), high word first.
TEXT ·ff1Kernel128(SB), NOSPLIT, $0-80
	MOVQ   j+0(FP), DI
	MOVQ   0(DI), SI
	MOVOU  swapHalves<>(SB), X11
	MOVQ   ahi+8(FP), R10
	MOVQ   alo+16(FP), R8
	MOVQ   bhi+24(FP), R11
	MOVQ   blo+32(FP), R9
	CMPB   decrypt+40(FP), $0
	JNE    ff1Kernel128dec
	MOVOU  120(DI), X1
	MOVOU  136(DI), X2
	MOVOU  152(DI), X3
	MOVOU  168(DI), X4
	MOVOU  184(DI), X5
	MOVOU  200(DI), X6
	MOVOU  216(DI), X7
	MOVOU  232(DI), X8
	MOVOU  248(DI), X9
	MOVOU  264(DI), X10
	W_ENC(W_BLOCK, W_Y, X1, W_EVEN, r73a, r73b, r73c)
	W_ENC(W_BLOCK, W_Y, X2, W_ODD, r74a, r74b, r74c)
	W_ENC(W_BLOCK, W_Y, X3, W_EVEN, r75a, r75b, r75c)
	W_ENC(W_BLOCK, W_Y, X4, W_ODD, r76a, r76b, r76c)
	W_ENC(W_BLOCK, W_Y, X5, W_EVEN, r77a, r77b, r77c)
	W_ENC(W_BLOCK, W_Y, X6, W_ODD, r78a, r78b, r78c)
	W_ENC(W_BLOCK, W_Y, X7, W_EVEN, r79a, r79b, r79c)
	W_ENC(W_BLOCK, W_Y, X8, W_ODD, r80a, r80b, r80c)
	W_ENC(W_BLOCK, W_Y, X9, W_EVEN, r81a, r81b, r81c)
	W_ENC(W_BLOCK, W_Y, X10, W_ODD, r82a, r82b, r82c)
	JMP    ff1Kernel128out

ff1Kernel128dec:
	MOVOU  264(DI), X1
	MOVOU  248(DI), X2
	MOVOU  232(DI), X3
	MOVOU  216(DI), X4
	MOVOU  200(DI), X5
	MOVOU  184(DI), X6
	MOVOU  168(DI), X7
	MOVOU  152(DI), X8
	MOVOU  136(DI), X9
	MOVOU  120(DI), X10
	W_DEC(W_BLOCK, W_Y, X1, W_ODD, r83a, r83b, r83c)
	W_DEC(W_BLOCK, W_Y, X2, W_EVEN, r84a, r84b, r84c)
	W_DEC(W_BLOCK, W_Y, X3, W_ODD, r85a, r85b, r85c)
	W_DEC(W_BLOCK, W_Y, X4, W_EVEN, r86a, r86b, r86c)
	W_DEC(W_BLOCK, W_Y, X5, W_ODD, r87a, r87b, r87c)
	W_DEC(W_BLOCK, W_Y, X6, W_EVEN, r88a, r88b, r88c)
	W_DEC(W_BLOCK, W_Y, X7, W_ODD, r89a, r89b, r89c)
	W_DEC(W_BLOCK, W_Y, X8, W_EVEN, r90a, r90b, r90c)
	W_DEC(W_BLOCK, W_Y, X9, W_ODD, r91a, r91b, r91c)
	W_DEC(W_BLOCK, W_Y, X10, W_EVEN, r92a, r92b, r92c)

ff1Kernel128out:
	MOVQ   R10, ret+48(FP)
	MOVQ   R8, ret1+56(FP)
	MOVQ   R11, ret2+64(FP)
	MOVQ   R9, ret3+72(FP)
	CLEAR_XMM
	RET

// func ff1Base36In(j *ff1Job128, c *base36Codec, src, dst *byte, ahi, alo, bhi, blo uint64, decrypt bool) (rahi, ralo, rbhi, rblo uint64, ok bool)
//
// Reads the Base36 string at src (c.n characters) and runs FF1 rounds 0..4
// or 9..5 in the 128-bit kernel; ok is false, and nothing runs, if src
// holds a character outside the alphabet.
TEXT ·ff1Base36In(SB), NOSPLIT, $0-105
	B36_PARSE(ff1Base36Inbad)
	MOVQ   j+0(FP), DI
	MOVQ   0(DI), SI
	MOVOU  swapHalves<>(SB), X11
	CMPB   decrypt+64(FP), $0
	JNE    ff1Base36Indec
	MOVOU  120(DI), X1
	MOVOU  136(DI), X2
	MOVOU  152(DI), X3
	MOVOU  168(DI), X4
	MOVOU  184(DI), X5
	W_ENC(W_BLOCK, W_Y, X1, W_EVEN, r93a, r93b, r93c)
	W_ENC(W_BLOCK, W_Y, X2, W_ODD, r94a, r94b, r94c)
	W_ENC(W_BLOCK, W_Y, X3, W_EVEN, r95a, r95b, r95c)
	W_ENC(W_BLOCK, W_Y, X4, W_ODD, r96a, r96b, r96c)
	W_ENC(W_BLOCK, W_Y, X5, W_EVEN, r97a, r97b, r97c)
	JMP    ff1Base36Inout

ff1Base36Indec:
	MOVOU  264(DI), X1
	MOVOU  248(DI), X2
	MOVOU  232(DI), X3
	MOVOU  216(DI), X4
	MOVOU  200(DI), X5
	W_DEC(W_BLOCK, W_Y, X1, W_ODD, r98a, r98b, r98c)
	W_DEC(W_BLOCK, W_Y, X2, W_EVEN, r99a, r99b, r99c)
	W_DEC(W_BLOCK, W_Y, X3, W_ODD, r100a, r100b, r100c)
	W_DEC(W_BLOCK, W_Y, X4, W_EVEN, r101a, r101b, r101c)
	W_DEC(W_BLOCK, W_Y, X5, W_ODD, r102a, r102b, r102c)

ff1Base36Inout:
	MOVQ   R10, rahi+72(FP)
	MOVQ   R8, ralo+80(FP)
	MOVQ   R11, rbhi+88(FP)
	MOVQ   R9, rblo+96(FP)
	MOVB   $1, ok+104(FP)
	CLEAR_XMM
	PXOR   X11, X11
	RET

ff1Base36Inbad:
	MOVB   $0, ok+104(FP)
	CLEAR_XMM
	PXOR   X11, X11
	RET

// func ff1Base36Out(j *ff1Job128, c *base36Codec, src, dst *byte, ahi, alo, bhi, blo uint64, decrypt bool) (rahi, ralo, rbhi, rblo uint64, ok bool)
//
// Runs FF1 rounds 5..9 or 4..0 on the numbers from ff1Base36In and writes
// the result, c.n characters, at dst.
TEXT ·ff1Base36Out(SB), NOSPLIT, $0-105
	MOVQ   ahi+32(FP), R10
	MOVQ   alo+40(FP), R8
	MOVQ   bhi+48(FP), R11
	MOVQ   blo+56(FP), R9
	MOVQ   j+0(FP), DI
	MOVQ   0(DI), SI
	MOVOU  swapHalves<>(SB), X11
	CMPB   decrypt+64(FP), $0
	JNE    ff1Base36Outdec
	MOVOU  200(DI), X1
	MOVOU  216(DI), X2
	MOVOU  232(DI), X3
	MOVOU  248(DI), X4
	MOVOU  264(DI), X5
	W_ENC(W_BLOCK, W_Y, X1, W_ODD, r103a, r103b, r103c)
	W_ENC(W_BLOCK, W_Y, X2, W_EVEN, r104a, r104b, r104c)
	W_ENC(W_BLOCK, W_Y, X3, W_ODD, r105a, r105b, r105c)
	W_ENC(W_BLOCK, W_Y, X4, W_EVEN, r106a, r106b, r106c)
	W_ENC(W_BLOCK, W_Y, X5, W_ODD, r107a, r107b, r107c)
	JMP    ff1Base36Outout

ff1Base36Outdec:
	MOVOU  184(DI), X1
	MOVOU  168(DI), X2
	MOVOU  152(DI), X3
	MOVOU  136(DI), X4
	MOVOU  120(DI), X5
	W_DEC(W_BLOCK, W_Y, X1, W_EVEN, r108a, r108b, r108c)
	W_DEC(W_BLOCK, W_Y, X2, W_ODD, r109a, r109b, r109c)
	W_DEC(W_BLOCK, W_Y, X3, W_EVEN, r110a, r110b, r110c)
	W_DEC(W_BLOCK, W_Y, X4, W_ODD, r111a, r111b, r111c)
	W_DEC(W_BLOCK, W_Y, X5, W_EVEN, r112a, r112b, r112c)

ff1Base36Outout:
	B36_FORMAT
	MOVB   $1, ok+104(FP)
	CLEAR_XMM
	PXOR   X11, X11
	RET

// func ff31Kernel128(j *ff31Job128, ahi, alo, bhi, blo uint64, decrypt bool) (uint64, uint64, uint64, uint64)
//
// The eight FF3-1 rounds for 2^64 ≤ radix^v ≤ radix^u ≤ 2^96, unrolled, on
// NUM(REV(A)) and NUM(REV(B)) in two words each, with FF3-1's
// little-endian block and y (V_BLOCK, V_Y) and the lazy reduction of
// modulus.feistel128.
TEXT ·ff31Kernel128(SB), NOSPLIT, $0-80
	MOVQ   j+0(FP), DI
	MOVQ   0(DI), SI
	MOVQ   ahi+8(FP), R10
	MOVQ   alo+16(FP), R8
	MOVQ   bhi+24(FP), R11
	MOVQ   blo+32(FP), R9
	CMPB   decrypt+40(FP), $0
	JNE    ff31Kernel128dec
	MOVOU  120(DI), X1
	MOVOU  136(DI), X2
	MOVOU  152(DI), X3
	MOVOU  168(DI), X4
	MOVOU  184(DI), X5
	MOVOU  200(DI), X6
	MOVOU  216(DI), X7
	MOVOU  232(DI), X8
	W_ENC(V_BLOCK, V_Y, X1, W_EVEN, r113a, r113b, r113c)
	W_ENC(V_BLOCK, V_Y, X2, W_ODD, r114a, r114b, r114c)
	W_ENC(V_BLOCK, V_Y, X3, W_EVEN, r115a, r115b, r115c)
	W_ENC(V_BLOCK, V_Y, X4, W_ODD, r116a, r116b, r116c)
	W_ENC(V_BLOCK, V_Y, X5, W_EVEN, r117a, r117b, r117c)
	W_ENC(V_BLOCK, V_Y, X6, W_ODD, r118a, r118b, r118c)
	W_ENC(V_BLOCK, V_Y, X7, W_EVEN, r119a, r119b, r119c)
	W_ENC(V_BLOCK, V_Y, X8, W_ODD, r120a, r120b, r120c)
	JMP    ff31Kernel128out

ff31Kernel128dec:
	MOVOU  232(DI), X1
	MOVOU  216(DI), X2
	MOVOU  200(DI), X3
	MOVOU  184(DI), X4
	MOVOU  168(DI), X5
	MOVOU  152(DI), X6
	MOVOU  136(DI), X7
	MOVOU  120(DI), X8
	W_DEC(V_BLOCK, V_Y, X1, W_ODD, r121a, r121b, r121c)
	W_DEC(V_BLOCK, V_Y, X2, W_EVEN, r122a, r122b, r122c)
	W_DEC(V_BLOCK, V_Y, X3, W_ODD, r123a, r123b, r123c)
	W_DEC(V_BLOCK, V_Y, X4, W_EVEN, r124a, r124b, r124c)
	W_DEC(V_BLOCK, V_Y, X5, W_ODD, r125a, r125b, r125c)
	W_DEC(V_BLOCK, V_Y, X6, W_EVEN, r126a, r126b, r126c)
	W_DEC(V_BLOCK, V_Y, X7, W_ODD, r127a, r127b, r127c)
	W_DEC(V_BLOCK, V_Y, X8, W_EVEN, r128a, r128b, r128c)

ff31Kernel128out:
	MOVQ   R10, ret+48(FP)
	MOVQ   R8, ret1+56(FP)
	MOVQ   R11, ret2+64(FP)
	MOVQ   R9, ret3+72(FP)
	CLEAR_XMM
	RET

// func ff31Base36In(j *ff31Job128, c *base36Codec, src, dst *byte, ahi, alo, bhi, blo uint64, decrypt bool) (rahi, ralo, rbhi, rblo uint64, ok bool)
//
// ff1Base36In for FF3-1: rounds 0..3 or 7..4.
TEXT ·ff31Base36In(SB), NOSPLIT, $0-105
	B36_PARSE(ff31Base36Inbad)
	MOVQ   j+0(FP), DI
	MOVQ   0(DI), SI
	CMPB   decrypt+64(FP), $0
	JNE    ff31Base36Indec
	MOVOU  120(DI), X1
	MOVOU  136(DI), X2
	MOVOU  152(DI), X3
	MOVOU  168(DI), X4
	W_ENC(V_BLOCK, V_Y, X1, W_EVEN, r129a, r129b, r129c)
	W_ENC(V_BLOCK, V_Y, X2, W_ODD, r130a, r130b, r130c)
	W_ENC(V_BLOCK, V_Y, X3, W_EVEN, r131a, r131b, r131c)
	W_ENC(V_BLOCK, V_Y, X4, W_ODD, r132a, r132b, r132c)
	JMP    ff31Base36Inout

ff31Base36Indec:
	MOVOU  232(DI), X1
	MOVOU  216(DI), X2
	MOVOU  200(DI), X3
	MOVOU  184(DI), X4
	W_DEC(V_BLOCK, V_Y, X1, W_ODD, r133a, r133b, r133c)
	W_DEC(V_BLOCK, V_Y, X2, W_EVEN, r134a, r134b, r134c)
	W_DEC(V_BLOCK, V_Y, X3, W_ODD, r135a, r135b, r135c)
	W_DEC(V_BLOCK, V_Y, X4, W_EVEN, r136a, r136b, r136c)

ff31Base36Inout:
	MOVQ   R10, rahi+72(FP)
	MOVQ   R8, ralo+80(FP)
	MOVQ   R11, rbhi+88(FP)
	MOVQ   R9, rblo+96(FP)
	MOVB   $1, ok+104(FP)
	CLEAR_XMM
	PXOR   X11, X11
	RET

ff31Base36Inbad:
	MOVB   $0, ok+104(FP)
	CLEAR_XMM
	PXOR   X11, X11
	RET

// func ff31Base36Out(j *ff31Job128, c *base36Codec, src, dst *byte, ahi, alo, bhi, blo uint64, decrypt bool) (rahi, ralo, rbhi, rblo uint64, ok bool)
//
// ff1Base36Out for FF3-1: rounds 4..7 or 3..0.
TEXT ·ff31Base36Out(SB), NOSPLIT, $0-105
	MOVQ   ahi+32(FP), R10
	MOVQ   alo+40(FP), R8
	MOVQ   bhi+48(FP), R11
	MOVQ   blo+56(FP), R9
	MOVQ   j+0(FP), DI
	MOVQ   0(DI), SI
	CMPB   decrypt+64(FP), $0
	JNE    ff31Base36Outdec
	MOVOU  184(DI), X1
	MOVOU  200(DI), X2
	MOVOU  216(DI), X3
	MOVOU  232(DI), X4
	W_ENC(V_BLOCK, V_Y, X1, W_EVEN, r137a, r137b, r137c)
	W_ENC(V_BLOCK, V_Y, X2, W_ODD, r138a, r138b, r138c)
	W_ENC(V_BLOCK, V_Y, X3, W_EVEN, r139a, r139b, r139c)
	W_ENC(V_BLOCK, V_Y, X4, W_ODD, r140a, r140b, r140c)
	JMP    ff31Base36Outout

ff31Base36Outdec:
	MOVOU  168(DI), X1
	MOVOU  152(DI), X2
	MOVOU  136(DI), X3
	MOVOU  120(DI), X4
	W_DEC(V_BLOCK, V_Y, X1, W_ODD, r141a, r141b, r141c)
	W_DEC(V_BLOCK, V_Y, X2, W_EVEN, r142a, r142b, r142c)
	W_DEC(V_BLOCK, V_Y, X3, W_ODD, r143a, r143b, r143c)
	W_DEC(V_BLOCK, V_Y, X4, W_EVEN, r144a, r144b, r144c)

ff31Base36Outout:
	B36_FORMAT
	MOVB   $1, ok+104(FP)
	CLEAR_XMM
	PXOR   X11, X11
	RET

// func digitsRoundTrip(j *ff1Job, c *digitCodec, src, dst *byte, a, b uint64, decrypt bool) (ra, rb uint64, ok bool)
//
// DIGITS_PARSE then DIGITS_FORMAT with no rounds in between: writes at dst
// the digits read at src (tests only).
TEXT ·digitsRoundTrip(SB), NOSPLIT, $0-73
	DIGITS_PARSE(dtbad)
	DIGITS_FORMAT
	MOVB   $1, ok+72(FP)
	CLEAR_XMM
	PXOR   X11, X11
	RET

dtbad:
	MOVB   $0, ok+72(FP)
	CLEAR_XMM
	PXOR   X11, X11
	RET

// func base36RoundTrip(j *ff1Job128, c *base36Codec, src, dst *byte, ahi, alo, bhi, blo uint64, decrypt bool) (rahi, ralo, rbhi, rblo uint64, ok bool)
//
// B36_PARSE then B36_FORMAT with no rounds in between (tests only).
TEXT ·base36RoundTrip(SB), NOSPLIT, $0-105
	B36_PARSE(btbad)
	B36_FORMAT
	MOVB   $1, ok+104(FP)
	CLEAR_XMM
	PXOR   X11, X11
	RET

btbad:
	MOVB   $0, ok+104(FP)
	CLEAR_XMM
	PXOR   X11, X11
	RET
