//go:build unix

package retention

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time the process has used (user + system). On a
// shared machine it measures the work done rather than the wall time, which
// includes time spent waiting for a core.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
