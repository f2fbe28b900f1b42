//go:build race

package fpe

// raceEnabled reports whether the race detector is on: it slows the
// exhaustive test about tenfold.
const raceEnabled = true
