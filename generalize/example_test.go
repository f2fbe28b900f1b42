package generalize_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/custos-dev/custos/generalize"
)

func ExampleNewFixedBuckets() {
	b, err := generalize.NewFixedBuckets(generalize.FixedBucketsConfig{Lower: 10, Upper: 90, Width: 10})
	if err != nil {
		panic(err)
	}
	for _, age := range []float64{7, 10, 37, 90, 104} {
		label, _ := b.Bucket(age)
		fmt.Print(label, " ")
	}
	fmt.Println()
	// Output: <10 10-20 30-40 90+ 90+
}

func ExampleNewBuckets() {
	b, err := generalize.NewBuckets([]generalize.Bucket{
		{Min: 0, Max: 26, Label: "Low"},
		{Min: 26, Max: 76, Label: "Medium"},
		{Min: 76, Max: 101, Label: "High"},
	})
	if err != nil {
		panic(err)
	}
	label, _ := b.Bucket(80)
	fmt.Println(label)
	_, err = b.Bucket(150)
	fmt.Println(err)
	// Output:
	// High
	// generalize: value out of range: buckets: value in no range
}

func ExampleParseBuckets() {
	b, err := generalize.ParseBuckets("[,18) minor; [18,65) adult; [65,) senior")
	if err != nil {
		panic(err)
	}
	label, _ := b.Bucket(70)
	fmt.Println(label, b.Labels())
	// Output: senior [minor adult senior]
}

func ExampleTopBottomCode() {
	v, _ := generalize.TopBottomCode(97, 0, 90)
	fmt.Println(v)
	// Output: 90
}

func ExampleRoundTo() {
	v, _ := generalize.RoundTo(48_350, 1000)
	fmt.Println(v)
	// Output: 48000
}

func ExampleTruncate() {
	t := time.Date(2024, 8, 15, 13, 45, 0, 0, time.UTC)
	q, _ := generalize.Truncate(t, generalize.Quarter)
	w, _ := generalize.Truncate(t, generalize.Week)
	fmt.Println(q.Format(time.DateOnly), w.Format(time.DateOnly))
	// Output: 2024-07-01 2024-08-12
}

func ExampleAppendLabel() {
	t := time.Date(2021, 1, 2, 10, 0, 0, 0, time.UTC)
	buf := make([]byte, 0, 16)
	for _, u := range []generalize.Unit{generalize.Year, generalize.Quarter, generalize.Week, generalize.Hour} {
		buf, _ = generalize.AppendLabel(buf[:0], t, u)
		fmt.Print(string(buf), " ")
	}
	fmt.Println()
	// Output: 2021 2021-Q1 2020-W53 2021-01-02T10
}

func ExampleExtract() {
	t := time.Date(2024, 8, 15, 13, 45, 0, 0, time.UTC)
	dow, _ := generalize.Extract(t, generalize.PartDayOfWeek)
	fmt.Println(dow) // Thursday
	// Output: 4
}

func ExampleAge() {
	birth := time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC)
	a, _ := generalize.Age(birth, time.Date(2021, 2, 28, 0, 0, 0, 0, time.UTC))
	b, _ := generalize.Age(birth, time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC))
	fmt.Println(a, b)
	// Output: 20 21
}

func ExampleNewAgeBuckets() {
	fb, _ := generalize.NewFixedBuckets(generalize.FixedBucketsConfig{Lower: 20, Upper: 80, Width: 20})
	ab, err := generalize.NewAgeBuckets(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), fb)
	if err != nil {
		panic(err)
	}
	label, _ := ab.Bucket(time.Date(1980, 6, 15, 0, 0, 0, 0, time.UTC))
	fmt.Println(label)
	// Output: 40-60
}

func ExampleNewDateShifter() {
	key := make([]byte, generalize.DateShiftKeySize) // use a random key, kept secret
	for i := range key {
		key[i] = byte(i)
	}
	s, err := generalize.NewDateShifter(key, -365, 365)
	if err != nil {
		panic(err)
	}
	admitted := time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)
	discharged := time.Date(2023, 3, 9, 0, 0, 0, 0, time.UTC)
	a, d := s.Shift("patient-0001", admitted), s.Shift("patient-0001", discharged)
	fmt.Println(a.Format(time.DateOnly), d.Format(time.DateOnly), d.Sub(a))
	fmt.Println(s)
	// Output:
	// 2022-08-18 2022-08-26 192h0m0s
	// generalize.DateShifter(REDACTED)
}

func ExampleNewPostalGeneralizer() {
	g, err := generalize.NewPostalGeneralizer(map[string]generalize.PostalRule{
		// HIPAA Safe Harbor; populations from the Census in real use.
		"US": {Keep: 3, MinPopulation: 20_001, Population: map[string]int64{"021": 1_000_000, "036": 15_000}},
	})
	if err != nil {
		panic(err)
	}
	for _, zip := range []string{"02139-4307", "03601", "99999"} {
		z, _ := g.Generalize("US", zip)
		fmt.Print(z, " ")
	}
	fmt.Println()
	// Output: 021 000 000
}

func ExampleIPPrefix() {
	v4, _ := generalize.IPPrefix("192.0.2.77", 24, 48)
	v6, _ := generalize.IPPrefix("2001:db8:abcd:12::1", 24, 48)
	fmt.Println(v4, v6)
	// Output: 192.0.2.0/24 2001:db8:abcd::/48
}

func ExampleSnapToGrid() {
	lat, lon, _ := generalize.SnapToGrid(48.8584, 2.2945, 0.1)
	fmt.Println(lat, lon)
	// Output: 48.8 2.2
}

func ExampleParseHierarchy() {
	h, err := generalize.ParseHierarchy(strings.NewReader(
		"Bachelors;Undergraduate;Higher education;*\n" +
			"Masters;Graduate;Higher education;*\n" +
			"HS-grad;High School;Secondary education;*\n"))
	if err != nil {
		panic(err)
	}
	var path []string
	for level := 0; level < h.Height(); level++ {
		v, _ := h.Generalize("Masters", level)
		path = append(path, v)
	}
	fmt.Println(strings.Join(path, " → "))
	_, err = h.Generalize("PhD", 1)
	fmt.Println(err)
	// Output:
	// Masters → Graduate → Higher education → *
	// generalize: value not in hierarchy
}

func ExampleNewHierarchy() {
	h, err := generalize.NewHierarchy([][]string{
		{"cat", "mammal", "*"},
		{"dog", "mammal", "*"},
		{"trout", "fish", "*"},
	})
	if err != nil {
		panic(err)
	}
	v, _ := h.Generalize("dog", 1)
	n, _ := h.LeavesUnder("mammal")
	fmt.Println(v, n)
	// Output: mammal 2
}

func exampleTable() ([]generalize.Column, map[string]*generalize.Hierarchy, [][]string) {
	sex, _ := generalize.NewHierarchy([][]string{{"F", "*"}, {"M", "*"}})
	cols := []generalize.Column{
		{Name: "name", Role: generalize.Identifier},
		{Name: "age", Role: generalize.QuasiIdentifier, Kind: generalize.Numeric},
		{Name: "sex", Role: generalize.QuasiIdentifier, Kind: generalize.Categorical, Hierarchy: "sex"},
		{Name: "diagnosis", Role: generalize.Sensitive, Kind: generalize.Categorical},
	}
	rows := [][]string{
		{"Ann", "34", "F", "flu"}, {"Bob", "36", "M", "cold"}, {"Cat", "38", "F", "asthma"},
		{"Dan", "61", "M", "flu"}, {"Eve", "64", "F", "gout"}, {"Fay", "67", "F", "flu"},
	}
	return cols, map[string]*generalize.Hierarchy{"sex": sex}, rows
}

func ExampleNewAnonymizer() {
	cols, hs, rows := exampleTable()
	a, err := generalize.NewAnonymizer(generalize.Config{
		Columns: cols, Hierarchies: hs, K: 3,
		LDiversity: &generalize.LDiversity{Variant: generalize.DistinctL, L: 2},
	})
	if err != nil {
		panic(err)
	}
	out, plan, err := a.Anonymize(rows)
	if err != nil {
		panic(err)
	}
	fmt.Println(plan.Header())
	for _, r := range out {
		fmt.Println(r)
	}
	// Output:
	// [age sex diagnosis]
	// [34-38 * flu]
	// [34-38 * cold]
	// [34-38 * asthma]
	// [61-67 * flu]
	// [61-67 * gout]
	// [61-67 * flu]
}

func ExampleAnonymizer_Plan() {
	cols, hs, rows := exampleTable()
	a, _ := generalize.NewAnonymizer(generalize.Config{Columns: cols, Hierarchies: hs, K: 2})
	// Rows may stream from a file; here, from a slice. Three rows cannot be
	// split into two classes of two, so each half of the table is a class.
	stream := func(yield func([]string, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}
	plan, err := a.Plan(stream)
	if err != nil {
		panic(err)
	}
	// Second pass: the same rows in the same order.
	var out []string
	for i, r := range rows {
		out, _, err = plan.AppendRow(out[:0], i, r)
		if err != nil {
			panic(err)
		}
		fmt.Println(out)
	}
	fmt.Println(plan.Classes(), "classes")
	// Output:
	// [34-38 * flu]
	// [34-38 * cold]
	// [34-38 * asthma]
	// [61-67 * flu]
	// [61-67 * gout]
	// [61-67 * flu]
	// 2 classes
}

func ExampleNewChecker() {
	rows := [][]string{
		{"30-39", "F", "flu"}, {"30-39", "F", "cold"},
		{"30-39", "M", "flu"}, {"30-39", "M", "flu"}, {"40-49", "*", "gout"},
	}
	ch, err := generalize.NewChecker(generalize.CheckConfig{Columns: []generalize.Column{
		{Name: "age", Role: generalize.QuasiIdentifier, Kind: generalize.Numeric},
		{Name: "sex", Role: generalize.QuasiIdentifier, Kind: generalize.Categorical},
		{Name: "diagnosis", Role: generalize.Sensitive},
	}})
	if err != nil {
		panic(err)
	}
	rep, err := ch.Check(func(yield func([]string, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	})
	if err != nil {
		panic(err)
	}
	for _, c := range rep.Classes {
		fmt.Println(c.Values, c.Size, c.Distinct)
	}
	fmt.Printf("k=%d l=%d prosecutor max=%.2f avg=%.2f\n", rep.K, rep.Sensitive[0].DistinctL, rep.Risk.ProsecutorMax, rep.Risk.ProsecutorAvg)
	fmt.Println(rep.Meets(2, nil, nil))
	// Output:
	// [30-39 F] 2 [2]
	// [30-39 M] 2 [1]
	// [40-49 *] 1 [1]
	// k=1 l=1 prosecutor max=1.00 avg=0.60
	// generalize: privacy constraint cannot be met: smallest class has 1 rows, below k=2
}

func ExampleChecker_CheckWithPopulation() {
	cols := []generalize.Column{{Name: "zip3", Role: generalize.QuasiIdentifier, Kind: generalize.Categorical}}
	sample := [][]string{{"021"}, {"021"}, {"100"}}
	population := [][]string{{"021"}, {"021"}, {"021"}, {"021"}, {"100"}, {"100"}}
	seq := func(rows [][]string) func(func([]string, error) bool) {
		return func(yield func([]string, error) bool) {
			for _, r := range rows {
				if !yield(r, nil) {
					return
				}
			}
		}
	}
	ch, _ := generalize.NewChecker(generalize.CheckConfig{Columns: cols})
	rep, err := ch.CheckWithPopulation(seq(sample), seq(population))
	if err != nil {
		panic(err)
	}
	fmt.Printf("journalist max=%.2f marketer=%.2f\n", rep.Risk.JournalistMax, rep.Risk.MarketerAvg)
	// Output: journalist max=0.50 marketer=0.33
}

func ExampleReport_Meets() {
	ch, _ := generalize.NewChecker(generalize.CheckConfig{Columns: []generalize.Column{
		{Name: "age", Role: generalize.QuasiIdentifier, Kind: generalize.Numeric},
		{Name: "diagnosis", Role: generalize.Sensitive},
	}})
	rep, _ := ch.Check(func(yield func([]string, error) bool) {
		for _, r := range [][]string{{"30-39", "flu"}, {"30-39", "flu"}, {"30-39", "flu"}} {
			if !yield(r, nil) {
				return
			}
		}
	})
	fmt.Println(rep.Meets(3, nil, nil))
	fmt.Println(rep.Meets(3, &generalize.LDiversity{Variant: generalize.DistinctL, L: 2}, nil))
	// Output:
	// <nil>
	// generalize: privacy constraint cannot be met: column "diagnosis": distinct l-diversity 1 below 2
}
