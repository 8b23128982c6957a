package sim

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/core/controller"
	"github.com/flurm/flurm/core/hostlist"
	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

// Script drives a world step by step for the scenario files in
// scenarios/: no random faults, only the ones a scenario asks for. The
// invariant checker still runs after every event.
type Script struct {
	w       *World
	pending map[*client][]uint64 // requests issued without waiting
}

// Arg is one key=value argument of a scenario command.
type Arg struct {
	Key  string
	Vals []string
}

// ScriptOptions are the fixed options a scenario's cluster starts from.
func ScriptOptions(controllers, nodes int) Options {
	return Options{
		Seed: 1, Controllers: controllers, Nodes: nodes, Clients: 2,
		MinDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond,
		TickInterval: 100 * time.Millisecond, ElectionTicks: 10,
		HeartbeatEvery: 5 * time.Second, NodeTimeout: 30 * time.Second, KillWait: 5 * time.Second,
		SchedInterval: time.Second, SnapshotEvery: 50, ReturnToService: 1, JobRequeue: true,
		Backfill: true, DiskLatency: time.Millisecond, LivenessDeadline: time.Hour,
	}
}

// Exec runs one scenario command and returns what it prints.
func (s *Script) Exec(cmd string, args []Arg, input string) (string, error) {
	if s.w == nil && cmd != "cluster" {
		return "", fmt.Errorf("the first command must be cluster")
	}
	a := argMap(args)
	var out string
	var err error
	switch cmd {
	case "cluster":
		out, err = s.cluster(a, input)
	case "start":
		out, err = s.start(a)
	case "stabilize":
		out, err = s.stabilize(a)
	case "submit":
		out, err = s.submit(a)
	case "wait":
		out, err = s.waitAnswers(a)
	case "cancel", "requeue", "update", "drain", "resume":
		out, err = s.jobOrNodeOp(cmd, a)
	case "crash":
		out, err = s.crash(a)
	case "restart":
		out, err = s.restart(a)
	case "stop-daemon", "restart-daemon":
		out, err = s.daemon(cmd, a)
	case "partition":
		out, err = s.partition(a)
	case "heal":
		s.w.net.heal()
		out = "healed"
	case "tick":
		out, err = s.tick(a)
	case "run":
		out, err = s.runUntil(a)
	case "clock":
		out, err = s.clock(a)
	case "show":
		out, err = s.show(a)
	case "check":
		out, err = s.checkNow()
	default:
		return "", fmt.Errorf("unknown command %q", cmd)
	}
	if err == nil && s.w.failure != nil {
		err = s.w.failure
	}
	return out, err
}

type argSet map[string][]string

func argMap(args []Arg) argSet {
	m := argSet{}
	for _, a := range args {
		m[a.Key] = a.Vals
	}
	return m
}

func (a argSet) str(k, def string) string {
	if v, ok := a[k]; ok && len(v) > 0 {
		return v[0]
	}
	return def
}

func (a argSet) has(k string) bool { _, ok := a[k]; return ok }

func (a argSet) int(k string, def int) (int, error) {
	v := a.str(k, "")
	if v == "" {
		return def, nil
	}
	return strconv.Atoi(v)
}

func (a argSet) dur(k string, def time.Duration) (time.Duration, error) {
	v := a.str(k, "")
	if v == "" {
		return def, nil
	}
	return time.ParseDuration(v)
}

// cluster builds the world: from the slurm.conf in the command's input,
// or from controllers=/nodes=/cpus=/mem= arguments.
func (s *Script) cluster(a argSet, input string) (string, error) {
	ctls, err := a.int("controllers", 3)
	if err != nil {
		return "", err
	}
	var cl state.Cluster
	if strings.TrimSpace(input) != "" {
		c, err := conf.ParseBytes("slurm.conf", []byte(input), nil)
		if err != nil {
			return "", err
		}
		if cl, err = controller.ClusterFromConf(c, 64030); err != nil {
			return "", err
		}
	} else {
		n, _ := a.int("nodes", 4)
		cpus, _ := a.int("cpus", 8)
		mem, _ := a.int("mem", 16000)
		cl = state.Cluster{Options: state.Options{MaxJobCount: 10000, JobRequeue: true, MinJobAge: 3600, SlurmUID: 64030, ReturnToService: 1}}
		var all []int
		for i := 0; i < n; i++ {
			cl.Nodes = append(cl.Nodes, state.NodeConfig{Name: fmt.Sprintf("n%d", i+1), CPUs: cpus, MemMB: int64(mem)})
			all = append(all, i)
		}
		cl.Partitions = []state.Partition{{Name: "batch", Nodes: all, Default: true, State: state.PartitionUp, MaxTime: 86400}}
	}
	o := ScriptOptions(ctls, len(cl.Nodes))
	if o.NodeTimeout, err = a.dur("nodetimeout", o.NodeTimeout); err != nil {
		return "", err
	}
	if v := a.str("backfill", ""); v != "" {
		o.Backfill = v == "true"
	}
	if v, err := a.int("rts", -1); err == nil && v >= 0 {
		cl.Options.ReturnToService, o.ReturnToService = v, v
	}
	if v, err := a.int("snapshot", 0); err == nil && v > 0 {
		o.SnapshotEvery = uint64(v)
	}
	s.w = build(o, cl, nil)
	s.pending = map[*client][]uint64{}
	for _, c := range s.w.client {
		c.answers = map[uint64]msg.ClientReply{}
	}
	return fmt.Sprintf("%d controllers, %d nodes, %d partitions", ctls, len(cl.Nodes), len(cl.Partitions)), nil
}

// start boots processes: all of them, or ctl=ID / node=NAME.
func (s *Script) start(a argSet) (string, error) {
	var started []string
	for _, p := range s.w.ctls {
		if !p.up && (a.str("ctl", "") == strconv.Itoa(int(p.id)) || (!a.has("ctl") && !a.has("node"))) {
			p.start()
			started = append(started, string(p.addr()))
		}
	}
	for _, p := range s.w.nodes {
		if !p.up && (slices.Contains(a["node"], p.name) || (!a.has("ctl") && !a.has("node"))) {
			p.start()
			started = append(started, string(p.addr()))
		}
	}
	return "started " + strings.Join(started, " "), nil
}

// step runs events until cond holds or the time limit passes.
func (s *Script) step(limit time.Duration, cond func() bool) bool {
	end := s.w.q.now + dur(limit)
	for s.w.failure == nil {
		if cond() {
			return true
		}
		if !s.w.q.step(end) {
			s.w.q.now = max(s.w.q.now, end)
			return cond()
		}
	}
	return false
}

// stabilize runs until one controller leads and every live node is
// registered and up in its state.
func (s *Script) stabilize(a argSet) (string, error) {
	limit, err := a.dur("limit", time.Minute)
	if err != nil {
		return "", err
	}
	ok := s.step(limit, func() bool {
		l := s.w.leader()
		if l == nil || l.c.AppliedIndex() < l.c.Status().HardState.GetCommit() {
			return false
		}
		for i, n := range l.c.State().Nodes() {
			if s.w.nodes[i].up && !n.Available() && !n.Drain {
				return false
			}
		}
		return true
	})
	if !ok {
		return "", fmt.Errorf("not stable after %v", limit)
	}
	l := s.w.leader()
	return fmt.Sprintf("leader %s", l.addr()), nil
}

// leader is the controller that leads and has applied an entry of its term.
func (w *World) leader() *ctlProc {
	for _, p := range w.ctls {
		if p.up && p.c.LeaderReady() {
			return p
		}
	}
	return nil
}

func (s *Script) clientFor(a argSet) *client {
	if a.str("user", "") == "root" {
		return s.w.client[0]
	}
	return s.w.client[1]
}

// submit sends count (default 1) jobs. Without async it waits for the answers.
func (s *Script) submit(a argSet) (string, error) {
	count, err := a.int("count", 1)
	if err != nil || count < 1 || count > 10000 {
		return "", fmt.Errorf("bad count")
	}
	spec := state.JobSpec{Name: a.str("name", "job"), Partition: a.str("part", "")}
	ints := map[string]*int{"nodes": &spec.NumNodes, "tasks": &spec.NumTasks, "cpus": &spec.CPUsPerTask}
	for k, p := range ints {
		if *p, err = a.int(k, 0); err != nil {
			return "", fmt.Errorf("%s: %v", k, err)
		}
	}
	mem, err := a.int("mem", 0)
	if err != nil {
		return "", err
	}
	spec.MemPerNode = int64(mem)
	limit, err := a.dur("time", 0)
	if err != nil {
		return "", err
	}
	spec.TimeLimit = int64(limit / time.Second)
	run, err := a.dur("run", time.Minute)
	if err != nil {
		return "", err
	}
	exit, _ := a.int("exit", 0)
	spec.Script = fmt.Sprintf("#!sim run=%d exit=%d", int64(run/time.Second), exit)
	spec.Requeue, spec.Hold, spec.Exclusive = a.str("requeue", "true") == "true", a.has("hold"), a.has("exclusive")
	// dep=afterok:1 or dep=(afterok:1,after:2): sbatch --dependency syntax;
	// a list is joined with "," (all of), "?" inside a value means any of.
	if deps, ok := a["dep"]; ok {
		if spec.Dependencies, spec.DependAny, err = state.ParseDependency(strings.Join(deps, ",")); err != nil {
			return "", fmt.Errorf("dep: %v", err)
		}
	}
	// array=1-4 or array=(1,3,5-7): sbatch --array syntax; each submit
	// creates one job per task.
	if tasks, ok := a["array"]; ok {
		if spec.ArrayTasks, err = state.ParseArray(strings.Join(tasks, ","), state.DefaultMaxArraySize); err != nil {
			return "", fmt.Errorf("array: %v", err)
		}
	}
	// w=n[1-2] and x=n3: sbatch --nodelist and --exclude.
	if spec.ReqNodes, err = s.nodeList(a.str("w", "")); err != nil {
		return "", fmt.Errorf("w: %v", err)
	}
	if spec.ExcNodes, err = s.nodeList(a.str("x", "")); err != nil {
		return "", fmt.Errorf("x: %v", err)
	}
	c := s.clientFor(a)
	var seqs []uint64
	for i := 0; i < count; i++ {
		seqs = append(seqs, c.issue(msg.OpSubmit{Spec: spec}, false))
	}
	if a.has("async") {
		s.pending[c] = append(s.pending[c], seqs...)
		return fmt.Sprintf("sent %d", count), nil
	}
	return s.await(c, seqs)
}

// await runs until every request is answered and prints the answers.
func (s *Script) await(c *client, seqs []uint64) (string, error) {
	s.step(10*time.Minute, func() bool {
		for _, q := range seqs {
			if _, ok := c.answers[q]; !ok {
				return false
			}
		}
		return true
	})
	var lines []string
	for _, q := range seqs {
		rep, ok := c.answers[q]
		switch {
		case !ok:
			lines = append(lines, "no answer")
		case rep.Err != nil:
			lines = append(lines, "error: "+rep.Err.Error())
		case rep.Job != 0:
			lines = append(lines, fmt.Sprintf("job %d", rep.Job))
		default:
			lines = append(lines, "ok")
		}
	}
	return compact(lines), nil
}

// compact joins answer lines, folding runs like "job 1".."job 20". Jobs
// get ids in commit order, which need not be the order requests were sent,
// so lines are sorted first.
func compact(lines []string) string {
	sort.SliceStable(lines, func(i, j int) bool {
		var a, b int
		_, errA := fmt.Sscanf(lines[i], "job %d", &a)
		_, errB := fmt.Sscanf(lines[j], "job %d", &b)
		return errA == nil && errB == nil && a < b
	})
	var out []string
	for i := 0; i < len(lines); {
		j := i
		var first, last int
		if _, err := fmt.Sscanf(lines[i], "job %d", &first); err == nil {
			last = first
			for j+1 < len(lines) {
				var n int
				if _, err := fmt.Sscanf(lines[j+1], "job %d", &n); err != nil || n != last+1 {
					break
				}
				last = n
				j++
			}
		}
		if j > i {
			out = append(out, fmt.Sprintf("jobs %d-%d", first, last))
		} else {
			out = append(out, lines[i])
		}
		i = j + 1
	}
	return strings.Join(out, "\n")
}

// waitAnswers waits for requests sent with async.
func (s *Script) waitAnswers(a argSet) (string, error) {
	var out []string
	for _, c := range s.w.client {
		if len(s.pending[c]) == 0 {
			continue
		}
		res, err := s.await(c, s.pending[c])
		if err != nil {
			return "", err
		}
		out = append(out, res)
		delete(s.pending, c)
	}
	return strings.Join(out, "\n"), nil
}

func (s *Script) jobOrNodeOp(cmd string, a argSet) (string, error) {
	id, _ := a.int("job", 0)
	var op msg.Op
	switch cmd {
	case "cancel":
		op = msg.OpCancel{ID: state.JobID(id), Array: a.has("array")}
	case "requeue":
		op = msg.OpRequeue{ID: state.JobID(id)}
	case "update":
		u := msg.OpUpdate{ID: state.JobID(id)}
		if a.has("time") {
			d, err := a.dur("time", 0)
			if err != nil {
				return "", err
			}
			v := int64(d / time.Second)
			u.TimeLimit = &v
		}
		if a.has("hold") {
			v := a.str("hold", "true") == "true"
			u.Hold = &v
		}
		if a.has("nodes") {
			v, err := a.int("nodes", 1)
			if err != nil {
				return "", err
			}
			u.NumNodes = &v
		}
		op = u
	case "drain":
		op = msg.OpNodeAdmin{Node: a.str("node", ""), Op: state.NodeDrain, Reason: a.str("reason", "")}
	case "resume":
		op = msg.OpNodeAdmin{Node: a.str("node", ""), Op: state.NodeResume}
	}
	c := s.clientFor(a)
	return s.await(c, []uint64{c.issue(op, false)})
}

// target finds ctl=ID|leader|follower or node=NAME.
func (s *Script) target(a argSet) (*ctlProc, *nodeProc, error) {
	if v := a.str("ctl", ""); v != "" {
		switch v {
		case "leader":
			if l := s.w.leader(); l != nil {
				return l, nil, nil
			}
			return nil, nil, fmt.Errorf("no leader")
		case "follower":
			for _, p := range s.w.ctls {
				if p.up && !p.c.LeaderReady() {
					return p, nil, nil
				}
			}
			return nil, nil, fmt.Errorf("no follower")
		}
		for _, p := range s.w.ctls {
			if strconv.Itoa(int(p.id)) == v {
				return p, nil, nil
			}
		}
		return nil, nil, fmt.Errorf("no controller %s", v)
	}
	for _, p := range s.w.nodes {
		if p.name == a.str("node", "") {
			return nil, p, nil
		}
	}
	return nil, nil, fmt.Errorf("crash/restart needs ctl= or node=")
}

func (s *Script) crash(a argSet) (string, error) {
	c, n, err := s.target(a)
	if err != nil {
		return "", err
	}
	if c != nil {
		c.crash()
		return fmt.Sprintf("crashed %s", c.addr()), nil
	}
	n.crash()
	return fmt.Sprintf("crashed %s", n.addr()), nil
}

func (s *Script) restart(a argSet) (string, error) {
	c, n, err := s.target(a)
	if err != nil {
		return "", err
	}
	if c != nil {
		c.start()
		return fmt.Sprintf("restarted %s at applied index %d", c.addr(), c.c.AppliedIndex()), nil
	}
	n.start()
	return fmt.Sprintf("restarted %s", n.addr()), nil
}

// daemon stops a node's agent daemon alone (stop-daemon node=NAME; its
// jobs keep running; start or restart brings it back) or stops it if it
// runs and starts it (restart-daemon node=NAME): the new daemon adopts the
// jobs. exits=first|last pins whether the exits of scripts that already
// ended reach the new agent before or after its first tick.
func (s *Script) daemon(cmd string, a argSet) (string, error) {
	_, n, err := s.target(a)
	if err != nil || n == nil {
		return "", fmt.Errorf("%s needs node=NAME", cmd)
	}
	if !n.booted {
		return "", fmt.Errorf("node %s is down", n.name)
	}
	if cmd == "stop-daemon" {
		n.stopDaemon()
		return fmt.Sprintf("stopped the daemon of %s; %d attempts still run", n.addr(), len(n.procs)), nil
	}
	switch order := a.str("exits", ""); order {
	case "", "first", "last":
		n.exitsOrder = order
	default:
		return "", fmt.Errorf("exits=first|last")
	}
	n.stopDaemon()
	recorded := len(n.records)
	n.restartDaemon()
	return fmt.Sprintf("restarted the daemon of %s; it adopted %d attempts", n.addr(), recorded), nil
}

// partition cuts side a= from everything else (or from b=); oneway cuts
// only the a -> rest direction. "leader" names the current leader.
func (s *Script) partition(a argSet) (string, error) {
	var side []msg.Addr
	for _, v := range a["a"] {
		if v == "leader" {
			if l := s.w.leader(); l != nil {
				v = string(l.addr())
			}
		}
		side = append(side, msg.Addr(v))
	}
	var rest []msg.Addr
	for _, addr := range s.w.order {
		if !slices.Contains(side, addr) && !strings.HasPrefix(string(addr), "client/") {
			rest = append(rest, addr)
		}
	}
	s.w.net.partition(side, rest, !a.has("oneway"))
	return fmt.Sprintf("cut %v from the rest (oneway=%v)", side, a.has("oneway")), nil
}

func (s *Script) tick(a argSet) (string, error) {
	d, err := a.dur("for", time.Second)
	if err != nil {
		return "", err
	}
	s.step(d, func() bool { return false })
	return fmt.Sprintf("t=%v", time.Duration(s.w.q.now).Round(time.Millisecond)), nil
}

// runUntil runs until every acknowledged job is finished (jobs-done) or a
// limit passes.
func (s *Script) runUntil(a argSet) (string, error) {
	limit, err := a.dur("limit", time.Hour)
	if err != nil {
		return "", err
	}
	start := s.w.q.now
	ok := s.step(limit, func() bool { return len(s.w.check.unfinished()) == 0 })
	took := time.Duration(s.w.q.now - start).Round(time.Second)
	if !ok {
		return fmt.Sprintf("unfinished after %v: %v", took, s.w.check.unfinished()), nil
	}
	return fmt.Sprintf("all jobs finished within %v", took.Round(time.Minute)), nil
}

func (s *Script) clock(a argSet) (string, error) {
	c, n, err := s.target(a)
	if err != nil {
		return "", err
	}
	d, err := a.dur("jump", 0)
	if err != nil {
		return "", err
	}
	if c != nil {
		c.clk.offset += int64(d)
	} else {
		n.clk.offset += int64(d)
	}
	return fmt.Sprintf("clock moved %v", d), nil
}

// show prints the most advanced replica's jobs, nodes or the leader.
func (s *Script) show(a argSet) (string, error) {
	best := s.w.mostAdvanced()
	if best == nil {
		return "", fmt.Errorf("no controller is up")
	}
	sm := best.c.State()
	var b strings.Builder
	switch a.str("what", "jobs") {
	case "jobs":
		sm.Jobs(func(j *state.Job) bool {
			fmt.Fprintf(&b, "job %d %s", j.ID, j.State)
			if j.IsArrayTask() {
				fmt.Fprintf(&b, " array=%d_%d", j.ArrayJobID, j.ArrayTaskID)
			}
			if len(j.Nodes) > 0 {
				fmt.Fprintf(&b, " nodes=%s", nodeNames(sm, j.Nodes))
			}
			if j.Attempt > 0 {
				fmt.Fprintf(&b, " restarts=%d", j.Attempt)
			}
			if j.State == state.JobPending {
				if r, start, ok := best.c.PendingReason(j.ID); ok {
					fmt.Fprintf(&b, " reason=%s", r)
					if start > 0 {
						fmt.Fprintf(&b, " start=+%ds", start-(epoch+s.w.q.now)/1e9)
					}
				}
			}
			if j.State.Terminal() {
				fmt.Fprintf(&b, " exit=%d:%d", j.ExitCode, j.Signal)
			}
			if j.Reason != "" {
				fmt.Fprintf(&b, " why=%s", j.Reason)
			}
			b.WriteByte('\n')
			return true
		})
	case "nodes":
		for _, n := range sm.Nodes() {
			cpus, _ := n.AllocCPUs()
			st := "IDLE"
			switch {
			case !n.Registered:
				st = "UNKNOWN"
			case n.Down:
				st = "DOWN"
			case cpus == n.CPUs:
				st = "ALLOCATED"
			case cpus > 0:
				st = "MIXED"
			}
			if n.Drain {
				st += "+DRAIN"
			}
			fmt.Fprintf(&b, "node %s %s cpus=%d/%d", n.Name, st, cpus, n.CPUs)
			if n.Reason != "" {
				fmt.Fprintf(&b, " reason=%q", n.Reason)
			}
			b.WriteByte('\n')
		}
	case "replicas":
		for _, p := range s.w.ctls {
			if !p.up {
				fmt.Fprintf(&b, "%s down\n", p.addr())
				continue
			}
			st := p.c.Status()
			fmt.Fprintf(&b, "%s %s term=%d applied=%d snapshots_restored=%d\n", p.addr(), st.RaftState,
				st.HardState.GetTerm(), p.c.AppliedIndex(), p.c.Stats().SnapshotsRestored)
		}
	case "leader":
		l := s.w.leader()
		if l == nil {
			return "no leader", nil
		}
		fmt.Fprintf(&b, "leader %s term %d", l.addr(), l.c.Status().HardState.GetTerm())
	default:
		return "", fmt.Errorf("show what=jobs|nodes|leader|replicas")
	}
	return strings.TrimRight(b.String(), "\n"), nil
}

func nodeNames(sm *state.Machine, idx []int) string {
	var names []string
	for _, i := range idx {
		names = append(names, sm.Nodes()[i].Name)
	}
	return strings.Join(names, ",")
}

// checkNow reports the invariants' verdict and the replicas' agreement.
func (s *Script) checkNow() (string, error) {
	if s.w.failure != nil {
		return "", s.w.failure
	}
	var lines []string
	var applied []uint64
	for _, p := range s.w.ctls {
		if p.up {
			applied = append(applied, p.c.AppliedIndex())
		}
	}
	sort.Slice(applied, func(i, j int) bool { return applied[i] < applied[j] })
	lines = append(lines, fmt.Sprintf("invariants hold; %d acknowledged jobs, none lost", len(s.w.check.ackIndex)))
	if len(applied) > 0 && applied[0] == applied[len(applied)-1] {
		lines = append(lines, "live replicas agree")
	}
	return strings.Join(lines, "\n"), nil
}

// nodeList resolves a host list of the world's node names to sorted node
// indexes, as the wire layer does for sbatch -w and -x.
func (s *Script) nodeList(expr string) ([]int, error) {
	if expr == "" {
		return nil, nil
	}
	names, err := hostlist.Expand(expr)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, name := range names {
		i := slices.IndexFunc(s.w.nodes, func(p *nodeProc) bool { return p.name == name })
		if i < 0 {
			return nil, fmt.Errorf("no node %q", name)
		}
		out = append(out, i)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
