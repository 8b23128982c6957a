package nodeagent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/flurm/flurm/core/agent"
	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/peerwire"
)

// Executor runs batch scripts (io/jobexec through BatchExecutor).
type Executor interface {
	// Start runs the batch script of l. An error means nothing runs.
	Start(l msg.Launch) error
	// Signal signals every process of the attempt; gone is not an error.
	Signal(j state.JobAttempt, sig syscall.Signal) error
	// Notify has the attempt's script output end with line once the
	// script is done (why the controller ended it); gone is not an error.
	Notify(j state.JobAttempt, line string) error
	// Recover lists the attempts started by a previous process that still
	// run. Every attempt ever started, recovered or not, yields exactly
	// one exit on Exits until it is forgotten.
	Recover() ([]state.JobAttempt, error)
	Exits() <-chan agent.ProcExit
	// Forget drops the executor's record of an ended attempt.
	Forget(j state.JobAttempt) error
}

// Steps reaches the srun job steps running on this node (io/taskd).
type Steps interface {
	SignalJob(jobID uint32, sig syscall.Signal)
	EndJob(jobID uint32)
}

// Options configure a Runtime.
type Options struct {
	Agent       agent.Config      // Controllers is filled from Controllers
	Controllers map[uint64]string // Raft id → host:port of its peer listener
	Sealer      peerwire.Sealer
	Exec        Executor
	Steps       Steps  // nil: no srun steps on this node
	SpoolDir    string // launch records (records.go)
	Logger      *slog.Logger
	// LostExitWait is how long a recovered batch attempt may go without an
	// exit from the executor before it is reported killed; 0 means 10 s.
	LostExitWait time.Duration
}

// Runtime hosts one node agent. See the package documentation.
type Runtime struct {
	opts    Options
	log     *slog.Logger
	a       *agent.Agent
	links   map[msg.Addr]*link
	records *records
	inbox   chan func()
	timer   *time.Timer
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	done    chan struct{}

	// Owned by the loop.
	allocs   map[state.JobAttempt]bool // allocation-only attempts (no script)
	recorded []state.JobAttempt        // attempts with a launch record
	later    []agent.ProcExit          // exits decided inside the loop, handled next
}

// Start recovers surviving jobs, connects to the controllers and starts
// the event loop.
func Start(opts Options) (*Runtime, error) {
	if opts.Exec == nil || opts.Sealer == nil || len(opts.Controllers) == 0 {
		return nil, errors.New("nodeagent: Exec, Sealer and Controllers are required")
	}
	if opts.LostExitWait <= 0 {
		opts.LostExitWait = 10 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	recs, err := openRecords(opts.SpoolDir)
	if err != nil {
		return nil, err
	}
	ids := make([]uint64, 0, len(opts.Controllers))
	for id := range opts.Controllers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	cfg := opts.Agent
	cfg.Controllers = nil
	for _, id := range ids {
		cfg.Controllers = append(cfg.Controllers, msg.ControllerAddr(id))
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Runtime{opts: opts, log: log, a: agent.New(cfg), links: map[msg.Addr]*link{}, records: recs,
		inbox: make(chan func(), 1024), cancel: cancel, done: make(chan struct{}),
		allocs: map[state.JobAttempt]bool{}}
	if err := r.recover(); err != nil {
		cancel()
		return nil, err
	}
	self := msg.NodeAddr(cfg.Name)
	for _, id := range ids {
		l := &link{addr: msg.ControllerAddr(id), hostPort: opts.Controllers[id], self: self, sealer: opts.Sealer,
			deliver: r.deliverMsg, log: log, queue: make(chan msg.Message, linkQueueMsgs),
			onUp: func() { r.post(func() { r.handle(agent.Resync{}) }) }}
		r.links[l.addr] = l
		r.wg.Add(1)
		go func() { defer r.wg.Done(); l.run(ctx) }()
	}
	r.timer = time.NewTimer(0)
	r.wg.Add(1)
	go func() { defer r.wg.Done(); r.loop(ctx) }()
	return r, nil
}

// recover adopts the attempts a previous flurmnd left behind. Batch
// attempts report their exit through the executor; allocations (and the
// other nodes of batch jobs) hold their resources until the controller
// ends them, as before the restart.
func (r *Runtime) recover() error {
	running, err := r.opts.Exec.Recover()
	if err != nil {
		r.log.Error("recovering running jobs", "err", err) // what was recovered still counts
	}
	launches, err := r.records.load()
	if err != nil {
		return err
	}
	for _, l := range launches {
		r.a.Adopt(l)
		r.recorded = append(r.recorded, l.Job)
		switch {
		case !runsScript(l, r.a.Name()):
			// An allocation is a hold, not a process: it survives. Its
			// srun steps did not (they were flurmnd's children); the job
			// and its batch script on another node go on.
			r.allocs[l.Job] = true
			r.log.Info("adopted allocation", "job", l.Job.ID, "attempt", l.Job.Attempt)
		case slices.Contains(running, l.Job):
			r.log.Info("adopted running job", "job", l.Job.ID, "attempt", l.Job.Attempt)
		default:
			// Finished while flurmnd was down, or lost: the executor
			// reports it; if it never does, the attempt is written off.
			j := l.Job
			time.AfterFunc(r.opts.LostExitWait, func() {
				r.post(func() {
					if r.a.Tracks(j) && slices.Contains(r.a.Running(), j) {
						r.log.Warn("recovered job never reported an exit; reporting it killed", "job", j.ID)
						r.exited(agent.ProcExit{Job: j, Signal: agent.SIGKILL})
					}
				})
			})
		}
	}
	return nil
}

// runsScript reports whether this node runs l's batch script: only the
// first node of a batch job does, as in Slurm; the others, and every node
// of an allocation made by salloc or srun, only hold resources for steps.
func runsScript(l msg.Launch, node string) bool {
	return l.Spec.Script != "" && len(l.Nodes) > 0 && l.Nodes[0] == node
}

// Stop ends the loop and the links. Batch jobs keep running under their
// supervisors; the next start adopts them.
func (r *Runtime) Stop() {
	r.cancel()
	r.wg.Wait()
}

// JobOnNode reports whether job has a live attempt here, and its owner.
// It is safe to call from any goroutine (io/taskd does).
func (r *Runtime) JobOnNode(jobID uint32) (uid uint32, ok bool) {
	res := make(chan struct {
		uid uint32
		ok  bool
	}, 1)
	if !r.post(func() {
		u, found := r.liveJob(state.JobID(jobID))
		res <- struct {
			uid uint32
			ok  bool
		}{u, found}
	}) {
		return 0, false
	}
	select {
	case v := <-res:
		return v.uid, v.ok
	case <-time.After(5 * time.Second):
		return 0, false
	}
}

func (r *Runtime) post(fn func()) bool {
	select {
	case r.inbox <- fn:
		return true
	case <-r.done:
		return false
	}
}

func (r *Runtime) deliverMsg(from msg.Addr, m msg.Message) bool {
	return r.post(func() { r.handle(agent.Recv{From: from, Msg: m}) })
}

func (r *Runtime) loop(ctx context.Context) {
	defer close(r.done)
	exits := r.opts.Exec.Exits()
	for {
		for len(r.later) > 0 {
			ex := r.later[0]
			r.later = r.later[1:]
			r.exited(ex)
		}
		select {
		case <-ctx.Done():
			return
		case fn := <-r.inbox:
			fn()
		case <-r.timer.C:
			r.handle(agent.Tick{})
		case ex, ok := <-exits:
			if !ok {
				exits = nil
				continue
			}
			r.exited(ex)
		}
	}
}

func (r *Runtime) exited(ex agent.ProcExit) {
	if r.opts.Steps != nil {
		r.opts.Steps.EndJob(uint32(ex.Job.ID)) // steps do not outlive their job
	}
	delete(r.allocs, ex.Job)
	r.handle(ex)
}

// handle runs one event through the agent and carries out its effects.
func (r *Runtime) handle(ev agent.Event) {
	for _, eff := range r.a.Handle(time.Now(), ev) {
		switch e := eff.(type) {
		case agent.Send:
			if ref, ok := e.Msg.(msg.LaunchRefused); ok {
				r.log.Warn("refused a launch: stale leader term, another boot of this node, or no room",
					"job", ref.Job.ID, "attempt", ref.Job.Attempt, "term", ref.Term, "newest_term", ref.MaxTerm)
			}
			if l := r.links[e.To]; l == nil || !l.send(e.Msg) {
				r.log.Debug("dropping message to controller", "to", e.To, "type", fmt.Sprintf("%T", e.Msg))
			}
		case agent.StartProc:
			r.start(e.Launch)
		case agent.SignalProc:
			r.signal(e.Job, syscall.Signal(e.Signal), e.Ending, e.Notice)
		case agent.SetTimer:
			r.timer.Reset(max(time.Until(time.Unix(0, e.AtNanos)), time.Millisecond))
		}
	}
	r.forgetAcknowledged()
}

func (r *Runtime) start(l msg.Launch) {
	if err := r.records.save(l); err != nil {
		// Without a record a restart would orphan the job; refuse to run it.
		r.log.Error("cannot record launch; failing the job", "job", l.Job.ID, "err", err)
		r.later = append(r.later, agent.ProcExit{Job: l.Job, ExitCode: 1})
		return
	}
	r.recorded = append(r.recorded, l.Job)
	if !runsScript(l, r.a.Name()) {
		r.allocs[l.Job] = true
		r.log.Info("allocation granted", "job", l.Job.ID, "cpus", l.CPUs)
		return
	}
	if err := r.opts.Exec.Start(l); err != nil {
		r.log.Error("batch job failed to start", "job", l.Job.ID, "err", err)
		r.later = append(r.later, agent.ProcExit{Job: l.Job, ExitCode: 1})
		return
	}
	r.log.Info("batch job started", "job", l.Job.ID, "attempt", l.Job.Attempt, "user", l.Spec.UID)
}

// signal delivers an agent's signal. The termination sequence (ending)
// reaches the attempt's job steps too and ends an allocation; any other
// signal is scancel --batch's and reaches the batch script only (the
// controller signals steps through io/taskd itself).
func (r *Runtime) signal(j state.JobAttempt, sig syscall.Signal, ending bool, notice string) {
	if ending && r.opts.Steps != nil {
		r.opts.Steps.SignalJob(uint32(j.ID), sig)
	}
	if r.allocs[j] {
		if ending {
			r.later = append(r.later, agent.ProcExit{Job: j, Signal: int(sig)})
		}
		return
	}
	if notice != "" {
		if err := r.opts.Exec.Notify(j, notice); err != nil {
			r.log.Warn("end notice not recorded", "job", j.ID, "err", err)
		}
	}
	if err := r.opts.Exec.Signal(j, sig); err != nil {
		r.log.Warn("signal failed", "job", j.ID, "signal", int(sig), "err", err)
	}
}

// forgetAcknowledged drops launch records (and the executor's) of attempts
// the agent no longer needs: their exit is acknowledged.
func (r *Runtime) forgetAcknowledged() {
	kept := r.recorded[:0]
	for _, j := range r.recorded {
		if r.a.Tracks(j) {
			kept = append(kept, j)
			continue
		}
		if err := r.records.remove(j); err != nil {
			r.log.Warn("removing launch record", "job", j.ID, "err", err)
		}
		if err := r.opts.Exec.Forget(j); err != nil {
			r.log.Debug("executor forget", "job", j.ID, "err", err)
		}
	}
	r.recorded = kept
}

// liveJob reports the owner of a live attempt of job id.
func (r *Runtime) liveJob(id state.JobID) (uint32, bool) {
	for _, j := range r.a.Running() {
		if j.ID == id {
			if uid, ok := r.records.owner(j); ok {
				return uid, true
			}
		}
	}
	return 0, false
}
