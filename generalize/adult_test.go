package generalize

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var adultQIs = []string{"sex", "age", "race", "marital-status", "education", "native-country", "workclass", "occupation"}

// loadAdult reads testdata/adult.csv: header and rows.
func loadAdult(tb testing.TB) ([]string, [][]string) {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", "adult.csv"))
	require.NoError(tb, err)
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = ';'
	recs, err := r.ReadAll()
	require.NoError(tb, err)
	require.Len(tb, recs, 30163)
	return recs[0], recs[1:]
}

func loadAdultHierarchies(tb testing.TB) map[string]*Hierarchy {
	tb.Helper()
	hs := map[string]*Hierarchy{}
	for _, name := range append(adultQIs, "salary-class") {
		f, err := os.Open(filepath.Join("testdata", "adult-hierarchies", "adult_hierarchy_"+name+".csv"))
		require.NoError(tb, err)
		h, err := ParseHierarchy(f)
		f.Close()
		require.NoError(tb, err, name)
		hs[name] = h
	}
	return hs
}

// adultColumns describes adult.csv; with numericAge the age is a numeric
// quasi-identifier (classic Mondrian), otherwise it uses its hierarchy.
func adultColumns(header []string, numericAge bool) []Column {
	cols := make([]Column, len(header))
	for i, name := range header {
		switch {
		case name == "salary-class":
			cols[i] = Column{Name: name, Role: Sensitive, Kind: Categorical}
		case name == "age" && numericAge:
			cols[i] = Column{Name: name, Role: QuasiIdentifier, Kind: Numeric}
		default:
			cols[i] = Column{Name: name, Role: QuasiIdentifier, Kind: Categorical, Hierarchy: name}
		}
	}
	return cols
}

func seqRows(rows [][]string) func(func([]string, error) bool) {
	return func(yield func([]string, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}
}

func TestAdultMondrian(t *testing.T) {
	header, rows := loadAdult(t)
	hs := loadAdultHierarchies(t)
	for _, numericAge := range []bool{true, false} {
		for _, k := range []int{2, 5, 10, 20, 50, 100} {
			name := fmt.Sprintf("age=hierarchy/k=%d", k)
			if numericAge {
				name = fmt.Sprintf("age=numeric/k=%d", k)
			}
			t.Run(name, func(t *testing.T) {
				cols := adultColumns(header, numericAge)
				a, err := NewAnonymizer(Config{Columns: cols, K: k, Hierarchies: hs})
				require.NoError(t, err)
				out, plan, err := a.Anonymize(rows)
				require.NoError(t, err)
				require.Len(t, out, len(rows))
				ch, err := NewChecker(CheckConfig{Columns: plan.Columns(), K: k, Hierarchies: hs})
				require.NoError(t, err)
				rep, err := ch.Check(seqRows(out))
				require.NoError(t, err)
				assert.GreaterOrEqual(t, rep.K, k)
				assert.Equal(t, len(rows), rep.Records)
				assert.Equal(t, plan.Classes(), len(rep.Classes))
				t.Logf("k=%d classes=%d NCP=%.4f DM=%.0f CAVG=%.3f", k, len(rep.Classes), rep.Utility.NCP, rep.Utility.Discernibility, rep.Utility.NormalizedAvgClassSize)
			})
		}
	}
}
