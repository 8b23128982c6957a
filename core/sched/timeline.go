package sched

import (
	"math"
	"slices"
)

// forever marks a segment or block without an end. It is never used in
// arithmetic: every time and duration is clamped to timeCap first.
const forever int64 = math.MaxInt64

// usage is what a set of jobs holds on one node during one segment.
// Sums saturate, so absurd inputs can only make a node look fuller.
type usage struct {
	cpus      int64
	memMB     int64
	jobs      int32
	exclusive int32
}

func (u usage) plus(v usage) usage {
	return usage{
		cpus:      satAdd(u.cpus, v.cpus),
		memMB:     satAdd(u.memMB, v.memMB),
		jobs:      satAdd32(u.jobs, v.jobs),
		exclusive: satAdd32(u.exclusive, v.exclusive),
	}
}

// segment is a stretch of one node's timeline with constant usage. It runs
// from start to the next segment's start, or forever for the last one.
type segment struct {
	start int64
	used  usage
}

// request is one job's per-node demand.
type request struct {
	cpus      int64
	memMB     int64
	exclusive bool
}

func (r request) usage() usage {
	u := usage{cpus: r.cpus, memMB: r.memMB, jobs: 1}
	if r.exclusive {
		u.exclusive = 1
	}
	return u
}

// timeline holds, for every node, its usage from Now on as a step function:
// running jobs until their expected end, plus every start and reservation
// the pass has made so far.
type timeline struct {
	now      int64
	capCPUs  []int64
	capMemMB []int64
	usable   []bool // Available: may receive new work
	segs     [][]segment
	added    int // segments added by starts and reservations
}

// fitter decides whether one request fits next to a segment's usage on
// one node. It is built once per node and request, so that the per-segment
// test in the hot loops is a few comparisons.
type fitter struct {
	// maxCPUs and maxMemMB are the most a segment may already use for the
	// request to fit; never is true if it cannot fit even an idle node.
	maxCPUs, maxMemMB int64
	exclusive, never  bool
}

func (t *timeline) fitter(n int, r request) fitter {
	return fitter{
		maxCPUs:   t.capCPUs[n] - r.cpus,
		maxMemMB:  t.capMemMB[n] - r.memMB,
		exclusive: r.exclusive,
		never:     !t.fitsIdle(n, r),
	}
}

func (f fitter) fits(u usage) bool {
	if u.exclusive > 0 || f.never {
		return false
	}
	if f.exclusive {
		return u.jobs == 0
	}
	return u.cpus <= f.maxCPUs && u.memMB <= f.maxMemMB
}

// fitsIdle reports whether the request fits node n with nothing running:
// if not, the job can never use the node.
func (t *timeline) fitsIdle(n int, r request) bool {
	return t.capCPUs[n] >= r.cpus && t.capMemMB[n] >= r.memMB
}

// fitsDuring reports whether the request fits node n for all of
// [from, until). until may be forever.
func (t *timeline) fitsDuring(n int, from, until int64, r request) bool {
	f := t.fitter(n, r)
	if f.never {
		return false
	}
	segs := t.segs[n]
	for i := t.segmentAt(n, from); i < len(segs) && segs[i].start < until; i++ {
		if !f.fits(segs[i].used) {
			return false
		}
	}
	return true
}

// segmentAt returns the index of the segment of node n containing time
// at, which must not be before Now.
func (t *timeline) segmentAt(n int, at int64) int {
	segs := t.segs[n]
	// The first segment whose start is after at, minus one.
	i, _ := slices.BinarySearchFunc(segs, at, func(s segment, at int64) int {
		if s.start <= at {
			return -1
		}
		return 1
	})
	return i - 1
}

// split makes sure a segment of node n starts exactly at time at and
// returns its index.
func (t *timeline) split(n int, at int64) int {
	i := t.segmentAt(n, at)
	if t.segs[n][i].start == at {
		return i
	}
	t.segs[n] = slices.Insert(t.segs[n], i+1, segment{start: at, used: t.segs[n][i].used})
	t.added++
	return i + 1
}

// occupy adds u to node n during [from, until); until may be forever.
// It adds at most two segments.
func (t *timeline) occupy(n int, from, until int64, u usage) {
	first := t.split(n, from)
	last := len(t.segs[n])
	if until != forever {
		last = t.split(n, until)
	}
	for i := first; i < last; i++ {
		t.segs[n][i].used = t.segs[n][i].used.plus(u)
	}
}

// heldBlock is a running job's usage of one node, used to build timelines.
type heldBlock struct {
	node int
	end  int64
	used usage
}

// newTimeline builds the timelines of all nodes from the running jobs.
// Each node's blocks are sorted by end time and swept once, so a node with
// many small jobs costs O(k log k), not O(k^2).
func newTimeline(s *Snapshot, now int64) *timeline {
	n := len(s.Nodes)
	t := &timeline{
		now:      now,
		capCPUs:  make([]int64, n),
		capMemMB: make([]int64, n),
		usable:   make([]bool, n),
		segs:     make([][]segment, n),
	}
	for i, node := range s.Nodes {
		t.capCPUs[i] = clampCount(int64(node.CPUs), MaxNodeCPUs)
		t.capMemMB[i] = clampCount(node.MemMB, MaxNodeMemMB)
		t.usable[i] = node.Available
	}
	var blocks []heldBlock
	for _, job := range s.Running {
		end := runningEnd(job.ExpectedEnd, now)
		u := request{
			cpus:      clampRequest(int64(job.CPUsPerNode), 0, MaxNodeCPUs),
			memMB:     clampRequest(job.MemPerNodeMB, 0, MaxNodeMemMB),
			exclusive: job.Exclusive,
		}.usage()
		for _, node := range job.Nodes {
			if node >= 0 && node < n {
				blocks = append(blocks, heldBlock{node: node, end: end, used: u})
			}
		}
	}
	slices.SortFunc(blocks, func(a, b heldBlock) int {
		if a.node != b.node {
			return a.node - b.node
		}
		return compareInt64(a.end, b.end)
	})
	for node := 0; node < n; node++ {
		var mine []heldBlock
		for len(blocks) > 0 && blocks[0].node == node {
			mine = append(mine, blocks[0])
			blocks = blocks[1:]
		}
		t.segs[node] = buildSegments(now, mine)
	}
	return t
}

// buildSegments turns blocks all starting at now, sorted by end, into a
// step function: full usage first, dropping at each distinct end time.
// Usage after an end is a suffix sum, never a subtraction, so saturated
// sums cannot make a node look emptier than it is.
func buildSegments(now int64, blocks []heldBlock) []segment {
	suffix := make([]usage, len(blocks)+1)
	for i := len(blocks) - 1; i >= 0; i-- {
		suffix[i] = suffix[i+1].plus(blocks[i].used)
	}
	segs := []segment{{start: now, used: suffix[0]}}
	for i := 0; i < len(blocks); {
		end := blocks[i].end
		if end == forever {
			break
		}
		for i < len(blocks) && blocks[i].end == end {
			i++
		}
		segs = append(segs, segment{start: end, used: suffix[i]})
	}
	return segs
}

// runningEnd is when a running job is expected to release its resources.
func runningEnd(expectedEnd, now int64) int64 {
	if expectedEnd == 0 {
		return forever
	}
	end := clampTime(expectedEnd)
	if end <= now {
		// Overdue jobs still hold their nodes now; assume they go soon.
		return now + 1
	}
	return end
}
