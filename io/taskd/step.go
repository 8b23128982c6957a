package taskd

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"github.com/flurm/flurm/io/munge"
	"github.com/flurm/flurm/io/slurmproto"
)

// leftoverGrace bounds how long output is awaited from processes a task
// left behind once every task of the step has exited and the leftovers
// were killed.
const leftoverGrace = 2 * time.Second

// step is this node's part of one job step (what slurmstepd is to
// slurmd).
type step struct {
	srv      *Server
	id       slurmproto.StepID
	nodeID   int // index of this node in the step's node list
	uid, gid uint32
	groups   []uint32
	user     string
	srunIP   netip.Addr
	respAddr string // srun's message port for this node ("" = none)
	ioAddr   string // srun's I/O port for this node ("" = none)
	cwd      string // working directory; /tmp when srun sent none
	ulimits  string // shell commands setting srun's resource limits (stepEnv)
	req      *slurmproto.LaunchTasksRequest
	ioKey    []byte
	credKey  credKey
	tasks    []*task

	mu        sync.Mutex
	started   bool // processes exist; signals reach them
	killedAll bool // ended by a kill request: tasks not started stay so

	done chan struct{} // run returned
}

// run carries the step from launch to completion, in slurmstepd's order:
// stdio and the I/O connection, the processes, RESPONSE_LAUNCH_TASKS,
// one MESSAGE_TASK_EXIT per task once its output is flushed, then
// REQUEST_STEP_COMPLETE to the controller.
func (st *step) run() {
	s := st.srv
	defer close(st.done)
	defer s.unregister(st)
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.MessageTimeout)
	defer cancel()

	base := st.stepEnv(s.cfg.SlurmConf)
	conn, rc := st.setupIO(ctx)
	if rc != slurmproto.RCSuccess {
		for _, t := range st.tasks {
			t.closeChildFiles()
			t.stdin.closeInput()
			for _, o := range t.outputs {
				o.r.Close()
			}
		}
		conn.close()
		st.sendLaunchResponse(rc)
		st.complete(rc)
		return
	}
	go conn.readStdin(st.tasks)
	for _, t := range st.tasks {
		go runPumps(conn, t, st.req.Flags&launchBufferedIO != 0)
	}
	st.startAll(base)
	st.sendLaunchResponse(slurmproto.RCSuccess)
	for _, t := range st.tasks {
		if t.pty != nil && t.pid > 0 {
			go st.windowManager(t, base, st.done)
		}
	}

	leftoversKilled := make(chan struct{})
	flushed := make(chan *task, len(st.tasks))
	reported := make(chan struct{})
	go st.reportExits(flushed, reported)
	for _, t := range st.tasks {
		go func() {
			<-t.exited
			select {
			case <-t.pumps:
			case <-leftoversKilled:
				select {
				case <-t.pumps:
				case <-time.After(leftoverGrace):
					for _, o := range t.outputs {
						o.r.Close() // the pumps end at once
					}
					<-t.pumps
				}
			}
			flushed <- t
		}()
	}
	for _, t := range st.tasks {
		<-t.exited
	}
	// Whatever the tasks left behind in their process groups dies with
	// the step, as slurmstepd's proctrack container does.
	for _, t := range st.tasks {
		if t.pid > 0 {
			_ = syscall.Kill(-t.pid, syscall.SIGKILL)
		}
	}
	close(leftoversKilled)
	<-reported
	for _, t := range st.tasks {
		t.stdin.abort()
	}
	conn.close()
	st.complete(st.exitCode())
}

// setupIO opens every task's stdio and the I/O connection to srun.
func (st *step) setupIO(ctx context.Context) (*ioConn, uint32) {
	s := st.srv
	var outs, errs uint32
	for _, t := range st.tasks {
		if err := st.prepareStdio(t); err != nil {
			s.log.Warn("taskd: task stdio", "step", fmtStep(st.id), "task", t.gtid, "err", err)
			return nil, rcIOError
		}
		for _, o := range t.outputs {
			if o.typ == slurmproto.IOStdout {
				outs++
			} else {
				errs++
			}
		}
	}
	if st.ioAddr == "" {
		return nil, slurmproto.RCSuccess
	}
	conn, err := dialIO(ctx, st.ioAddr, slurmproto.IOInitMsg{
		Version:    slurmproto.ProtocolVersion,
		NodeID:     uint32(st.nodeID),
		StdoutObjs: outs,
		StderrObjs: errs,
		IOKey:      st.ioKey,
	})
	if err != nil {
		s.log.Warn("taskd: srun I/O connection", "step", fmtStep(st.id), "addr", st.ioAddr, "err", err)
		return nil, rcIOError
	}
	return conn, slurmproto.RCSuccess
}

// runPumps relays a task's output streams and closes t.pumps when all of
// them reached end of file.
func runPumps(conn *ioConn, t *task, buffered bool) {
	var wg sync.WaitGroup
	for _, o := range t.outputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pump(conn, o.r, o.typ, t, buffered)
		}()
	}
	wg.Wait()
	close(t.pumps)
}

// startAll starts the processes, unless the step was killed meanwhile.
// A task that could not start counts as exited (status in t.status).
func (st *step) startAll(base *envList) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, t := range st.tasks {
		switch {
		case st.killedAll:
			t.closeChildFiles()
			t.status = syscall.WaitStatus(syscall.SIGKILL)
			t.killed = true
		default:
			if err := st.start(t, st.taskEnv(base, t)); err != nil {
				st.srv.log.Warn("taskd: task start", "step", fmtStep(st.id), "task", t.gtid, "err", err)
			}
		}
		if t.proc == nil {
			if !t.killed {
				t.status = execFailedStatus
			}
			close(t.exited)
			continue
		}
		go func() {
			ps, _ := t.proc.Wait()
			if ps != nil {
				if ws, ok := ps.Sys().(syscall.WaitStatus); ok {
					t.status = ws
				}
			}
			close(t.exited)
		}()
	}
	st.started = true
}

func (st *step) sendLaunchResponse(rc uint32) {
	if st.respAddr == "" {
		return
	}
	msg := &slurmproto.LaunchTasksResponse{
		StepID:      st.id,
		ReturnCode:  rc,
		NodeName:    slurmproto.S(st.srv.cfg.NodeName),
		CountOfPIDs: uint32(len(st.tasks)),
	}
	for _, t := range st.tasks {
		msg.LocalPIDs = append(msg.LocalPIDs, uint32(t.pid))
		msg.TaskIDs = append(msg.TaskIDs, t.gtid)
	}
	st.callSrun(slurmproto.ResponseLaunchTasks, msg)
}

// reportExits sends MESSAGE_TASK_EXIT for the tasks arriving on flushed
// (exited, output relayed), one message per wait status for the tasks
// that are ready together, as slurmstepd aggregates them; it closes done
// once every task was reported.
func (st *step) reportExits(flushed <-chan *task, done chan<- struct{}) {
	defer close(done)
	for left := len(st.tasks); left > 0; {
		batch := []*task{<-flushed}
	more:
		for {
			select {
			case t := <-flushed:
				batch = append(batch, t)
			default:
				break more
			}
		}
		left -= len(batch)
		byStatus := map[syscall.WaitStatus][]uint32{}
		var order []syscall.WaitStatus
		for _, t := range batch {
			st.srv.log.Info("taskd: task exited", "step", fmtStep(st.id), "task", t.gtid, "pid", t.pid, "status", uint32(t.status))
			if byStatus[t.status] == nil {
				order = append(order, t.status)
			}
			byStatus[t.status] = append(byStatus[t.status], t.gtid)
		}
		if st.respAddr == "" {
			continue
		}
		for _, status := range order {
			ids := byStatus[status]
			st.callSrun(slurmproto.MessageTaskExit, &slurmproto.TaskExitMsg{
				ReturnCode: uint32(status),
				NumTasks:   uint32(len(ids)),
				TaskIDs:    ids,
				StepID:     st.id,
			})
		}
	}
}

// callSrun sends one message to srun's response port. The credential is
// not restricted to srun's uid (slurmstepd restricts it): nothing in
// these messages is secret, and srun accepts them only from root,
// SlurmUser or its own user anyway.
func (st *step) callSrun(t slurmproto.MsgType, body slurmproto.Body) {
	s := st.srv
	ctx, cancel := context.WithTimeout(context.Background(), 4*s.cfg.MessageTimeout)
	defer cancel()
	if err := s.callRetry(ctx, st.respAddr, t, body, munge.Restriction{}); err != nil {
		s.log.Warn("taskd: message to srun failed", "step", fmtStep(st.id), "type", t, "addr", st.respAddr, "err", err)
	}
}

// exitCode is the step's return code on this node (slurmstepd's
// _get_exit_code): the first task killed by a signal it was not sent by
// a kill request, else the largest wait status, ignoring tasks killed on
// request unless all were.
func (st *step) exitCode() uint32 {
	st.mu.Lock()
	defer st.mu.Unlock()
	var rc uint32
	set := false
	for _, t := range st.tasks {
		if t.killed {
			continue
		}
		if t.status.Signaled() {
			return uint32(t.status)
		}
		if !set || uint32(t.status) > rc {
			rc, set = uint32(t.status), true
		}
	}
	if !set {
		return uint32(st.tasks[0].status)
	}
	return rc
}

// complete reports this node's part of the step to a controller.
func (st *step) complete(rc uint32) {
	s := st.srv
	msg := &slurmproto.StepCompleteRequest{
		StepID:     st.id,
		RangeFirst: uint32(st.nodeID),
		RangeLast:  uint32(st.nodeID),
		StepRC:     rc,
	}
	if err := s.sendStepComplete(msg); err != nil {
		var rcErr *errRC
		if errors.As(err, &rcErr) && (rcErr.rc == slurmproto.RCAlreadyDone || rcErr.rc == slurmproto.RCInvalidJobID || rcErr.rc == slurmproto.RCJobFinished) {
			// The step or job ended at the controller first (scancel,
			// srun releasing its allocation): nothing is lost.
			s.log.Info("taskd: step already ended at the controller", "step", fmtStep(st.id), "rc", rc, "err", err)
			return
		}
		s.log.Warn("taskd: step completion not accepted", "step", fmtStep(st.id), "rc", rc, "err", err)
		return
	}
	s.log.Info("taskd: step complete", "step", fmtStep(st.id), "rc", rc)
}
