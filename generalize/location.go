package generalize

import (
	"math"
	"net/netip"
	"strings"
)

// PostalRule says how the postal codes of one country are generalized. It is
// plain data so that it can be read from a policy file.
//
// The first Keep characters of a code are kept. When MinPopulation is set, a
// kept prefix survives only if Population[prefix] >= MinPopulation; any other
// prefix (including one missing from Population) becomes Suppressed. HIPAA
// Safe Harbor for US ZIP codes is Keep 3, MinPopulation 20001 (areas of
// 20,000 people or fewer become "000") with the Census population of every
// 3-digit ZIP area.
type PostalRule struct {
	Keep          int              `json:"keep" yaml:"keep"`
	MinPopulation int64            `json:"min_population,omitempty" yaml:"min_population,omitempty"`
	Population    map[string]int64 `json:"population,omitempty" yaml:"population,omitempty"`
	Suppressed    string           `json:"suppressed,omitempty" yaml:"suppressed,omitempty"` // default: Keep zeros
}

// PostalGeneralizer truncates postal codes by per-country rules. It is
// immutable and safe for concurrent use; Generalize does not allocate for
// codes already in upper case.
type PostalGeneralizer struct {
	rules map[string]postalRule
}

type postalRule struct {
	keep       int
	minPop     int64
	population map[string]int64
	suppressed string
}

// NewPostalGeneralizer validates and copies the rules, keyed by country
// (matched case-insensitively, for example ISO 3166 "US").
func NewPostalGeneralizer(rules map[string]PostalRule) (*PostalGeneralizer, error) {
	if len(rules) == 0 {
		return nil, errorf(ErrInvalidConfig, "postal: no rules")
	}
	g := &PostalGeneralizer{rules: make(map[string]postalRule, len(rules))}
	for country, r := range rules {
		c := strings.ToUpper(strings.TrimSpace(country))
		if c == "" {
			return nil, errorf(ErrInvalidConfig, "postal: empty country")
		}
		if _, dup := g.rules[c]; dup {
			return nil, errorf(ErrInvalidConfig, "postal: country %q given twice", c)
		}
		if r.Keep < 0 || r.Keep > 16 {
			return nil, errorf(ErrInvalidConfig, "postal %s: keep must be in 0..16", c)
		}
		if r.MinPopulation < 0 {
			return nil, errorf(ErrInvalidConfig, "postal %s: negative minimum population", c)
		}
		pr := postalRule{keep: r.Keep, minPop: r.MinPopulation, suppressed: r.Suppressed}
		if pr.suppressed == "" {
			pr.suppressed = strings.Repeat("0", r.Keep)
			if r.Keep == 0 {
				pr.suppressed = "*"
			}
		}
		if r.MinPopulation > 0 {
			pr.population = make(map[string]int64, len(r.Population))
			for p, n := range r.Population {
				up := strings.ToUpper(p)
				if len(up) != r.Keep || !isPostalText(up) {
					return nil, errorf(ErrInvalidConfig, "postal %s: population key of length %d, want %d letters or digits", c, len(p), r.Keep)
				}
				if n < 0 {
					return nil, errorf(ErrInvalidConfig, "postal %s: negative population", c)
				}
				pr.population[up] = n
			}
		}
		g.rules[c] = pr
	}
	return g, nil
}

// Generalize returns the generalized code: its first Keep characters, or the
// rule's Suppressed text when that prefix is too sparsely populated. Spaces
// and a hyphen after the prefix are allowed ("02139-4307", "SW1A 1AA"); a code
// with fewer than Keep leading letters or digits is ErrUnparsable.
func (g *PostalGeneralizer) Generalize(country, code string) (string, error) {
	r, ok := g.rules[country]
	if !ok {
		r, ok = g.rules[strings.ToUpper(strings.TrimSpace(country))]
		if !ok {
			return "", ErrUnknownCountry
		}
	}
	if code == "" {
		return "", errorf(ErrUnparsable, "postal: empty code")
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !(isAlnum(c) || c == ' ' || c == '-') {
			return "", errorf(ErrUnparsable, "postal: code of length %d has a character other than letters, digits, space, hyphen", len(code))
		}
	}
	if len(code) < r.keep || !isPostalText(code[:r.keep]) {
		return "", errorf(ErrUnparsable, "postal: code of length %d does not start with %d letters or digits", len(code), r.keep)
	}
	prefix := code[:r.keep]
	if hasLower(prefix) {
		prefix = strings.ToUpper(prefix)
	}
	if r.minPop > 0 && r.population[prefix] < r.minPop {
		return r.suppressed, nil
	}
	if r.keep == 0 {
		return r.suppressed, nil
	}
	return prefix, nil
}

func isAlnum(c byte) bool {
	return ('0' <= c && c <= '9') || ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z')
}

func isPostalText(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return true
}

func hasLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'a' <= s[i] && s[i] <= 'z' {
			return true
		}
	}
	return false
}

// IPPrefix returns the network of addr with v4Bits (IPv4) or v6Bits (IPv6)
// leading bits kept, in prefix notation: "192.0.2.0/24", "2001:db8::/48".
// IPv4-mapped IPv6 addresses are treated as IPv4. Zones are rejected.
func IPPrefix(addr string, v4Bits, v6Bits int) (string, error) {
	if v4Bits < 0 || v4Bits > 32 || v6Bits < 0 || v6Bits > 128 {
		return "", errorf(ErrInvalidConfig, "ip prefix: bits out of range")
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return "", errorf(ErrUnparsable, "ip prefix: not an IP address (length %d)", len(addr))
	}
	if a.Zone() != "" {
		return "", errorf(ErrUnparsable, "ip prefix: address with a zone")
	}
	a = a.Unmap()
	bits := v6Bits
	if a.Is4() {
		bits = v4Bits
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return "", errorf(ErrOutOfRange, "ip prefix: %d bits", bits)
	}
	return p.String(), nil
}

// SnapToGrid generalizes a coordinate to the south-west corner of the grid
// cell of size step degrees that holds it (cells are half-open: [a, a+step)).
// Results are rounded to 1e-9 degrees to drop binary noise.
func SnapToGrid(lat, lon, step float64) (float64, float64, error) {
	if !finite(step) || step <= 0 || step > 180 {
		return 0, 0, errorf(ErrInvalidConfig, "grid: step must be in (0, 180]")
	}
	if math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return 0, 0, errorf(ErrOutOfRange, "grid: coordinate outside [-90,90]x[-180,180]")
	}
	snap := func(v float64) float64 {
		// The small bias puts values that are a whole number of steps in
		// decimal (0.3 with step 0.1) in their own cell despite binary noise.
		q := math.Floor(v/step + 1e-9)
		return math.Round(q*step*1e9) / 1e9
	}
	return snap(lat), snap(lon), nil
}
