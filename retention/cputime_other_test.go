//go:build !unix

package retention

import "time"

func cpuTime() (time.Duration, bool) { return 0, false }
