//go:build !race

package encrypt

const raceEnabled = false
