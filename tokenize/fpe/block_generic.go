//go:build !amd64 || purego

package fpe

import "encoding/binary"

// putBlock sets p to w0 ‖ w1, each word little-endian.
func putBlock(p *[16]byte, w0, w1 uint64) {
	binary.LittleEndian.PutUint64(p[:8], w0)
	binary.LittleEndian.PutUint64(p[8:], w1)
}
