package fpe

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// appendCase adapts one mode's string and Append methods to a common shape.
type appendCase struct {
	name     string
	str      func(x string, tweak []byte) (string, error)
	app      func(dst []byte, x string, tweak []byte) ([]byte, error)
	inputs   []string
	tweak    []byte
	badTweak []byte
}

func appendCases(t *testing.T) []appendCase {
	t.Helper()
	ff1, err := NewFF1(testKey, []byte("default"), Digits)
	require.NoError(t, err)
	ff1b36, err := NewFF1(testKey, nil, Base36)
	require.NoError(t, err)
	ff1greek, err := NewFF1(testKey, nil, "αβγδεζηθικλμνξοπρστυφχψω")
	require.NoError(t, err)
	ff31, err := NewFF31(testKey, []byte{1, 2, 3, 4, 5, 6, 7}, Digits)
	require.NoError(t, err)
	ff31b36, err := NewFF31(testKey, make([]byte, FF31TweakSize), Base36)
	require.NoError(t, err)
	long := strings.Repeat("0123456789", 10) // the math/big path
	decimal := []string{"123456", "123456789", "4111111111111111", "9999999999999999999", long}
	b36long := strings.Repeat("z", 37) // the math/big path (36^18 < 2^96 < 36^19)
	b36 := []string{"0000", "0123456789abcdefghijklmnopqrstuv", strings.Repeat("z", 36), b36long}
	greek := []string{"αβγδεζ", "ωψχφυτσρποξνμλκιθηζεδγβα"}
	t1 := []byte("column:pan")
	t31 := []byte{7, 6, 5, 4, 3, 2, 1}
	tooLong1 := make([]byte, MaxFF1TweakSize+1)
	return []appendCase{
		{"FF1 encrypt", func(x string, _ []byte) (string, error) { return ff1.Encrypt(x) },
			func(d []byte, x string, _ []byte) ([]byte, error) { return ff1.AppendEncrypt(d, x) }, decimal, nil, nil},
		{"FF1 decrypt", func(x string, _ []byte) (string, error) { return ff1.Decrypt(x) },
			func(d []byte, x string, _ []byte) ([]byte, error) { return ff1.AppendDecrypt(d, x) }, decimal, nil, nil},
		{"FF1 encrypt with tweak", ff1.EncryptWithTweak, ff1.AppendEncryptWithTweak, decimal, t1, tooLong1},
		{"FF1 decrypt with tweak", ff1.DecryptWithTweak, ff1.AppendDecryptWithTweak, decimal, t1, tooLong1},
		{"FF1 base36 encrypt", func(x string, _ []byte) (string, error) { return ff1b36.Encrypt(x) },
			func(d []byte, x string, _ []byte) ([]byte, error) { return ff1b36.AppendEncrypt(d, x) }, b36, nil, nil},
		{"FF1 non-ASCII encrypt", func(x string, _ []byte) (string, error) { return ff1greek.Encrypt(x) },
			func(d []byte, x string, _ []byte) ([]byte, error) { return ff1greek.AppendEncrypt(d, x) }, greek, nil, nil},
		{"FF1 non-ASCII decrypt", func(x string, _ []byte) (string, error) { return ff1greek.Decrypt(x) },
			func(d []byte, x string, _ []byte) ([]byte, error) { return ff1greek.AppendDecrypt(d, x) }, greek, nil, nil},
		{"FF3-1 encrypt", func(x string, _ []byte) (string, error) { return ff31.Encrypt(x) },
			func(d []byte, x string, _ []byte) ([]byte, error) { return ff31.AppendEncrypt(d, x) }, decimal[:4], nil, nil},
		{"FF3-1 decrypt", func(x string, _ []byte) (string, error) { return ff31.Decrypt(x) },
			func(d []byte, x string, _ []byte) ([]byte, error) { return ff31.AppendDecrypt(d, x) }, decimal[:4], nil, nil},
		{"FF3-1 encrypt with tweak", ff31.EncryptWithTweak, ff31.AppendEncryptWithTweak, decimal[:4], t31, t31[:6]},
		{"FF3-1 decrypt with tweak", ff31.DecryptWithTweak, ff31.AppendDecryptWithTweak, decimal[:4], t31, t31[:6]},
		{"FF3-1 base36 encrypt", func(x string, _ []byte) (string, error) { return ff31b36.Encrypt(x) },
			func(d []byte, x string, _ []byte) ([]byte, error) { return ff31b36.AppendEncrypt(d, x) }, b36[:3], nil, nil},
	}
}

// TestAppendMatchesString checks that every Append method appends exactly
// what its string counterpart returns, after any prefix, with or without
// room in dst, and that an error leaves dst as it was.
func TestAppendMatchesString(t *testing.T) {
	for _, c := range appendCases(t) {
		t.Run(c.name, func(t *testing.T) {
			for _, x := range c.inputs {
				want, err := c.str(x, c.tweak)
				require.NoError(t, err)
				require.NotEqual(t, x, want)
				for _, dst := range [][]byte{nil, []byte("prefix:"), make([]byte, 3, 200)} {
					before := string(dst)
					got, err := c.app(dst, x, c.tweak)
					require.NoError(t, err)
					assert.Equal(t, before+want, string(got), "input %q", x)
				}
			}
			// Errors: too short, a character outside the alphabet, a bad
			// tweak. dst comes back with its length and content.
			dst := append(make([]byte, 0, 64), "keep"...)
			for _, bad := range []string{"1", "12345!7890", "\xff\xfe\xfd\xfc\xfb\xfa\xf9"} {
				got, err := c.app(dst, bad, c.tweak)
				require.Error(t, err)
				assert.Equal(t, "keep", string(got))
				assert.Equal(t, "keep", string(dst[:4]))
			}
			if c.badTweak != nil {
				got, err := c.app(dst, c.inputs[0], c.badTweak)
				assert.ErrorIs(t, err, ErrInvalidTweak)
				assert.Equal(t, "keep", string(got))
			}
		})
	}
}

// TestAppendAllocations pins the Append methods of the fast path at zero
// allocations when dst has room, and the string methods at one.
func TestAppendAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	for _, c := range appendCases(t) {
		t.Run(c.name, func(t *testing.T) {
			for _, x := range c.inputs {
				if len(x) == 37 || len(x) == 100 {
					continue // the math/big path allocates
				}
				dst := make([]byte, 0, 4*len(x))
				allocs := testing.AllocsPerRun(100, func() {
					var err error
					dst, err = c.app(dst[:0], x, c.tweak)
					if err != nil {
						panic(err)
					}
				})
				assert.Zero(t, allocs, "append, %d characters", len(x))
				allocs = testing.AllocsPerRun(100, func() { _, _ = c.str(x, c.tweak) })
				assert.LessOrEqual(t, allocs, 1.0, "string, %d characters", len(x))
			}
		})
	}
}
