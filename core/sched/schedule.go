package sched

// Schedule runs one scheduling pass over the snapshot and returns the
// plan. It is a pure function: it reads s and o only, never modifies s,
// and returns the same plan for the same inputs. It never panics; input
// that Validate would reject is handled as described on the types (bad
// references are ignored, bad values are clamped) so that the plan stays
// safe to apply.
func Schedule(s Snapshot, o Options) Plan {
	p := newPass(&s, o)
	for _, i := range queue(&s) {
		p.consider(&s.Pending[i])
	}
	return p.plan
}

// options are Options with defaults applied and values clamped.
type options struct {
	maxJobTest    int
	backfill      bool
	window        int64
	timelineLimit int
}

func (o Options) normalized() options {
	n := options{
		maxJobTest:    o.MaxJobTest,
		backfill:      o.Backfill,
		window:        o.BackfillWindow,
		timelineLimit: o.TimelineLimit,
	}
	if n.maxJobTest <= 0 {
		n.maxJobTest = DefaultMaxJobTest
	}
	n.maxJobTest = min(n.maxJobTest, MaxJobTestLimit)
	if n.window <= 0 {
		n.window = DefaultBackfillWindow
	}
	n.window = min(n.window, timeCap)
	if n.timelineLimit <= 0 {
		n.timelineLimit = DefaultTimelineLimit
	}
	n.timelineLimit = min(n.timelineLimit, MaxTimelineLimit)
	return n
}

// pass is the state of one Schedule call.
type pass struct {
	snap      *Snapshot
	opt       options
	now       int64
	horizon   int64 // latest start time that gets a reservation
	timeline  *timeline
	partNodes [][]int
	// blocked marks partitions with a blocked job: later jobs of such a
	// partition get reason Priority. frozen marks the nodes of blocked
	// partitions. Strict FIFO starts nothing in a blocked partition or on
	// a frozen node (as Slurm's main scheduler); backfill may, and flags
	// such starts Backfilled.
	blocked []bool
	frozen  []bool
	search  searcher
	marks   nodeMarks // scratch for candidates, made on first use
	plan    Plan
}

func newPass(s *Snapshot, o Options) *pass {
	opt := o.normalized()
	now := clampTime(s.Now)
	return &pass{
		snap:      s,
		opt:       opt,
		now:       now,
		horizon:   now + opt.window,
		timeline:  newTimeline(s, now),
		partNodes: partitionNodes(s),
		blocked:   make([]bool, len(s.Partitions)),
		frozen:    make([]bool, len(s.Nodes)),
	}
}

// demand is a pending job's normalized request.
type demand struct {
	part  int
	nodes int
	// cands are the nodes the job may get, its required ones first
	// (see candidates).
	cands    []int
	required int
	req      request
	dur      int64 // seconds, or forever
}

// consider decides one job: start it now, reserve its earliest start, or
// record why not.
func (p *pass) consider(job *PendingJob) {
	d, reason := p.precheck(job)
	if reason != "" {
		p.wait(job, reason)
		return
	}
	if p.plan.Stats.StoppedAt != "" || (!p.opt.backfill && p.blocked[d.part]) {
		p.wait(job, ReasonPriority)
		return
	}
	if p.plan.Stats.Tested >= p.opt.maxJobTest {
		p.plan.Stats.StoppedAt = StoppedAtMaxJobTest
		p.wait(job, ReasonPriority)
		return
	}
	p.plan.Stats.Tested++
	if p.tryStart(job, d) {
		return
	}
	p.reserve(job, d)
}

// precheck applies the checks that need no timeline, in Slurm's order:
// partition, hold, begin time, node list, partition limits, partition
// state.
func (p *pass) precheck(job *PendingJob) (demand, Reason) {
	if job.Partition < 0 || job.Partition >= len(p.snap.Partitions) {
		return demand{}, ReasonPartitionConfig
	}
	part := &p.snap.Partitions[job.Partition]
	d := demand{
		part:  job.Partition,
		nodes: int(clampRequest(int64(job.NumNodes), 1, MaxNodes)),
		req: request{
			cpus:      clampRequest(int64(job.CPUsPerNode), 1, MaxNodeCPUs),
			memMB:     clampRequest(job.MemPerNodeMB, 0, MaxNodeMemMB),
			exclusive: job.Exclusive,
		},
		dur: effectiveLimit(job.TimeLimit, part.MaxTime),
	}
	cands, required, listOK := p.candidates(job, job.Partition)
	d.cands, d.required, d.nodes = cands, required, max(d.nodes, required)
	switch {
	case job.Held && job.UserHold:
		return d, ReasonJobHeldUser
	case job.Held:
		return d, ReasonJobHeldAdmin
	case job.EligibleTime > p.snap.Now:
		return d, ReasonBeginTime
	case !listOK:
		return d, ReasonPartitionConfig
	case part.MaxNodes > 0 && d.nodes > part.MaxNodes,
		d.nodes > len(p.partNodes[d.part]):
		return d, ReasonPartitionNodeLimit
	case d.nodes > len(d.cands):
		return d, ReasonPartitionConfig // excluded nodes leave too few
	case part.MaxTime > 0 && job.TimeLimit > part.MaxTime:
		return d, ReasonPartitionTimeLimit
	case !part.Up:
		return d, ReasonPartitionDown
	}
	return d, ""
}

// effectiveLimit is a job's time limit in seconds, or forever.
func effectiveLimit(jobLimit, partMaxTime int64) int64 {
	limit := jobLimit
	if limit <= 0 {
		limit = partMaxTime
	}
	if limit <= 0 || limit > timeCap {
		return forever
	}
	return limit
}

// endOf is when a job starting at start with duration dur ends.
func endOf(start, dur int64) int64 {
	if dur == forever {
		return forever
	}
	return start + dur
}

// tryStart starts the job now if enough nodes are free for its whole
// duration. Strict FIFO also passes over frozen nodes, so it needs its
// own scan; backfill finds starts now through reserve.
func (p *pass) tryStart(job *PendingJob, d demand) bool {
	if p.opt.backfill {
		return false
	}
	nodes := p.timeline.startNow(d.cands, d.required, d.nodes,
		endOf(p.now, d.dur), d.req, p.frozen)
	if nodes == nil {
		return false
	}
	p.start(job, d, nodes)
	return true
}

// start claims nodes from now on and records the start.
func (p *pass) start(job *PendingJob, d demand, nodes []int) {
	if !p.claim(nodes, p.now, d) {
		p.wait(job, ReasonPriority)
		return
	}
	backfilled := p.blocked[d.part]
	for _, n := range nodes {
		backfilled = backfilled || p.frozen[n]
	}
	p.plan.Starts = append(p.plan.Starts, Start{
		JobID: job.ID, Nodes: nodes, Backfilled: backfilled,
	})
}

// reserve finds the job's earliest start within the window. Under backfill
// that may be now, and the job starts; otherwise the job gets a
// reservation there and blocks its partition.
func (p *pass) reserve(job *PendingJob, d demand) {
	start, nodes, ok := p.timeline.earliest(&p.search, d.cands, d.required,
		d.nodes, d.req, d.dur, p.horizon)
	if ok && start == p.now && p.opt.backfill {
		p.start(job, d, nodes)
		return
	}
	if !ok && !p.canEverRun(d) {
		p.wait(job, ReasonPartitionConfig)
		return
	}
	reason := ReasonResources
	if p.blocked[d.part] {
		reason = ReasonPriority
	}
	p.block(d.part)
	if !ok || !p.claim(nodes, start, d) {
		p.wait(job, reason)
		return
	}
	p.plan.Pending = append(p.plan.Pending, Verdict{
		JobID: job.ID, Reason: reason, ExpectedStart: start, Nodes: nodes,
	})
}

// claim occupies nodes for the job from start on, unless that would
// exceed the timeline limit, which stops the pass instead.
func (p *pass) claim(nodes []int, start int64, d demand) bool {
	if p.timeline.added+2*len(nodes) > p.opt.timelineLimit {
		p.plan.Stats.StoppedAt = StoppedAtTimelineLimit
		return false
	}
	end := endOf(start, d.dur)
	for _, n := range nodes {
		p.timeline.occupy(n, start, end, d.req.usage())
	}
	p.plan.Stats.TimelineSegments = p.timeline.added
	return true
}

// canEverRun reports whether enough of the job's candidate nodes, its
// required ones among them, could hold it if they were idle and
// available.
func (p *pass) canEverRun(d demand) bool {
	count := 0
	for i, n := range d.cands {
		if p.timeline.fitsIdle(n, d.req) {
			count++
		} else if i < d.required {
			return false
		}
	}
	return count >= d.nodes
}

func (p *pass) block(part int) {
	if p.blocked[part] {
		return
	}
	p.blocked[part] = true
	for _, n := range p.partNodes[part] {
		p.frozen[n] = true
	}
}

func (p *pass) wait(job *PendingJob, reason Reason) {
	p.plan.Pending = append(p.plan.Pending, Verdict{JobID: job.ID, Reason: reason})
}
