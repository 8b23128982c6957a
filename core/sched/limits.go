package sched

import "math"

// Limits of a valid snapshot. Validate enforces them; Schedule does not
// need them to be safe, but its running time is only bounded for
// snapshots within them.
const (
	MaxNodes      = 1 << 16
	MaxPartitions = 1 << 12
	MaxPending    = 1 << 20
	MaxRunning    = 1 << 20
	// MaxUnixTime bounds Now and every time in a snapshot (year ~36800).
	MaxUnixTime = 1 << 40
	MaxNodeCPUs = 1 << 20
	// MaxNodeMemMB is 2^40 MB, an exabyte.
	MaxNodeMemMB = 1 << 40
)

// timeCap bounds every time and duration Schedule computes with, so that
// the sum of any two never overflows int64. A duration beyond it counts as
// unlimited.
const timeCap = 1 << 61

// clampTime clamps a time into [0, timeCap]. Valid snapshots never hold
// negative times, and keeping all times non-negative means the difference
// of any two never overflows either.
func clampTime(t int64) int64 {
	return min(max(t, 0), timeCap)
}

// clampCount clamps a capacity into [0, limit]. Clamping a capacity down
// can only make a node look smaller, which is safe.
func clampCount(v, limit int64) int64 {
	return min(max(v, 0), limit)
}

// clampRequest clamps a demand into [floor, limit+1]. A demand above the
// limit stays larger than any clamped capacity, so it still never fits.
func clampRequest(v, floor, limit int64) int64 {
	return min(max(v, floor), limit+1)
}

// satAdd adds two non-negative values, saturating at MaxInt64.
func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// satAdd32 adds two non-negative values, saturating at MaxInt32.
func satAdd32(a, b int32) int32 {
	if a > math.MaxInt32-b {
		return math.MaxInt32
	}
	return a + b
}

func compareInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
