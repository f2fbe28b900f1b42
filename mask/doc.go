// Package mask turns values into text that is safe to show on a screen, in a
// log line or in an export, with no key and no way back.
//
// # Rules and presets
//
// A [Rule] maps one string to its masked form. The building blocks are
// [Redact] (a fixed text), [Label] (a type label such as <EMAIL>) and
// [Partial] (keep the first and/or last characters, mask the rest, optionally
// at a fixed length). Presets cover common personal data with safe defaults
// and are plain functions usable in one line: [Email], [Phone], [PAN],
// [IBAN], [NationalID], [Name], [IP], [URL] and [Credential]. Each preset has
// a configuration type ([EmailRule], [PANRule], ...) whose zero value is the
// preset's default and which is itself a Rule.
//
// Text is handled by characters (runes), never by bytes.
//
// # Fail closed
//
// A preset given input it cannot parse returns "****" and never its input.
// Input that is not valid UTF-8 never causes a panic and its bytes never reach
// the output. The empty string masks to the empty string (there is nothing to
// hide), except under [Redact] and [Label], which always return their text.
//
// # Structs
//
// A [Masker] masks struct values by their `mask:"name"` field tags, resolving
// names through a [Registry] that the caller owns and can extend. It returns a
// masked copy and leaves its input untouched; see [Masker.Copy],
// [Masker.InPlace], [Struct] and [StructWith]. Plans are built once per type
// and cached; an unknown rule name is an error when the plan is built.
//
// # Logging
//
// An [AttrMasker] masks log/slog attributes by key, as a
// [slog.HandlerOptions] ReplaceAttr function or as a [slog.Handler] wrapper.
// [Secret] wraps a value so that fmt, log/slog, encoding/json and
// encoding.TextMarshaler print [Redacted] instead of it.
//
// # Concurrency
//
// Every type in this package is safe for concurrent use once constructed:
// rules are immutable values, and no scratch buffer is shared between calls.
package mask
