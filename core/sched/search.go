package sched

import "slices"

// interval is a closed range [lo, hi] of times at which a job may start on
// one node and keep fitting there for its whole duration. hi may be
// forever.
type interval struct {
	node int
	lo   int64
	hi   int64
}

// searcher holds scratch space reused across the jobs of one pass, so an
// evaluation allocates nothing once the buffers have grown.
type searcher struct {
	intervals []interval
	opens     []int64
	closes    []int64
	windows   []interval // start times open on every required node
	scratch   []interval
}

// startNow picks k nodes from candidates, in candidate order, on which the
// request fits from Now until end; the first required candidates must all
// be among them. Nodes marked in skip are passed over. It returns nil if
// that is not possible.
func (t *timeline) startNow(candidates []int, required, k int, end int64, r request, skip []bool) []int {
	var chosen []int
	for i, n := range candidates {
		if !t.usable[n] || (skip != nil && skip[n]) || !t.fitsDuring(n, t.now, end, r) {
			if i < required {
				return nil
			}
			continue
		}
		chosen = append(chosen, n)
		if len(chosen) == k {
			return chosen
		}
	}
	return nil
}

// feasibleStarts appends to out the intervals of start times, none after
// horizon, at which the request fits node n for dur seconds (dur may be
// forever). They are maximal runs of consecutive fitting segments,
// shortened by the duration. An interval reaching past the horizon may be
// cut short there and marked as never closing, since only starts up to
// the horizon are ever looked for.
func (t *timeline) feasibleStarts(n int, r request, dur, horizon int64, out []interval) []interval {
	f := t.fitter(n, r)
	if f.never {
		return out
	}
	inRun := false
	var runStart int64
	for _, sg := range t.segs[n] {
		if !inRun && sg.start > horizon {
			return out
		}
		if f.fits(sg.used) {
			if !inRun {
				inRun, runStart = true, sg.start
			} else if dur != forever && sg.start-dur >= horizon {
				// The run reaches so far that every start up to the
				// horizon fits: what lies beyond cannot matter.
				return append(out, interval{node: n, lo: runStart, hi: forever})
			}
			continue
		}
		if inRun {
			out = appendRun(out, n, runStart, sg.start, dur)
			inRun = false
		}
	}
	if inRun {
		out = appendRun(out, n, runStart, forever, dur)
	}
	return out
}

// appendRun turns a run [runStart, runEnd) of fitting segments into the
// interval of start times whose whole duration lies inside the run.
func appendRun(out []interval, n int, runStart, runEnd, dur int64) []interval {
	if runEnd == forever {
		return append(out, interval{node: n, lo: runStart, hi: forever})
	}
	if dur == forever || runEnd-runStart < dur {
		return out
	}
	return append(out, interval{node: n, lo: runStart, hi: runEnd - dur})
}

// earliest finds the earliest start time, not after horizon, at which k of
// the candidate nodes can each host the request for dur seconds, the first
// required candidates among them, and the first k such nodes in candidate
// order. ok is false if there is none.
//
// Every node contributes its intervals of feasible start times; the
// earliest start is the first interval opening at which at least k
// intervals are open. Sorting opens and closes separately lets one merge
// walk count open intervals: those opened at or before t minus those
// closed at or before t. Starting now needs no sort: intervals never open
// before now, so the first k nodes with an interval opening now win, and
// the scan stops there.
//
// Required nodes (the first `required` candidates) restrict the start to
// times at which every one of them is open: s.windows, the intersection of
// their intervals, which the merge walk consults in increasing time.
// Candidates come required first, so pick takes them first.
func (t *timeline) earliest(s *searcher, candidates []int, required, k int, r request,
	dur, horizon int64) (start int64, chosen []int, ok bool) {
	s.intervals = s.intervals[:0]
	openNow := 0
	requiredNow := true // every required candidate so far can start now
	for i, n := range candidates {
		if !t.usable[n] {
			if i < required {
				return 0, nil, false
			}
			continue
		}
		first := len(s.intervals)
		s.intervals = t.feasibleStarts(n, r, dur, horizon, s.intervals)
		if i < required && len(s.intervals) == first {
			return 0, nil, false // a required node never fits in the window
		}
		opensNow := len(s.intervals) > first && s.intervals[first].lo == t.now
		requiredNow = requiredNow && (opensNow || i >= required)
		if opensNow && requiredNow {
			openNow++
			if openNow == k {
				return t.now, s.pick(t.now, k), true
			}
		}
	}
	if len(s.intervals) < k {
		return 0, nil, false
	}
	if required > 0 {
		s.windows = s.requiredWindows(required)
		if len(s.windows) == 0 {
			return 0, nil, false
		}
	}
	s.opens, s.closes = s.opens[:0], s.closes[:0]
	for _, iv := range s.intervals {
		s.opens = append(s.opens, iv.lo)
		if iv.hi != forever {
			s.closes = append(s.closes, iv.hi+1)
		}
	}
	slices.Sort(s.opens)
	slices.Sort(s.closes)
	closed, w := 0, 0
	for i := 0; i < len(s.opens); {
		at := s.opens[i]
		for i < len(s.opens) && s.opens[i] == at {
			i++
		}
		for closed < len(s.closes) && s.closes[closed] <= at {
			closed++
		}
		if required > 0 {
			for w < len(s.windows) && s.windows[w].hi < at {
				w++
			}
			if w == len(s.windows) {
				return 0, nil, false
			}
			if at < s.windows[w].lo {
				continue
			}
		}
		if i-closed >= k {
			return at, s.pick(at, k), true
		}
	}
	return 0, nil, false
}

// pick returns the first k nodes, in candidate order, with an interval
// containing at. A node's intervals are disjoint, so none is taken twice.
func (s *searcher) pick(at int64, k int) []int {
	chosen := make([]int, 0, k)
	for _, iv := range s.intervals {
		if iv.lo <= at && at <= iv.hi {
			chosen = append(chosen, iv.node)
			if len(chosen) == k {
				break
			}
		}
	}
	return chosen
}

// requiredWindows intersects the intervals of the first `required`
// candidates: the start times at which all of them fit. It relies on
// s.intervals holding each node's intervals together, in increasing time,
// nodes in candidate order, and every required node having at least one.
func (s *searcher) requiredWindows(required int) []interval {
	windows := s.windows[:0]
	for seen, at := 0, 0; seen < required && at < len(s.intervals); seen++ {
		end := at
		for end < len(s.intervals) && s.intervals[end].node == s.intervals[at].node {
			end++
		}
		if seen == 0 {
			windows = append(windows, s.intervals[at:end]...)
		} else {
			s.scratch = intersect(s.scratch[:0], windows, s.intervals[at:end])
			windows = append(windows[:0], s.scratch...)
		}
		at = end
	}
	return windows
}

// intersect appends to out the overlaps of two sorted lists of disjoint
// closed intervals.
func intersect(out, a, b []interval) []interval {
	for i, j := 0, 0; i < len(a) && j < len(b); {
		lo, hi := max(a[i].lo, b[j].lo), min(a[i].hi, b[j].hi)
		if lo <= hi {
			out = append(out, interval{node: -1, lo: lo, hi: hi})
		}
		if a[i].hi < b[j].hi {
			i++
		} else {
			j++
		}
	}
	return out
}
