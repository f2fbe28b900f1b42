package fpe

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPutBlock checks putBlock (assembly on amd64) against encoding/binary.
func TestPutBlock(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	words := [][2]uint64{{0, 0}, {^uint64(0), 0}, {0, ^uint64(0)}, {0x0102030405060708, 0x090a0b0c0d0e0f10}}
	for range 1000 {
		words = append(words, [2]uint64{rng.Uint64(), rng.Uint64()})
	}
	for _, w := range words {
		var want [16]byte
		binary.LittleEndian.PutUint64(want[:8], w[0])
		binary.LittleEndian.PutUint64(want[8:], w[1])
		got := [16]byte{0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA}
		putBlock(&got, w[0], w[1])
		assert.Equal(t, want, got, "%#x", w)
	}
	// Unaligned destination inside a larger buffer: neighbours untouched.
	buf := make([]byte, 40)
	for off := range 24 {
		clear(buf)
		putBlock((*[16]byte)(buf[off:off+16]), 0x1122334455667788, 0x99aabbccddeeff00)
		for i, c := range buf {
			if i < off || i >= off+16 {
				assert.Zero(t, c, "offset %d byte %d", off, i)
			}
		}
		assert.Equal(t, uint64(0x1122334455667788), binary.LittleEndian.Uint64(buf[off:]))
		assert.Equal(t, uint64(0x99aabbccddeeff00), binary.LittleEndian.Uint64(buf[off+8:]))
	}
}
