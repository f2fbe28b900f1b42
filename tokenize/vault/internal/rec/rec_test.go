package rec

import (
	"bytes"
	"encoding/hex"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/tokenize/vault"
)

// The expected bytes are written out by hand from the format comment.
func TestEncodingVectors(t *testing.T) {
	tests := []struct {
		name string
		rec  vault.Record
		hex  string
	}{
		{
			name: "minimal",
			rec: vault.Record{
				TokenHash:  []byte{1},
				Ciphertext: []byte("x"),
				CreatedAt:  time.UnixMicro(1).UTC(),
			},
			// version 01, flags 00, vh len 00, created 01, ct len 01 'x', meta 00
			hex: "01" + "00" + "00" + "01" + "0178" + "00",
		},
		{
			name: "full",
			rec: vault.Record{
				TokenHash:  []byte{1},
				Ciphertext: []byte("hi"),
				ValueHash:  []byte{0xAA, 0xBB},
				Convergent: true,
				CreatedAt:  time.UnixMicro(1).UTC(),
				ExpiresAt:  time.UnixMicro(300).UTC(),
				Metadata:   map[string]string{"b": "2", "a": "1"},
			},
			// flags 03; vh 02 aabb; created 01; expires 300 = ac02;
			// ct 02 6869; meta 02, 01 61 01 31, 01 62 01 32
			hex: "01" + "03" + "02aabb" + "01" + "ac02" + "026869" + "02" + "0161" + "0131" + "0162" + "0132",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := hex.DecodeString(tt.hex)
			require.NoError(t, err)
			got := Append(nil, tt.rec)
			assert.Equal(t, want, got)
			back, err := Decode(tt.rec.TokenHash, want)
			require.NoError(t, err)
			assert.True(t, Equal(Normalize(tt.rec), back), "decoded %v", back)
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name string
		hex  string
	}{
		{"empty", ""},
		{"bad version", "02" + "00" + "00" + "01" + "0178" + "00"},
		{"unknown flag", "01" + "04" + "00" + "01" + "0178" + "00"},
		{"truncated value hash", "01" + "00" + "05aa"},
		{"missing ciphertext", "01" + "00" + "00" + "01" + "00" + "00"},
		{"ciphertext past end", "01" + "00" + "00" + "01" + "0578" + "00"},
		{"overlong varint", "01" + "00" + "00" + "8100" + "0178" + "00"},
		{"trailing byte", "01" + "00" + "00" + "01" + "0178" + "00" + "00"},
		{"keys out of order", "01" + "00" + "00" + "01" + "0178" + "02" + "0162" + "0131" + "0161" + "0132"},
		{"duplicate key", "01" + "00" + "00" + "01" + "0178" + "02" + "0161" + "0131" + "0161" + "0132"},
		{"convergent without value hash", "01" + "01" + "00" + "01" + "0178" + "00"},
		{"expiry before creation", "01" + "02" + "00" + "05" + "03" + "0178" + "00"},
		{"expiry equal to creation", "01" + "02" + "00" + "05" + "05" + "0178" + "00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := hex.DecodeString(tt.hex)
			require.NoError(t, err)
			_, err = Decode([]byte{1}, b)
			assert.ErrorIs(t, err, ErrCorrupt)
		})
	}
}

func TestNormalizeRounding(t *testing.T) {
	base := time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))
	tests := []struct {
		name                string
		created, expires    time.Time
		wantCreated, wantEx time.Time
	}{
		{"exact", base.Add(7 * time.Microsecond), base.Add(9 * time.Microsecond),
			base.Add(7 * time.Microsecond), base.Add(9 * time.Microsecond)},
		{"one ns over", base.Add(7*time.Microsecond + 1), base.Add(9*time.Microsecond + 1),
			base.Add(7 * time.Microsecond), base.Add(10 * time.Microsecond)},
		{"999 ns over", base.Add(7*time.Microsecond + 999), base.Add(9*time.Microsecond + 999),
			base.Add(7 * time.Microsecond), base.Add(10 * time.Microsecond)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := Normalize(vault.Record{CreatedAt: tt.created, ExpiresAt: tt.expires, Metadata: map[string]string{}, ValueHash: []byte{}})
			assert.True(t, n.CreatedAt.Equal(tt.wantCreated), "created %v", n.CreatedAt)
			assert.True(t, n.ExpiresAt.Equal(tt.wantEx), "expires %v", n.ExpiresAt)
			assert.Equal(t, time.UTC, n.CreatedAt.Location())
			assert.Equal(t, time.UTC, n.ExpiresAt.Location())
			assert.Nil(t, n.Metadata)
			assert.Nil(t, n.ValueHash)
		})
	}
}

func TestNormalizeCopies(t *testing.T) {
	r := vault.Record{TokenHash: []byte{1}, Ciphertext: []byte{2}, ValueHash: []byte{3}, Metadata: map[string]string{"k": "v"}}
	n := Normalize(r)
	r.TokenHash[0], r.Ciphertext[0], r.ValueHash[0], r.Metadata["k"] = 9, 9, 9, "w"
	assert.Equal(t, []byte{1}, n.TokenHash)
	assert.Equal(t, []byte{2}, n.Ciphertext)
	assert.Equal(t, []byte{3}, n.ValueHash)
	assert.Equal(t, "v", n.Metadata["k"])
}

func TestChecks(t *testing.T) {
	assert.ErrorIs(t, CheckHash("TokenHash", nil), vault.ErrInvalidArgument)
	assert.ErrorIs(t, CheckHash("TokenHash", make([]byte, vault.MaxHashSize+1)), vault.ErrInvalidArgument)
	assert.NoError(t, CheckHash("TokenHash", make([]byte, vault.MaxHashSize)))
	assert.ErrorIs(t, CheckLimit(0), vault.ErrInvalidArgument)
	assert.ErrorIs(t, CheckLimit(vault.MaxBatchSize+1), vault.ErrInvalidArgument)
	assert.NoError(t, CheckLimit(1))
	assert.ErrorIs(t, CheckBatchSize(vault.MaxBatchSize+1), vault.ErrInvalidArgument)
	var be *vault.BatchError
	require.ErrorAs(t, CheckHashes([][]byte{{1}, {}}), &be)
	assert.Equal(t, 1, be.Index)
}

// FuzzDecode: arbitrary bytes never panic, and whatever decodes re-encodes to
// the same bytes (the encoding is canonical).
func FuzzDecode(f *testing.F) {
	f.Add([]byte{1, 0, 0, 1, 1, 'x', 0})
	f.Add([]byte{1, 3, 2, 0xaa, 0xbb, 1, 0xac, 2, 2, 'h', 'i', 2, 1, 'a', 1, '1', 1, 'b', 1, '2'})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Decode([]byte{7}, b)
		if err != nil {
			return
		}
		if got := Append(nil, r); !bytes.Equal(got, b) {
			t.Fatalf("re-encoding differs: %x vs %x", got, b)
		}
	})
}

// FuzzRoundTrip: every valid record survives Append and Decode unchanged
// after normalization.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte{1, 2}, []byte("ct"), []byte{3}, true, int64(1_700_000_000_123_456_789), int64(5_000), "k", "v")
	f.Add([]byte{1}, []byte("c"), []byte{}, false, int64(1), int64(0), "", "")
	f.Fuzz(func(t *testing.T, th, ct, vh []byte, conv bool, created, ttl int64, k, v string) {
		r := vault.Record{TokenHash: th, Ciphertext: ct, ValueHash: vh, Convergent: conv, CreatedAt: time.Unix(0, created)}
		if ttl > 0 {
			r.ExpiresAt = r.CreatedAt.Add(time.Duration(ttl))
		}
		if k != "" {
			r.Metadata = map[string]string{k: v}
		}
		n, err := Prepare(r)
		if err != nil {
			return
		}
		back, err := Decode(th, Append(nil, n))
		if err != nil {
			t.Fatalf("decode of a valid record: %v", err)
		}
		if !Equal(n, back) {
			t.Fatalf("round trip differs: %v vs %v", n, back)
		}
	})
}
