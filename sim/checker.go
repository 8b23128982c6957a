package sim

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

// checker holds the invariants, checked after every event, and the
// "sometimes" counters that prove each fault and each interesting path
// happened somewhere in a sweep.
type checker struct {
	w *World

	counts map[string]int

	acks     map[ackKey]state.JobID // (client, seq) -> job the client was told
	ackIndex map[state.JobID]uint64 // acked job -> log index it was applied at
	finished map[state.JobID]bool   // jobs seen terminal by some replica (may be purged)

	leaders   map[uint64]uint64          // term -> leader id
	hashes    map[uint64][32]byte        // log index -> state hash of the first replica there
	applied   map[uint64]uint64          // controller id -> applied index at last check
	committed map[allocKey]bool          // (attempt, node) placements some replica applied
	physical  map[state.JobAttempt][]int // attempt -> nodes with live processes
	nodeUsage map[int][2]int64           // node -> cpus, mem of live processes

	applying []jobTransition           // transitions of the command being applied (daemon.go)
	adopted  map[state.JobAttempt]bool // batch attempts a restarted daemon adopted (daemon.go)
}

type ackKey struct {
	client string
	seq    uint64
}

type allocKey struct {
	job  state.JobAttempt
	node int
}

func newChecker(w *World) *checker {
	return &checker{w: w, counts: map[string]int{}, acks: map[ackKey]state.JobID{},
		ackIndex: map[state.JobID]uint64{}, finished: map[state.JobID]bool{},
		leaders: map[uint64]uint64{}, hashes: map[uint64][32]byte{}, applied: map[uint64]uint64{},
		committed: map[allocKey]bool{}, physical: map[state.JobAttempt][]int{}, nodeUsage: map[int][2]int64{},
		adopted: map[state.JobAttempt]bool{}}
}

func (c *checker) sometimes(what string) { c.counts[what]++ }

// acked records a client's answer to a submit. A retried request must name
// the job the first answer named: anything else duplicated a job.
func (c *checker) acked(client string, seq uint64, rep msg.ClientReply, attempts int) {
	if rep.Err != nil {
		c.sometimes("submit.rejected")
		return
	}
	k := ackKey{client, seq}
	if prev, ok := c.acks[k]; ok && prev != rep.Job {
		c.w.fail("request %s/%d acknowledged as job %d and as job %d", client, seq, prev, rep.Job)
	}
	c.acks[k] = rep.Job
	c.ackIndex[rep.Job] = rep.Index
	if attempts > 1 {
		c.sometimes("submit.acked_after_retry")
	}
}

// onApply is every controller's OnApply hook.
func (c *checker) onApply(id uint64) func(uint64, state.Command, state.Result, *state.Machine) {
	return func(index uint64, cmd state.Command, res state.Result, sm *state.Machine) {
		c.w.tracef("apply ctl=%d idx=%d %T%+v -> job=%d err=%v launch=%v kill=%v", id, index, cmd, cmdSummary(cmd), res.Job, res.Err, res.Launch, res.Kill)
		if c.w.rec != nil {
			c.w.rec.onApply(id, index, cmd, sm)
		}
		for _, a := range res.Launch {
			j := sm.Job(a.ID)
			for _, n := range j.Nodes {
				c.committed[allocKey{a, n}] = true
			}
			if len(j.Spec.ReqNodes) > 0 || len(j.Spec.ExcNodes) > 0 {
				c.sometimes("sched.node_list_started") // state.Check asserts the lists were honored
			}
			for old := uint32(0); old < a.Attempt; old++ {
				if held := sm.HeldBy(state.JobAttempt{ID: a.ID, Attempt: old}); len(held) > 0 {
					c.w.fail("controller %d started job %d attempt %d while attempt %d still holds nodes %v", id, a.ID, a.Attempt, old, held)
				}
			}
		}
		switch cmd := cmd.(type) {
		case state.Register:
			c.writtenOff(cmd, sm, c.applying)
		case state.ProcEnded:
			if res.Err == nil {
				c.adoptedEnded(cmd, sm)
			}
		}
		c.applying = c.applying[:0]
		if res.Skipped > 0 {
			c.sometimes("sched.stale_placement_skipped")
		}
		if s, ok := cmd.(state.Submit); ok && res.Err == nil && sm.Job(res.Job).SubmitTime != s.Time {
			c.sometimes("submit.deduplicated")
		}
		if index%8 == 0 {
			h := sm.Hash()
			if prev, ok := c.hashes[index]; ok {
				c.sometimes("check.hash_compared")
				if prev != h {
					c.w.fail("controller %d state at index %d differs from another replica's", id, index)
				}
			} else {
				c.hashes[index] = h
			}
		}
	}
}

// onTransition is every controller's OnJobTransition hook.
func (c *checker) onTransition(id state.JobID, from, to state.JobState) {
	if !state.LegalTransition(from, to) {
		c.w.fail("job %d: illegal transition %v -> %v", id, from, to)
	}
	c.sometimes("job." + from.String() + "->" + to.String())
	c.applying = append(c.applying, jobTransition{id, from, to})
	if to.Terminal() {
		c.finished[id] = true
	}
}

// afterController checks a controller after each event it handled.
func (c *checker) afterController(p *ctlProc) {
	if !p.up || p.c == nil {
		return
	}
	st := p.c.Status()
	term := st.HardState.GetTerm()
	if p.c.LeaderReady() || st.RaftState.String() == "StateLeader" {
		if prev, ok := c.leaders[term]; ok && prev != p.id {
			c.w.fail("two leaders in term %d: %d and %d", term, prev, p.id)
		}
		if _, ok := c.leaders[term]; !ok && len(c.leaders) > 0 {
			c.sometimes("raft.leader_change")
		}
		c.leaders[term] = p.id
	}
	applied := p.c.AppliedIndex()
	if c.applied[p.id] == applied {
		return
	}
	c.applied[p.id] = applied
	sm := p.c.State()
	if err := sm.Check(); err != nil {
		c.w.fail("controller %d at index %d: %v", p.id, applied, err)
		return
	}
	var lost []state.JobID
	for job, idx := range c.ackIndex {
		if idx <= applied && sm.Job(job) == nil && !c.finished[job] {
			lost = append(lost, job)
		}
	}
	if len(lost) > 0 {
		slices.Sort(lost) // report deterministically, whatever the map order
		c.w.fail("controller %d at index %d lost acknowledged jobs %v", p.id, applied, lost)
	}
}

// procStart checks a job process start on a node against what was
// committed: the placement must be in some replica's applied log, the node
// must have room, and no other run of the job may still be alive unless the
// committed state wrote it off (its node went down or rebooted).
func (c *checker) procStart(p *nodeProc, l msg.Launch) {
	if !c.committed[allocKey{l.Job, p.idx}] {
		c.w.fail("node %s started %v, a placement no replica applied", p.name, l.Job)
	}
	u := c.nodeUsage[p.idx]
	u[0] += int64(l.CPUs)
	u[1] += l.MemMB
	c.nodeUsage[p.idx] = u
	if u[0] > int64(p.cfg.CPUs) || u[1] > p.cfg.MemMB {
		c.w.fail("node %s over-allocated by processes: cpus %d/%d mem %d/%d", p.name, u[0], p.cfg.CPUs, u[1], p.cfg.MemMB)
	}
	if slices.Contains(c.physical[l.Job], p.idx) {
		c.w.fail("job %v started twice on node %s", l.Job, p.name)
	}
	// An earlier attempt may still run physically only as a zombie on a
	// node the committed state wrote off (down or rebooted) before this
	// attempt was placed; onApply checks the placement itself. Zombies are
	// killed when their node comes back.
	for att := uint32(0); att < l.Job.Attempt; att++ {
		if len(c.physical[state.JobAttempt{ID: l.Job.ID, Attempt: att}]) > 0 {
			c.sometimes("job.zombie_concurrent_with_requeue")
		}
	}
	c.physical[l.Job] = append(c.physical[l.Job], p.idx)
}

func (c *checker) procGone(p *nodeProc, j state.JobAttempt) {
	sp := p.procs[j]
	if sp != nil {
		u := c.nodeUsage[p.idx]
		u[0] -= int64(sp.cpus)
		u[1] -= sp.mem
		c.nodeUsage[p.idx] = u
	}
	c.physical[j] = slices.DeleteFunc(c.physical[j], func(n int) bool { return n == p.idx })
	if len(c.physical[j]) == 0 {
		delete(c.physical, j)
	}
}

func (c *checker) afterAgent(p *nodeProc) {
	if p.a != nil && p.a.Stats().Overcommit > 0 {
		c.w.fail("node %s was asked to overcommit", p.name)
	}
	if p.a != nil && p.a.Stats().StaleIncarnation > p.staleIncSeen {
		p.staleIncSeen = p.a.Stats().StaleIncarnation
		c.sometimes("agent.refused_stale_incarnation")
	}
	if p.a != nil && p.a.Stats().StaleTerm > p.staleSeen {
		p.staleSeen = p.a.Stats().StaleTerm
		c.sometimes("agent.refused_stale_term")
	}
}

// heldJobs lists pending held jobs in the most advanced replica's state.
func (c *checker) heldJobs() []state.JobID {
	var out []state.JobID
	if best := c.w.mostAdvanced(); best != nil {
		best.c.State().Jobs(func(j *state.Job) bool {
			if j.State == state.JobPending && j.Spec.Hold {
				out = append(out, j.ID)
			}
			return true
		})
	}
	return out
}

// unfinished lists acknowledged jobs not yet terminal in the most advanced
// replica's state, sorted.
func (c *checker) unfinished() []state.JobID {
	best := c.w.mostAdvanced()
	var out []state.JobID
	for id := range c.ackIndex {
		if c.finished[id] {
			continue
		}
		if best == nil {
			out = append(out, id)
			continue
		}
		if j := best.c.State().Job(id); j == nil || !j.State.Terminal() {
			out = append(out, id)
		}
	}
	slices.SortFunc(out, func(a, b state.JobID) int { return cmp.Compare(a, b) })
	return out
}

// mostAdvanced is the live controller with the highest applied index.
func (w *World) mostAdvanced() *ctlProc {
	var best *ctlProc
	for _, p := range w.ctls {
		if p.up && (best == nil || p.c.AppliedIndex() > best.c.AppliedIndex()) {
			best = p
		}
	}
	return best
}

// cmdSummary keeps trace lines short: a submit's spec is mostly noise.
func cmdSummary(cmd state.Command) any {
	if s, ok := cmd.(state.Submit); ok {
		return struct {
			Client string
			Seq    uint64
			Nodes  int
		}{s.Client, s.Seq, s.Spec.NumNodes}
	}
	if u, ok := cmd.(state.Update); ok {
		// Print values, never the pointers: addresses differ per process.
		var b strings.Builder
		fmt.Fprintf(&b, "{ID:%d Time:%d UID:%d", u.ID, u.Time, u.UID)
		field := func(name string, p any) {
			if v := reflect.ValueOf(p); !v.IsNil() {
				fmt.Fprintf(&b, " %s:%v", name, v.Elem().Interface())
			}
		}
		field("TimeLimit", u.TimeLimit)
		field("Priority", u.Priority)
		field("Nice", u.Nice)
		field("Name", u.Name)
		field("Partition", u.Partition)
		field("NumNodes", u.NumNodes)
		field("Hold", u.Hold)
		return b.String() + "}"
	}
	return cmd
}

// controllerDone collects counters from a controller about to go away.
func (c *checker) controllerDone(p *ctlProc) {
	if p.c != nil && p.c.Stats().SnapshotsSent > 0 {
		c.sometimes("raft.snapshot_sent")
	}
}
