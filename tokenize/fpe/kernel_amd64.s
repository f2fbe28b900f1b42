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

// The kernels' frame, shared by ff1Rounds and ff31Rounds (see
// kernel_amd64.go): j+0, a+8, b+16, decrypt+24, c+32, dst+40, src+48,
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
	MOVQ       c+32(FP), CX; \
	MOVQ       src+48(FP), AX; \
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
	MOVQ      c+32(FP), CX; \
	MOVOU     24(CX), X3; \
	PSHUFB    X3, X2; \
	MOVQ      dst+40(FP), AX; \
	MOVQ      0(CX), DX; \
	MOVQ      X2, (AX); \
	MOVHPS    X2, -8(AX)(DX*1)

// KERNEL_IN(NUMS, GO, BAD) sets R8 and R9 from the decimal string when the
// codec c is set (jumping to BAD if it is not all digits), else from a and b.
#define KERNEL_IN(NUMS, GO, BAD) \
	CMPQ c+32(FP), $0; \
	JEQ  NUMS; \
	DIGITS_PARSE(BAD); \
	JMP  GO; \
NUMS: \
	MOVQ a+8(FP), R8; \
	MOVQ b+16(FP), R9; \
GO:

// KERNEL_OUT(DONE, BAD) returns R8 and R9, writing them as a decimal string
// first when the codec is set; BAD is where DIGITS_PARSE failed.
#define KERNEL_OUT(DONE, BAD) \
	MOVQ  R8, ra+56(FP); \
	MOVQ  R9, rb+64(FP); \
	MOVB  $1, ok+72(FP); \
	CMPQ  c+32(FP), $0; \
	JEQ   DONE; \
	DIGITS_FORMAT; \
	JMP   DONE; \
BAD: \
	MOVB  $0, ok+72(FP); \
DONE: \
	CLEAR_XMM; \
	PXOR X11, X11; \
	RET


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

// ff1Rounds128's frame: j+0, ahi+8, alo+16, bhi+24, blo+32, decrypt+40,
// c+48, dst+56, src+64, rahi+72, ralo+80, rbhi+88, rblo+96, ok+104.

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
	MOVQ      c+48(FP), CX; \
	MOVQ      src+64(FP), AX; \
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
	MOVQ       c+48(FP), CX; \
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
	MOVQ       dst+56(FP), AX; \
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

// func ff1Rounds(j *ff1Job, a, b uint64, decrypt bool, c *digitCodec, dst, src *byte) (ra, rb uint64, ok bool)
//
// The ten FF1 rounds of SP 800-38G Algorithms 7 and 8 for radix^v ≤ 2^32,
// unrolled, on NUM(A) = a and NUM(B) = b, or, when c is set, on the
// decimal string at src, writing the result at dst (KERNEL_IN, KERNEL_OUT). Registers: DI the job, SI the round keys, R8 NUM(A), R9 NUM(B),
// X1..X10 the block constants of rounds 0..9 (ff1Job.k), X13 the toHigh
// shuffle, X11 the swapHalves shuffle.
TEXT ·ff1Rounds(SB), NOSPLIT, $0-73
	KERNEL_IN(ff1nums, ff1go, ff1bad)
	MOVQ   j+0(FP), DI
	MOVQ   0(DI), SI
	MOVOU  toHigh<>(SB), X13
	MOVOU  swapHalves<>(SB), X11
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
	CMPB   decrypt+24(FP), $0
	JNE    ff1dec

	FF1_ENC(X1, FF1_EVEN, e0a, e0b, e0c)
	FF1_ENC(X2, FF1_ODD, e1a, e1b, e1c)
	FF1_ENC(X3, FF1_EVEN, e2a, e2b, e2c)
	FF1_ENC(X4, FF1_ODD, e3a, e3b, e3c)
	FF1_ENC(X5, FF1_EVEN, e4a, e4b, e4c)
	FF1_ENC(X6, FF1_ODD, e5a, e5b, e5c)
	FF1_ENC(X7, FF1_EVEN, e6a, e6b, e6c)
	FF1_ENC(X8, FF1_ODD, e7a, e7b, e7c)
	FF1_ENC(X9, FF1_EVEN, e8a, e8b, e8c)
	FF1_ENC(X10, FF1_ODD, e9a, e9b, e9c)
	JMP ff1out

ff1dec:
	FF1_DEC(X10, FF1_ODD, d9a, d9b, d9c)
	FF1_DEC(X9, FF1_EVEN, d8a, d8b, d8c)
	FF1_DEC(X8, FF1_ODD, d7a, d7b, d7c)
	FF1_DEC(X7, FF1_EVEN, d6a, d6b, d6c)
	FF1_DEC(X6, FF1_ODD, d5a, d5b, d5c)
	FF1_DEC(X5, FF1_EVEN, d4a, d4b, d4c)
	FF1_DEC(X4, FF1_ODD, d3a, d3b, d3c)
	FF1_DEC(X3, FF1_EVEN, d2a, d2b, d2c)
	FF1_DEC(X2, FF1_ODD, d1a, d1b, d1c)
	FF1_DEC(X1, FF1_EVEN, d0a, d0b, d0c)

ff1out:
	KERNEL_OUT(ff1done, ff1bad)

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

// func ff31Rounds(j *ff31Job, a, b uint64, decrypt bool, c *digitCodec, dst, src *byte) (ra, rb uint64, ok bool)
//
// The eight FF3-1 rounds of SP 800-38G Rev. 1 Algorithms 9 and 10 for
// radix^u ≤ 2^32, keyed with REVB(K), unrolled, on numbers or, when c is
// set, on a decimal string, as ff1Rounds. The block REVB(W ⊕ [i]^4 ‖
// [NUM(REV(B))]^12) is, read little-endian, NUM(REV(B)) in the low half and
// (W ⊕ i)·2^32 in the high half; y = NUM(REVB(output)) is the output read
// little-endian. Registers as in ff1Rounds, X1..X8 the block constants
// (ff31Job.k).
TEXT ·ff31Rounds(SB), NOSPLIT, $0-73
	KERNEL_IN(ff31nums, ff31go, ff31bad)
	MOVQ   j+0(FP), DI
	MOVQ   0(DI), SI
	MOVOU  72(DI), X1
	MOVOU  88(DI), X2
	MOVOU  104(DI), X3
	MOVOU  120(DI), X4
	MOVOU  136(DI), X5
	MOVOU  152(DI), X6
	MOVOU  168(DI), X7
	MOVOU  184(DI), X8
	CMPB   decrypt+24(FP), $0
	JNE    ff31dec

	FF31_ENC(X1, FF31_EVEN, f0a, f0b, f0c)
	FF31_ENC(X2, FF31_ODD, f1a, f1b, f1c)
	FF31_ENC(X3, FF31_EVEN, f2a, f2b, f2c)
	FF31_ENC(X4, FF31_ODD, f3a, f3b, f3c)
	FF31_ENC(X5, FF31_EVEN, f4a, f4b, f4c)
	FF31_ENC(X6, FF31_ODD, f5a, f5b, f5c)
	FF31_ENC(X7, FF31_EVEN, f6a, f6b, f6c)
	FF31_ENC(X8, FF31_ODD, f7a, f7b, f7c)
	JMP ff31out

ff31dec:
	FF31_DEC(X8, FF31_ODD, g7a, g7b, g7c)
	FF31_DEC(X7, FF31_EVEN, g6a, g6b, g6c)
	FF31_DEC(X6, FF31_ODD, g5a, g5b, g5c)
	FF31_DEC(X5, FF31_EVEN, g4a, g4b, g4c)
	FF31_DEC(X4, FF31_ODD, g3a, g3b, g3c)
	FF31_DEC(X3, FF31_EVEN, g2a, g2b, g2c)
	FF31_DEC(X2, FF31_ODD, g1a, g1b, g1c)
	FF31_DEC(X1, FF31_EVEN, g0a, g0b, g0c)

ff31out:
	KERNEL_OUT(ff31done, ff31bad)

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

// func ff1Rounds128(j *ff1Job128, ahi, alo, bhi, blo uint64, decrypt bool, c *base36Codec, dst, src *byte) (rahi, ralo, rbhi, rblo uint64, ok bool)
//
// The ten FF1 rounds for 2^64 ≤ radix^u ≤ radix^v ≤ 2^96 and d = 16,
// unrolled: NUM(A) and NUM(B) in two words each, the lazy reduction of
// modulus.feistel128. Returns NUM(A) and NUM(B), high word first; or, when
// c is set, reads the Base36 string at src and writes the result at dst
// (B36_PARSE, B36_FORMAT), as ff1Rounds does for decimals.
// Registers: DI the job, SI the round keys, R10:R8 NUM(A), R11:R9 NUM(B),
// X1..X10 the block constants (ff1Job128.k), X11 the swapHalves shuffle.
TEXT ·ff1Rounds128(SB), NOSPLIT, $0-105
	CMPQ   c+48(FP), $0
	JEQ    wnums
	B36_PARSE(wbad)
	JMP    wgo

wnums:
	MOVQ   ahi+8(FP), R10
	MOVQ   alo+16(FP), R8
	MOVQ   bhi+24(FP), R11
	MOVQ   blo+32(FP), R9

wgo:
	MOVQ   j+0(FP), DI
	MOVQ   0(DI), SI
	MOVOU  swapHalves<>(SB), X11
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
	CMPB   decrypt+40(FP), $0
	JNE    wdec

	W_ENC(W_BLOCK, W_Y, X1, W_EVEN, w0a, w0b, w0c)
	W_ENC(W_BLOCK, W_Y, X2, W_ODD, w1a, w1b, w1c)
	W_ENC(W_BLOCK, W_Y, X3, W_EVEN, w2a, w2b, w2c)
	W_ENC(W_BLOCK, W_Y, X4, W_ODD, w3a, w3b, w3c)
	W_ENC(W_BLOCK, W_Y, X5, W_EVEN, w4a, w4b, w4c)
	W_ENC(W_BLOCK, W_Y, X6, W_ODD, w5a, w5b, w5c)
	W_ENC(W_BLOCK, W_Y, X7, W_EVEN, w6a, w6b, w6c)
	W_ENC(W_BLOCK, W_Y, X8, W_ODD, w7a, w7b, w7c)
	W_ENC(W_BLOCK, W_Y, X9, W_EVEN, w8a, w8b, w8c)
	W_ENC(W_BLOCK, W_Y, X10, W_ODD, w9a, w9b, w9c)
	JMP wout

wdec:
	W_DEC(W_BLOCK, W_Y, X10, W_ODD, v9a, v9b, v9c)
	W_DEC(W_BLOCK, W_Y, X9, W_EVEN, v8a, v8b, v8c)
	W_DEC(W_BLOCK, W_Y, X8, W_ODD, v7a, v7b, v7c)
	W_DEC(W_BLOCK, W_Y, X7, W_EVEN, v6a, v6b, v6c)
	W_DEC(W_BLOCK, W_Y, X6, W_ODD, v5a, v5b, v5c)
	W_DEC(W_BLOCK, W_Y, X5, W_EVEN, v4a, v4b, v4c)
	W_DEC(W_BLOCK, W_Y, X4, W_ODD, v3a, v3b, v3c)
	W_DEC(W_BLOCK, W_Y, X3, W_EVEN, v2a, v2b, v2c)
	W_DEC(W_BLOCK, W_Y, X2, W_ODD, v1a, v1b, v1c)
	W_DEC(W_BLOCK, W_Y, X1, W_EVEN, v0a, v0b, v0c)

wout:
	MOVQ R10, rahi+72(FP)
	MOVQ R8, ralo+80(FP)
	MOVQ R11, rbhi+88(FP)
	MOVQ R9, rblo+96(FP)
	MOVB $1, ok+104(FP)
	CMPQ c+48(FP), $0
	JEQ  wdone
	B36_FORMAT
	JMP  wdone

wbad:
	MOVB $0, ok+104(FP)

wdone:
	CLEAR_XMM
	PXOR X11, X11
	RET

// func ff31Rounds128(j *ff31Job128, ahi, alo, bhi, blo uint64, decrypt bool, c *base36Codec, dst, src *byte) (rahi, ralo, rbhi, rblo uint64, ok bool)
//
// The eight FF3-1 rounds for 2^64 ≤ radix^v ≤ radix^u ≤ 2^96, unrolled, on
// NUM(REV(A)) = ahi·2^64 + alo and NUM(REV(B)) = bhi·2^64 + blo, with the
// lazy reduction of modulus.feistel128, or on a Base36 string, as
// ff1Rounds128. Registers as there, X1..X8 the block constants
// (ff31Job128.k).
TEXT ·ff31Rounds128(SB), NOSPLIT, $0-105
	CMPQ   c+48(FP), $0
	JEQ    vnums
	B36_PARSE(vbad)
	JMP    vgo

vnums:
	MOVQ   ahi+8(FP), R10
	MOVQ   alo+16(FP), R8
	MOVQ   bhi+24(FP), R11
	MOVQ   blo+32(FP), R9

vgo:
	MOVQ   j+0(FP), DI
	MOVQ   0(DI), SI
	MOVOU  120(DI), X1
	MOVOU  136(DI), X2
	MOVOU  152(DI), X3
	MOVOU  168(DI), X4
	MOVOU  184(DI), X5
	MOVOU  200(DI), X6
	MOVOU  216(DI), X7
	MOVOU  232(DI), X8
	CMPB   decrypt+40(FP), $0
	JNE    vdec

	W_ENC(V_BLOCK, V_Y, X1, W_EVEN, x0a, x0b, x0c)
	W_ENC(V_BLOCK, V_Y, X2, W_ODD, x1a, x1b, x1c)
	W_ENC(V_BLOCK, V_Y, X3, W_EVEN, x2a, x2b, x2c)
	W_ENC(V_BLOCK, V_Y, X4, W_ODD, x3a, x3b, x3c)
	W_ENC(V_BLOCK, V_Y, X5, W_EVEN, x4a, x4b, x4c)
	W_ENC(V_BLOCK, V_Y, X6, W_ODD, x5a, x5b, x5c)
	W_ENC(V_BLOCK, V_Y, X7, W_EVEN, x6a, x6b, x6c)
	W_ENC(V_BLOCK, V_Y, X8, W_ODD, x7a, x7b, x7c)
	JMP vout

vdec:
	W_DEC(V_BLOCK, V_Y, X8, W_ODD, y7a, y7b, y7c)
	W_DEC(V_BLOCK, V_Y, X7, W_EVEN, y6a, y6b, y6c)
	W_DEC(V_BLOCK, V_Y, X6, W_ODD, y5a, y5b, y5c)
	W_DEC(V_BLOCK, V_Y, X5, W_EVEN, y4a, y4b, y4c)
	W_DEC(V_BLOCK, V_Y, X4, W_ODD, y3a, y3b, y3c)
	W_DEC(V_BLOCK, V_Y, X3, W_EVEN, y2a, y2b, y2c)
	W_DEC(V_BLOCK, V_Y, X2, W_ODD, y1a, y1b, y1c)
	W_DEC(V_BLOCK, V_Y, X1, W_EVEN, y0a, y0b, y0c)

vout:
	MOVQ R10, rahi+72(FP)
	MOVQ R8, ralo+80(FP)
	MOVQ R11, rbhi+88(FP)
	MOVQ R9, rblo+96(FP)
	MOVB $1, ok+104(FP)
	CMPQ c+48(FP), $0
	JEQ  vdone
	B36_FORMAT
	JMP  vdone

vbad:
	MOVB $0, ok+104(FP)

vdone:
	CLEAR_XMM
	PXOR X11, X11
	RET

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


// func digitsRoundTrip(c *digitCodec, dst, src *byte) bool
//
// DIGITS_PARSE then DIGITS_FORMAT with no rounds in between: writes at dst
// the digits read at src (tests only). Frame as the kernels', j, a, b and
// decrypt unused.
TEXT ·digitsRoundTrip(SB), NOSPLIT, $0-73
	KERNEL_IN(rtnums, rtgo, rtbad)
	KERNEL_OUT(rtdone, rtbad)

// func base36RoundTrip(j *ff1Job128, ahi, alo, bhi, blo uint64, decrypt bool, c *base36Codec, dst, src *byte) (rahi, ralo, rbhi, rblo uint64, ok bool)
//
// B36_PARSE then B36_FORMAT with no rounds in between (tests only).
TEXT ·base36RoundTrip(SB), NOSPLIT, $0-105
	B36_PARSE(b36bad)
	MOVQ R10, rahi+72(FP)
	MOVQ R8, ralo+80(FP)
	MOVQ R11, rbhi+88(FP)
	MOVQ R9, rblo+96(FP)
	MOVB $1, ok+104(FP)
	B36_FORMAT
	JMP  b36done

b36bad:
	MOVB $0, ok+104(FP)

b36done:
	CLEAR_XMM
	PXOR X11, X11
	RET
