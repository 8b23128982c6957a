package sched

// Required and excluded nodes (sbatch -w and -x) narrow the nodes a job
// may get. The pass expresses both as one candidate list per job: the
// required nodes first, then the partition's other usable nodes in
// preference order, without the excluded ones. The searches then need
// only one more rule, that the first `required` candidates must all be
// chosen.

// nodeMarks are scratch marks per node, reset after every use.
type nodeMarks []uint8

const (
	markRequired uint8 = 1 << iota
	markExcluded
	markSeen
)

// candidates returns the nodes job may get in partition part and how many
// of them, at the front, it requires. ok is false if a required node is
// out of range, outside the partition, or also excluded: then the job can
// never run as asked. Jobs without a node list get the partition's list
// itself, not a copy.
func (p *pass) candidates(job *PendingJob, part int) (cands []int, required int, ok bool) {
	base := p.partNodes[part]
	if len(job.ReqNodes) == 0 && len(job.ExcNodes) == 0 {
		return base, 0, true
	}
	if p.marks == nil {
		p.marks = make(nodeMarks, len(p.snap.Nodes))
	}
	m := p.marks
	defer m.clear(job)
	ok = true
	for _, n := range job.ReqNodes {
		if n < 0 || n >= len(m) {
			ok = false
			continue
		}
		m[n] |= markRequired
	}
	for _, n := range job.ExcNodes {
		if n >= 0 && n < len(m) {
			if m[n]&markRequired != 0 {
				ok = false
			}
			m[n] |= markExcluded
		}
	}
	// Required nodes in partition order, so the choice among equal
	// nodes stays the partition's preference; each counted once.
	for _, n := range base {
		if m[n]&markRequired != 0 && m[n]&markSeen == 0 {
			m[n] |= markSeen
			cands = append(cands, n)
		}
	}
	required = len(cands)
	for _, n := range job.ReqNodes {
		if n >= 0 && n < len(m) && m[n]&markSeen == 0 {
			ok = false // required, but not a node of this partition
		}
	}
	for _, n := range base {
		if m[n] == 0 {
			cands = append(cands, n)
		}
	}
	return cands, required, ok
}

// clear resets the marks job's lists set.
func (m nodeMarks) clear(job *PendingJob) {
	for _, list := range [2][]int{job.ReqNodes, job.ExcNodes} {
		for _, n := range list {
			if n >= 0 && n < len(m) {
				m[n] = 0
			}
		}
	}
}
