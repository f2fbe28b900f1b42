// Package generalize makes quasi-identifying values coarser, one value at a
// time or over a whole table until it provably meets k-anonymity,
// l-diversity and t-closeness.
//
// # Value generalizers
//
// Each generalizer is validated once at construction, is immutable and safe
// for concurrent use, and returns an error (never the input unchanged) for a
// value it cannot handle:
//
//   - numbers: [FixedBuckets] ("<10", "10-20", "90+"), custom [Buckets] with
//     labels (also from text, [ParseBuckets]), [TopBottomCode], [RoundTo];
//   - dates: [Truncate] to year, quarter, month, ISO week, day or hour,
//     [AppendLabel], [Extract] a part, [Age] and [AgeBuckets];
//   - keyed date shifting: [DateShifter] moves all dates of one subject by
//     the same secret number of days, so intervals survive;
//   - places: [PostalGeneralizer] (leading characters, with per-country
//     minimum-population rules such as HIPAA Safe Harbor's "000"),
//     [IPPrefix], [SnapToGrid];
//   - taxonomies: a [Hierarchy] (value → parent → … → "*") from ARX-style
//     CSV ([ParseHierarchy]) or from code ([NewHierarchy]).
//
// Bucketers with precomputed labels, hierarchies and postal rules do not
// allocate per value.
//
// # Privacy models
//
// A table is described by [Column] values: identifiers are removed,
// quasi-identifiers generalized, sensitive columns kept and checked,
// insensitive columns kept. An [Anonymizer] applies Mondrian
// multidimensional partitioning (LeFevre, DeWitt and Ramakrishnan, ICDE
// 2006) over numeric, date and hierarchical quasi-identifiers: it splits the
// table recursively at the median of the widest column (numeric and date
// columns) or into the children of the current hierarchy node (categorical
// columns; children too small to stand alone are kept together under the
// parent), as long as every part still meets the request: at least K rows,
// and optionally l-diversity ([LDiversity]) and t-closeness ([TCloseness]) in
// every sensitive column. With a SuppressionLimit, a part of fewer than K rows
// that fails may be dropped when no regular split is left, if the budget
// allows.
//
// [Anonymizer.Plan] reads the rows once and keeps only the quasi-identifier
// and sensitive columns, encoded as 4-byte codes; [Plan.AppendRow] writes the
// output in a second pass, so a file never has to fit in memory. The plan is
// verified before it is returned: when the request cannot be met, the error
// matches [ErrConstraintUnmet] and no weaker table is produced.
//
// A [Checker], which shares no code path with the partitioning, measures any
// table in one pass: every equivalence class (by the joint tuple of all
// quasi-identifiers), the k, l and t achieved, prosecutor risk (and
// journalist and marketer risk given a population), and utility loss
// (normalized certainty penalty, discernibility, average class size).
// [Report.Meets] turns a report into a pass or an error.
//
// The configuration types ([Config], [Column], [CheckConfig]) are plain data
// with JSON tags and text-encoded enums, so a policy file can fill them;
// hierarchies are supplied beside them by name.
//
// # Errors
//
// Errors match the package's sentinels with errors.Is; [ColumnError] and
// [ParseError] add the column, row or line. No error message contains a value
// being generalized.
package generalize
