package generalize

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
)

// Hierarchy limits.
const (
	maxHierarchyLeaves = 1 << 24
	maxHierarchyHeight = 64
)

// Hierarchy is a generalization taxonomy: every leaf value has a parent,
// that parent a parent, and so on up to a single root (usually "*"). Level 0
// is the leaf itself and level Height()-1 the root.
//
// A Hierarchy is immutable and safe for concurrent use; Generalize does not
// allocate. Leaves are numbered in depth-first order so that every subtree
// covers a contiguous range of leaves, which Mondrian relies on.
type Hierarchy struct {
	height  int
	leaves  map[string]uint32 // leaf label -> leaf code
	nodes   []hnode
	anc     [][]int32 // anc[level][leaf code] = node index
	byLabel map[string]int32
	root    int32
}

type hnode struct {
	label  string
	level  int
	lo, hi uint32 // leaf codes [lo, hi)
	parent int32
}

// NewHierarchy builds a hierarchy from paths, one per leaf, each listing the
// leaf then its ancestors up to the root: {"Bachelors", "Undergraduate",
// "Higher education", "*"}. All paths must have the same length (at least
// two), end in the same root, give every node a single parent, and name each
// leaf once. Errors wrap ErrInvalidHierarchy.
func NewHierarchy(paths [][]string) (*Hierarchy, error) {
	h, err := buildHierarchy(paths)
	if err != nil {
		return nil, err.toError()
	}
	return h, nil
}

type buildError struct {
	row    int // 0-based path index, -1 when global
	field  int // 0-based, -1 when none
	reason string
}

func (b *buildError) toError() error {
	e := &ParseError{Source: "hierarchy", Err: errorf(ErrInvalidHierarchy, "%s", b.reason)}
	if b.row >= 0 {
		e.Line = b.row + 1
	}
	if b.field >= 0 {
		e.Field = b.field + 1
	}
	return e
}

func buildHierarchy(paths [][]string) (*Hierarchy, *buildError) {
	if len(paths) == 0 {
		return nil, &buildError{-1, -1, "no leaves"}
	}
	if len(paths) > maxHierarchyLeaves {
		return nil, &buildError{-1, -1, "too many leaves"}
	}
	height := len(paths[0])
	if height < 2 || height > maxHierarchyHeight {
		return nil, &buildError{0, -1, "a path needs a leaf and a root (2 to 64 levels)"}
	}
	type key struct {
		level int
		label string
	}
	type tnode struct {
		label    string
		level    int
		parent   int32
		children []int32
	}
	tnodes := []tnode{{label: paths[0][height-1], level: height - 1, parent: -1}}
	index := map[key]int32{{height - 1, paths[0][height-1]}: 0}
	for r, p := range paths {
		if len(p) != height {
			return nil, &buildError{r, -1, "paths of different lengths"}
		}
		for f, label := range p {
			if label == "" {
				return nil, &buildError{r, f, "empty label"}
			}
		}
		if p[height-1] != tnodes[0].label {
			return nil, &buildError{r, height - 1, "more than one root"}
		}
		parent := int32(0)
		for level := height - 2; level >= 0; level-- {
			k := key{level, p[level]}
			id, ok := index[k]
			if !ok {
				id = int32(len(tnodes))
				tnodes = append(tnodes, tnode{label: p[level], level: level, parent: parent})
				tnodes[parent].children = append(tnodes[parent].children, id)
				index[k] = id
			} else {
				if level == 0 {
					return nil, &buildError{r, 0, "leaf listed twice"}
				}
				if tnodes[id].parent != parent {
					return nil, &buildError{r, level, "node with two parents"}
				}
			}
			parent = id
		}
	}
	h := &Hierarchy{
		height:  height,
		leaves:  make(map[string]uint32, len(paths)),
		nodes:   make([]hnode, len(tnodes)),
		anc:     make([][]int32, height),
		byLabel: make(map[string]int32, len(tnodes)),
	}
	for l := range h.anc {
		h.anc[l] = make([]int32, len(paths))
	}
	// Depth-first numbering of leaves, iteratively.
	next := uint32(0)
	type frame struct {
		id    int32
		child int
	}
	stack := []frame{{0, 0}}
	h.nodes[0] = hnode{label: tnodes[0].label, level: height - 1, parent: -1}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		tn := &tnodes[top.id]
		if top.child == 0 {
			h.nodes[top.id] = hnode{label: tn.label, level: tn.level, parent: tn.parent, lo: next}
			if tn.level == 0 {
				h.leaves[tn.label] = next
				next++
			}
		}
		if top.child < len(tn.children) {
			c := tn.children[top.child]
			top.child++
			stack = append(stack, frame{c, 0})
			continue
		}
		h.nodes[top.id].hi = next
		stack = stack[:len(stack)-1]
	}
	for id := range h.nodes {
		n := h.nodes[id]
		for c := n.lo; c < n.hi; c++ {
			h.anc[n.level][c] = int32(id)
		}
		if prev, ok := h.byLabel[n.label]; !ok || h.nodes[prev].level > n.level {
			h.byLabel[n.label] = int32(id)
		}
	}
	return h, nil
}

// ParseHierarchy reads a hierarchy in the CSV format of ARX: one line per
// leaf, fields separated by ';', the leaf first and the root last, as in
//
//	Bachelors;Undergraduate;Higher education;*
//
// Fields are taken verbatim (no trimming); a leading UTF-8 byte order mark is
// ignored. Errors are *ParseError wrapping ErrInvalidHierarchy, with the line.
func ParseHierarchy(r io.Reader) (*Hierarchy, error) {
	cr := csv.NewReader(r)
	cr.Comma = ';'
	cr.FieldsPerRecord = 0
	var paths [][]string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			line := len(paths) + 1
			if errors.As(err, &pe) {
				line = pe.Line
			}
			reason := "malformed CSV"
			if errors.Is(err, csv.ErrFieldCount) {
				reason = "paths of different lengths"
			}
			return nil, &ParseError{Source: "hierarchy", Line: line, Err: errorf(ErrInvalidHierarchy, "%s", reason)}
		}
		if len(paths) == 0 && len(rec) > 0 {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
		}
		if len(paths) >= maxHierarchyLeaves {
			return nil, &ParseError{Source: "hierarchy", Err: errorf(ErrInvalidHierarchy, "too many leaves")}
		}
		paths = append(paths, rec)
	}
	h, berr := buildHierarchy(paths)
	if berr != nil {
		return nil, berr.toError()
	}
	return h, nil
}

// Height returns the number of levels, the leaf level and the root included.
func (h *Hierarchy) Height() int { return h.height }

// Leaves returns the number of leaf values.
func (h *Hierarchy) Leaves() int { return len(h.leaves) }

// Root returns the root's label.
func (h *Hierarchy) Root() string { return h.nodes[h.root].label }

// Generalize returns the ancestor of the leaf value at level (0 is the value
// itself, Height()-1 the root). A value that is not a leaf is
// ErrNotInHierarchy; a level outside [0, Height()) is ErrOutOfRange.
func (h *Hierarchy) Generalize(value string, level int) (string, error) {
	if level < 0 || level >= h.height {
		return "", errorf(ErrOutOfRange, "hierarchy level %d outside 0..%d", level, h.height-1)
	}
	c, ok := h.leaves[value]
	if !ok {
		return "", ErrNotInHierarchy
	}
	return h.nodes[h.anc[level][c]].label, nil
}

// Level returns the level of the node labelled label, which may be a leaf or
// a generalized value. When a label names nodes on several levels the lowest
// is returned.
func (h *Hierarchy) Level(label string) (int, error) {
	id, ok := h.byLabel[label]
	if !ok {
		return 0, ErrNotInHierarchy
	}
	return h.nodes[id].level, nil
}

// LeavesUnder returns how many leaves the node labelled label covers (1 for a
// leaf, Leaves() for the root).
func (h *Hierarchy) LeavesUnder(label string) (int, error) {
	id, ok := h.byLabel[label]
	if !ok {
		return 0, ErrNotInHierarchy
	}
	return int(h.nodes[id].hi - h.nodes[id].lo), nil
}

// leaf returns the leaf code of value.
func (h *Hierarchy) leaf(value string) (uint32, bool) {
	c, ok := h.leaves[value]
	return c, ok
}

// lca returns the lowest node covering leaf codes lo..hi (inclusive).
func (h *Hierarchy) lca(lo, hi uint32) int32 {
	for level := 0; level < h.height; level++ {
		id := h.anc[level][lo]
		if h.nodes[id].hi > hi {
			return id
		}
	}
	return h.root
}
