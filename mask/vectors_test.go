package mask

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/custos-dev/custos/internal/testvec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Independent helpers: they look at the input and output text only.

func alnums(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func onlyDigits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// sameShape reports whether out has in's separators at the same places and
// only '*' or in's own character elsewhere.
func sameShape(t *testing.T, in, out, seps string) {
	t.Helper()
	require.Equal(t, len(in), len(out), "%q -> %q", in, out)
	for i := 0; i < len(in); i++ {
		if strings.IndexByte(seps, in[i]) >= 0 {
			assert.Equal(t, in[i], out[i], "separator at %d of %q", i, in)
		} else if out[i] != '*' {
			assert.Equal(t, in[i], out[i], "shown character at %d of %q", i, in)
		}
	}
}

func TestVectorsCards(t *testing.T) {
	var cards []struct {
		Value     string  `json:"value"`
		Valid     bool    `json:"valid"`
		Type      string  `json:"type"`
		Brand     *string `json:"brand"`
		LuhnValid bool    `json:"luhn_valid"`
		Source    string  `json:"source"`
		Reason    string  `json:"reason"`
		Note      string  `json:"note"`
		Note2     string  `json:"note2"`
	}
	testvec.Load(t, "testdata/credit-cards.json", &cards)
	require.NotEmpty(t, cards)
	for _, c := range cards {
		digits := onlyDigits(c.Value)
		n := len(digits)
		for _, bin := range []int{0, 6, 8} {
			got := PANRule{BIN: bin}.Mask(c.Value)
			assert.NotEqual(t, c.Value, got)
			sameShape(t, c.Value, got, " -")
			shown := onlyDigits(got)
			assert.LessOrEqual(t, len(shown), bin+4, "%q bin %d -> %q", c.Value, bin, got)
			assert.GreaterOrEqual(t, strings.Count(got, "*"), 4)
			// The promise: the last four digits, and the BIN when the number
			// is long enough to hide four digits besides.
			if n >= 8 {
				assert.True(t, strings.HasSuffix(shown, digits[n-4:]), "%q -> %q keeps the last four", c.Value, got)
			}
			if n >= bin+8 {
				assert.Equal(t, digits[:bin]+digits[n-4:], shown, "%q bin %d -> %q", c.Value, bin, got)
			}
		}
	}
}

type ibanVector struct {
	Detect bool   `json:"-"` // from the detection file: valid means "found in the text"
	Value  string `json:"value"`
	Valid  bool   `json:"valid"`
	Type   string `json:"type"`
	Mod97  bool   `json:"iso13616_mod97"`
	Source string `json:"source"`
	Reason string `json:"reason"`
}

func TestVectorsIBAN(t *testing.T) {
	var ibans []ibanVector
	testvec.Load(t, "testdata/iban.json", &ibans)
	var detect []struct {
		Value         string  `json:"value"`
		Valid         bool    `json:"valid"`
		Type          string  `json:"type"`
		ExpectedCount int     `json:"expected_count"`
		ExpectedSpans [][]int `json:"expected_spans"`
		Source        string  `json:"source"`
	}
	testvec.Load(t, "testdata/iban-detection-presidio.json", &detect)
	require.NotEmpty(t, ibans)
	require.NotEmpty(t, detect)
	for _, d := range detect {
		ibans = append(ibans, ibanVector{Detect: true, Value: d.Value, Valid: d.Valid})
	}
	parsed := 0
	for _, v := range ibans {
		got := IBAN(v.Value)
		assert.NotEqual(t, v.Value, got)
		assert.True(t, utf8.ValidString(got))
		a := alnums(v.Value)
		shapeOK := len(a) >= 15 && len(a) <= 34 && isASCIILetter(a[0]) && isASCIILetter(a[1]) &&
			a[2] >= '0' && a[2] <= '9' && a[3] >= '0' && a[3] <= '9' && len(alnums(v.Value)) == len(strings.NewReplacer(" ", "", "-", "", ".", "").Replace(v.Value))
		if v.Valid && !v.Detect {
			require.True(t, shapeOK, "valid vector %q has the shape of an IBAN", v.Value)
		}
		if !shapeOK {
			assert.Equal(t, "****", got, "%q fails closed", v.Value)
			continue
		}
		parsed++
		sameShape(t, v.Value, got, " -.")
		shown := alnums(got)
		assert.Equal(t, a[:2]+a[len(a)-4:], shown, "%q -> %q keeps country code and last four", v.Value, got)
	}
	assert.Greater(t, parsed, 200)
}

func TestVectorsPhone(t *testing.T) {
	var phones []struct {
		Value          string `json:"value"`
		Valid          bool   `json:"valid"`
		Type           string `json:"type"`
		Region         string `json:"region"`
		CountryCode    int    `json:"country_code"`
		NationalNumber string `json:"national_number"`
		NumberType     string `json:"number_type"`
		Source         string `json:"source"`
	}
	testvec.Load(t, "testdata/phone-e164.json", &phones)
	require.Greater(t, len(phones), 1000)
	for _, p := range phones {
		got := Phone(p.Value)
		assert.NotEqual(t, p.Value, got)
		require.True(t, strings.HasPrefix(p.Value, "+"))
		sameShape(t, p.Value, got, "+")
		digits := onlyDigits(p.Value)
		shown := onlyDigits(got)
		keep := min(4, len(digits)/2)
		assert.Equal(t, digits[len(digits)-keep:], shown, "%q -> %q keeps the last digits", p.Value, got)
		assert.GreaterOrEqual(t, strings.Count(got, "*"), (len(digits)+1)/2, "at least half hidden")
	}
}

func TestVectorsSSN(t *testing.T) {
	type ssnCase struct {
		Value  string `json:"value"`
		Valid  bool   `json:"valid"`
		Type   string `json:"type"`
		Source string `json:"source"`
		Reason string `json:"reason"`
	}
	var f struct {
		Rules struct {
			Statement     string   `json:"statement"`
			Format        string   `json:"format"`
			InvalidArea   []string `json:"invalid_area"`
			InvalidGroup  []string `json:"invalid_group"`
			InvalidSerial []string `json:"invalid_serial"`
			Notes         string   `json:"notes"`
		} `json:"rules"`
		Cases     []ssnCase `json:"cases"`
		Detection []struct {
			Value         string      `json:"value"`
			Valid         bool        `json:"valid"`
			Type          string      `json:"type"`
			ExpectedCount int         `json:"expected_count"`
			ExpectedSpans [][]int     `json:"expected_spans"`
			ScoreRanges   [][]float64 `json:"expected_score_ranges"`
			Source        string      `json:"source"`
		} `json:"detection_cases_presidio"`
	}
	testvec.Load(t, "testdata/ssn.json", &f)
	values := make([]string, 0, len(f.Cases)+len(f.Detection))
	for _, c := range f.Cases {
		values = append(values, c.Value)
	}
	for _, d := range f.Detection {
		values = append(values, d.Value)
	}
	require.NotEmpty(t, values)
	for _, v := range values {
		got := NationalID(v)
		assert.NotEqual(t, v, got)
		a := alnums(v)
		if len(a) == 0 || len(a) != len(strings.NewReplacer(" ", "", "-", "", ".", "", "/", "").Replace(v)) {
			assert.Equal(t, "****", got, "%q fails closed", v)
			continue
		}
		sameShape(t, v, got, " -./")
		keep := min(4, len(a)/2)
		assert.Equal(t, a[len(a)-keep:], alnums(got), "%q -> %q keeps the last characters", v, got)
	}
}

func TestVectorsEmail(t *testing.T) {
	var f struct {
		ValidMapping string `json:"valid_mapping"`
		Cases        []struct {
			Value      string `json:"value"`
			Valid      bool   `json:"valid"`
			Type       string `json:"type"`
			Category   string `json:"isemail_category"`
			Diagnosis  string `json:"isemail_diagnosis"`
			ID         int    `json:"id"`
			Source     string `json:"source"`
			Comment    string `json:"comment"`
			ValueInXML string `json:"value_as_in_xml"`
			Note       string `json:"note"`
		} `json:"cases"`
		Detection []struct {
			Text          string  `json:"text"`
			ExpectedCount int     `json:"expected_count"`
			ExpectedSpans [][]int `json:"expected_spans"`
			Type          string  `json:"type"`
			Source        string  `json:"source"`
		} `json:"detection_cases_presidio"`
	}
	testvec.Load(t, "testdata/email.json", &f)
	require.Greater(t, len(f.Cases), 100)
	kept := 0
	for _, c := range f.Cases {
		got := Email(c.Value)
		if c.Value == "" {
			// Nothing to hide: the empty string masks to itself.
			assert.Empty(t, got)
			continue
		}
		assert.NotEqual(t, c.Value, got, "case %d", c.ID)
		assert.True(t, utf8.ValidString(got))
		if !c.Valid {
			continue
		}
		at := strings.LastIndexByte(c.Value, '@')
		domain := c.Value[at+1:]
		if strings.HasPrefix(domain, "[") {
			// Address literals are hidden, not kept.
			assert.Equal(t, "****", got, "case %d", c.ID)
			continue
		}
		kept++
		assert.Equal(t, "@"+domain, got[strings.LastIndexByte(got, '@'):], "case %d keeps the domain", c.ID)
		local := got[:strings.LastIndexByte(got, '@')]
		assert.True(t, strings.HasSuffix(local, "***"), "case %d: %q", c.ID, got)
		assert.LessOrEqual(t, utf8.RuneCountInString(local), 4, "case %d shows at most one character", c.ID)
	}
	assert.Greater(t, kept, 25)
	// Free text is not an address: it fails closed.
	for _, d := range f.Detection {
		if strings.ContainsAny(d.Text, " \t") {
			assert.Equal(t, "****", Email(d.Text), "%q", d.Text)
		}
	}
}

type maskingVector struct {
	Operator        string          `json:"operator"`
	Transformation  string          `json:"transformation"`
	Input           json.RawMessage `json:"input"`
	Params          json.RawMessage `json:"params"`
	Expected        json.RawMessage `json:"expected"`
	Note            string          `json:"note"`
	Source          string          `json:"source"`
	AnalyzerResults json.RawMessage `json:"analyzer_results"`
}

func TestVectorsPresidioOperators(t *testing.T) {
	var vs []maskingVector
	testvec.Load(t, "testdata/presidio-operators.json", &vs)
	checked := 0
	for i, v := range vs {
		var in, want string
		switch v.Operator {
		case "mask", "replace", "redact":
			require.NoError(t, json.Unmarshal(v.Input, &in))
			require.NoError(t, json.Unmarshal(v.Expected, &want))
		default:
			continue // hash, decrypt and engine cases belong to other packages
		}
		switch v.Operator {
		case "mask":
			var p struct {
				Char    string `json:"masking_char"`
				Count   int    `json:"chars_to_mask"`
				FromEnd bool   `json:"from_end"`
			}
			require.NoError(t, json.Unmarshal(v.Params, &p))
			char, _ := utf8.DecodeRuneInString(p.Char)
			n := utf8.RuneCountInString(in)
			keep := max(n-p.Count, 0)
			rule := Partial{Char: char, MinHidden: 1}
			if p.FromEnd {
				rule.KeepFirst = keep
			} else {
				rule.KeepLast = keep
			}
			got := rule.Mask(in)
			if p.Count <= 0 && in != "" {
				// Presidio returns the text unchanged; Partial always hides
				// at least MinHidden characters, by design.
				assert.NotEqual(t, want, got, "vector %d: %s", i, v.Note)
				assert.Equal(t, n, utf8.RuneCountInString(got))
			} else {
				assert.Equal(t, want, got, "vector %d: %s", i, v.Note)
			}
			checked++
		case "replace":
			var p struct {
				NewValue   *string `json:"new_value"`
				EntityType *string `json:"entity_type"`
			}
			require.NoError(t, json.Unmarshal(v.Params, &p))
			switch {
			case p.NewValue != nil && *p.NewValue != "":
				assert.Equal(t, want, Redact(*p.NewValue).Mask(in), "vector %d", i)
				checked++
			case p.EntityType != nil && *p.EntityType != "":
				assert.Equal(t, want, Label(*p.EntityType).Mask(in), "vector %d", i)
				checked++
			default:
				// Presidio writes "<>" for an empty entity type; the empty
				// Label writes <REDACTED> instead, so the output stays visible
				// as a redaction.
				assert.Equal(t, "<REDACTED>", Label("").Mask(in))
			}
		case "redact":
			// Presidio's redact removes the text; Redact("") writes
			// [REDACTED] so that a removal stays visible.
			assert.Equal(t, "", want)
			assert.Equal(t, Redacted, Redact("").Mask(in))
		}
	}
	assert.GreaterOrEqual(t, checked, 20)
}

func TestVectorsGoogleDLP(t *testing.T) {
	var vs []maskingVector
	testvec.Load(t, "testdata/google-dlp-examples.json", &vs)
	checked := 0
	for i, v := range vs {
		if v.Transformation != "character_mask" {
			continue // bucketing and date shifting belong to package generalize
		}
		var in, want string
		if json.Unmarshal(v.Input, &in) != nil {
			continue // the illustrative numeric example has no stated parameters
		}
		require.NoError(t, json.Unmarshal(v.Expected, &want))
		var p struct {
			Char    string   `json:"masking_character"`
			Number  int      `json:"number_to_mask"`
			Reverse bool     `json:"reverse_order"`
			Ignore  []string `json:"characters_to_ignore"`
		}
		require.NoError(t, json.Unmarshal(v.Params, &p))
		char, _ := utf8.DecodeRuneInString(p.Char)
		rule := Partial{Char: char, Ignore: strings.Join(p.Ignore, ""), MinHidden: 1}
		set := newCharSet(rule.Ignore)
		n := countMaskable(in, &set)
		// DLP masks Number characters (all but -Number when negative) from
		// the start, or from the end in reverse order; Partial keeps the rest.
		keep := n - p.Number
		if p.Number < 0 {
			keep = -p.Number
		}
		if p.Reverse {
			rule.KeepFirst = keep
		} else {
			rule.KeepLast = keep
		}
		assert.Equal(t, want, rule.Mask(in), "vector %d: %s", i, v.Note)
		checked++
	}
	assert.Equal(t, 5, checked)
}
