// Package sqlident validates and quotes plain SQL identifiers, such as the
// table and column names a caller configures, so they can be put into
// statements safely.
package sqlident

import (
	"regexp"
	"strings"
)

// plain is one unquoted identifier part: PostgreSQL's 63-byte limit, ASCII only.
var plain = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// Quote returns name, a plain identifier optionally qualified by a schema
// ("events" or "audit.events"), with every part double-quoted. It reports
// false for anything else: more than two parts, empty parts, or characters
// other than ASCII letters, digits and underscores.
func Quote(name string) (string, bool) {
	parts := strings.Split(name, ".")
	if len(parts) > 2 {
		return "", false
	}
	for i, p := range parts {
		if !plain.MatchString(p) {
			return "", false
		}
		parts[i] = `"` + p + `"`
	}
	return strings.Join(parts, "."), true
}
