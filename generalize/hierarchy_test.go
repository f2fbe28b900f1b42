package generalize

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseHierarchyAdult(t *testing.T) {
	hs := loadAdultHierarchies(t)
	// Heights as listed in ADULT_RESULTS.md (levels include the leaf), leaf
	// counts counted in the files (workclass lists Never-worked, which
	// adult.csv does not hold).
	want := map[string][2]int{
		"age": {5, 100}, "education": {4, 16}, "marital-status": {3, 7}, "native-country": {3, 41},
		"occupation": {3, 14}, "workclass": {3, 8}, "race": {2, 5}, "sex": {2, 2}, "salary-class": {2, 2},
	}
	for name, w := range want {
		assert.Equal(t, w[0], hs[name].Height(), name)
		assert.Equal(t, w[1], hs[name].Leaves(), name)
		assert.Equal(t, "*", hs[name].Root(), name)
	}
	edu := hs["education"]
	for level, label := range []string{"Masters", "Graduate", "Higher education", "*"} {
		got, err := edu.Generalize("Masters", level)
		require.NoError(t, err)
		assert.Equal(t, label, got)
	}
	under, err := edu.LeavesUnder("Higher education")
	require.NoError(t, err)
	assert.Equal(t, 7, under) // Bachelors, Some-college, Prof-school, Assoc-acdm, Assoc-voc, Masters, Doctorate
	lvl, err := edu.Level("Primary School")
	require.NoError(t, err)
	assert.Equal(t, 1, lvl)
	age := hs["age"]
	for level, label := range []string{"37", "35-39", "30-39", "20-39", "*"} {
		got, err := age.Generalize("37", level)
		require.NoError(t, err)
		assert.Equal(t, label, got)
	}
	_, err = edu.Generalize("Kindergarten", 1)
	assert.ErrorIs(t, err, ErrNotInHierarchy)
	assert.NotContains(t, err.Error(), "Kindergarten")
	_, err = edu.Generalize("Graduate", 1) // an inner node is not a leaf
	assert.ErrorIs(t, err, ErrNotInHierarchy)
	_, err = edu.Generalize("Masters", 4)
	assert.ErrorIs(t, err, ErrOutOfRange)
	_, err = edu.Generalize("Masters", -1)
	assert.ErrorIs(t, err, ErrOutOfRange)
	_, err = edu.LeavesUnder("nope")
	assert.ErrorIs(t, err, ErrNotInHierarchy)
}

// Every subtree must cover a contiguous range of leaf codes, and every leaf
// an ancestor at every level that contains it.
func TestHierarchyLeafOrder(t *testing.T) {
	for name, h := range loadAdultHierarchies(t) {
		for leaf, code := range h.leaves {
			for level := 0; level < h.height; level++ {
				n := h.nodes[h.anc[level][code]]
				assert.True(t, n.lo <= code && code < n.hi, "%s %s level %d", name, leaf, level)
				assert.Equal(t, level, n.level)
				want, err := h.Generalize(leaf, level)
				require.NoError(t, err)
				assert.Equal(t, want, n.label)
			}
		}
		for id, n := range h.nodes {
			if n.parent >= 0 {
				p := h.nodes[n.parent]
				assert.True(t, p.lo <= n.lo && n.hi <= p.hi, "%s node %d", name, id)
			}
			// The lowest node over a node's range is that node, or a
			// descendant with the same range (a chain of single children).
			l := h.nodes[h.lca(n.lo, n.hi-1)]
			assert.Equal(t, [2]uint32{n.lo, n.hi}, [2]uint32{l.lo, l.hi}, "%s node %d", name, id)
			assert.LessOrEqual(t, l.level, n.level)
		}
	}
}

func TestHierarchyErrors(t *testing.T) {
	tests := []struct {
		name string
		csv  string
		line int
	}{
		{"empty", "", 0},
		{"single column", "a\nb\n", 1},
		{"ragged", "a;x;*\nb;*\n", 2},
		{"two roots", "a;x;*\nb;y;ALL\n", 2},
		{"two parents", "a;x;*\nb;x;*\nc;y;*\nd;x;+\n", 4},
		{"node with two parents", "a;x;p;*\nb;x;q;*\n", 2},
		{"duplicate leaf", "a;x;*\na;x;*\n", 2},
		{"empty label", "a;;*\n", 1},
		{"bad quote", "a;\"x;*\n", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseHierarchy(strings.NewReader(tc.csv))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidHierarchy)
			var pe *ParseError
			require.True(t, errors.As(err, &pe))
			assert.Equal(t, tc.line, pe.Line)
			assert.True(t, strings.HasPrefix(err.Error(), "generalize: "))
		})
	}
	_, err := NewHierarchy([][]string{{"a", "*"}, {"b", "x", "*"}})
	assert.ErrorIs(t, err, ErrInvalidHierarchy)
	_, err = NewHierarchy(nil)
	assert.ErrorIs(t, err, ErrInvalidHierarchy)
}

func TestHierarchyInCode(t *testing.T) {
	h, err := NewHierarchy([][]string{
		{"cat", "mammal", "animal", "*"},
		{"trout", "fish", "animal", "*"},
		{"dog", "mammal", "animal", "*"},
		{"oak", "tree", "plant", "*"},
	})
	require.NoError(t, err)
	assert.Equal(t, 4, h.Height())
	got, err := h.Generalize("dog", 1)
	require.NoError(t, err)
	assert.Equal(t, "mammal", got)
	// Leaves of one subtree are contiguous even when listed apart.
	cat, _ := h.leaf("cat")
	dog, _ := h.leaf("dog")
	trout, _ := h.leaf("trout")
	assert.Equal(t, uint32(1), dog-cat)
	assert.Equal(t, uint32(2), trout-cat)
	// BOM and CRLF line endings are accepted.
	h2, err := ParseHierarchy(bytes.NewReader([]byte("\ufeffa;x;*\r\nb;x;*\r\n")))
	require.NoError(t, err)
	got, err = h2.Generalize("a", 1)
	require.NoError(t, err)
	assert.Equal(t, "x", got)
}

func TestHierarchyConcurrent(t *testing.T) {
	h := loadAdultHierarchies(t)["native-country"]
	data, err := os.ReadFile(filepath.Join("testdata", "adult-hierarchies", "adult_hierarchy_native-country.csv"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var wg sync.WaitGroup
	bad := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				for _, line := range lines {
					f := strings.Split(line, ";")
					for level := range f {
						if got, err := h.Generalize(f[0], level); err != nil || got != f[level] {
							bad <- f[0]
							return
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	close(bad)
	assert.Empty(t, bad)
}

func FuzzParseHierarchy(f *testing.F) {
	f.Add("a;x;*\nb;x;*\nc;y;*\n")
	f.Add("Bachelors;Undergraduate;Higher education;*\nMasters;Graduate;Higher education;*\n")
	f.Add("a;*\n")
	f.Add("a;x;*\nb;*\n")
	f.Add("\"a;b\";x;*\nc;x;*")
	f.Add("a;x;*\na;y;*\n")
	f.Fuzz(func(t *testing.T, in string) {
		h, err := ParseHierarchy(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrInvalidHierarchy) {
				t.Fatalf("error does not wrap ErrInvalidHierarchy: %v", err)
			}
			return
		}
		// Every leaf generalizes to the root at the top, and to itself at 0.
		for leaf := range h.leaves {
			top, err := h.Generalize(leaf, h.Height()-1)
			if err != nil || top != h.Root() {
				t.Fatalf("leaf does not reach the root: %v", err)
			}
			self, err := h.Generalize(leaf, 0)
			if err != nil || self != leaf {
				t.Fatalf("level 0 is not the leaf: %v", err)
			}
			for level := 0; level < h.Height(); level++ {
				lbl, err := h.Generalize(leaf, level)
				if err != nil {
					t.Fatal(err)
				}
				if n, err := h.LeavesUnder(lbl); err != nil || n < 1 || n > h.Leaves() {
					t.Fatalf("node covers %d leaves: %v", n, err)
				}
			}
		}
	})
}

func FuzzParseBuckets(f *testing.F) {
	f.Add("[,18) minor; [18,65) adult; [65,) senior")
	f.Add("[0,26) Low; [26,76) Medium; [76,101) High")
	f.Add("[0,1) a; [1,2)")
	f.Add("[-1e308,1e308) all")
	f.Add("[5,4) x")
	f.Fuzz(func(t *testing.T, spec string) {
		b, err := ParseBuckets(spec)
		if err != nil {
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("error does not wrap ErrInvalidConfig: %v", err)
			}
			return
		}
		for i := range b.labels {
			for _, x := range []float64{b.mins[i], (b.mins[i] + b.maxs[i]) / 2} {
				if math.IsNaN(x) || x < b.mins[i] || x >= b.maxs[i] {
					continue // infinite or overflowing midpoint
				}
				got, err := b.Bucket(x)
				if err != nil || got != b.labels[i] {
					t.Fatalf("value in range %d gets %q, %v", i, got, err)
				}
			}
			if got, err := b.Bucket(b.maxs[i]); err == nil && got == b.labels[i] && i == len(b.labels)-1 {
				t.Fatalf("upper bound is inside its half-open range")
			}
		}
	})
}
