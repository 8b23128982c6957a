package slurmrpc

import (
	"time"

	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// Controller RPCs: ping, federation, control status, sdiag, shutdown and
// reconfigure.

// handlePing answers rc 0, also when this controller is not the leader
// (a Slurm backup in standby does too, so scontrol ping shows it UP).
func handlePing(s *Server, r *request) reply { return rcReply(slurmproto.RCSuccess) }

// handleFedInfo answers "not in a federation" (a NULL federation record);
// the info clients then set SHOW_LOCAL.
func handleFedInfo(s *Server, r *request) reply {
	return reply{msgType: slurmproto.ResponseFedInfo, body: &slurmproto.FedInfoResponse{}}
}

// handleControlStatus answers with the time this controller has been in
// control, 0 when it is not the leader.
func handleControlStatus(s *Server, r *request) reply {
	resp := &slurmproto.ControlStatusResponse{BackupIndex: s.ControllerIndex}
	s.Backend.Read(func(v View) {
		if v.Leader {
			resp.ControlTime = slurmproto.Time(v.Started.Unix())
		}
	})
	return reply{msgType: slurmproto.ResponseControlStatus, body: resp}
}

// handleShutdown is scontrol shutdown: SlurmUser or root only
// (ESLURM_USER_ID_MISSING otherwise, as _slurm_rpc_shutdown_controller);
// the reply goes out before the daemon is told to stop.
func handleShutdown(s *Server, r *request) reply {
	req := r.body.(*slurmproto.ShutdownRequest)
	if !s.operator(r) {
		return rcReply(slurmproto.RCUserIDMissing)
	}
	if s.OnShutdown == nil {
		return rcReply(rcNotSupported)
	}
	rep := rcReply(slurmproto.RCSuccess)
	opts := req.Options
	rep.after = func() { s.OnShutdown(opts) }
	return rep
}

// handleReconfigure is scontrol reconfigure: SlurmUser or root only.
func handleReconfigure(s *Server, r *request) reply {
	if !s.operator(r) {
		return rcReply(slurmproto.RCUserIDMissing)
	}
	if s.OnReconfigure == nil {
		return rcReply(rcNotSupported)
	}
	if err := s.OnReconfigure(r.ctx); err != nil {
		s.Logger.Warn("slurmrpc: reconfigure failed", "err", err)
		return rcReply(slurmproto.RCError)
	}
	return rcReply(slurmproto.RCSuccess)
}

func (s *Server) operator(r *request) bool {
	ok := false
	s.Backend.Read(func(v View) { ok = isOperator(v, r.id.UID) })
	return ok
}

// handleStats is sdiag. GET returns the scheduler block and the RPC
// tables; RESET (operators only, else ESLURM_ACCESS_DENIED) clears this
// server's counters and answers without the scheduler block, as
// slurmctld does.
func handleStats(s *Server, r *request) reply {
	req := r.body.(*slurmproto.StatsInfoRequest)
	now := time.Now()
	if req.CommandID == slurmproto.StatCommandReset {
		if !s.operator(r) {
			return rcReply(slurmproto.RCAccessDenied)
		}
		s.stats.reset(now)
		return reply{msgType: slurmproto.ResponseStatsInfo, body: &slurmproto.StatsInfoResponse{}}
	}
	types, users, since, submits := s.stats.snapshot()
	sched := &slurmproto.SchedulerStats{
		ReqTime:             slurmproto.Time(now.Unix()),
		ReqTimeStart:        slurmproto.Time(since.Unix()),
		ServerThreadCount:   uint32(len(s.slots)),
		GettimeofdayLatency: clockLatency(),
		JobsSubmitted:       submits,
	}
	s.Backend.Read(func(v View) {
		if since.IsZero() { // never reset: "Data since" the daemon started
			since = v.Started
			sched.ReqTimeStart = slurmproto.Time(since.Unix())
		}
		sched.JobStatesTS = slurmproto.Time(v.Now.Unix())
		startUnix := since.Unix()
		v.State.Jobs(func(j *state.Job) bool {
			switch {
			case j.State == state.JobPending:
				sched.JobsPending++
			case j.Running():
				sched.JobsRunning++
			}
			if j.State.Terminal() && j.EndTime >= startUnix {
				switch j.State {
				case state.JobCompleted:
					sched.JobsCompleted++
				case state.JobCancelled:
					sched.JobsCanceled++
				default:
					sched.JobsFailed++
				}
			}
			return true
		})
		if v.Controller != nil {
			cs := v.Controller.Stats()
			last := cs.LastSchedDuration.Microseconds()
			sched.ScheduleCycleLast = uint32(min(max(last, 0), int64(slurmproto.NoVal-1)))
			sched.ScheduleCycleCounter = uint32(min(cs.SchedCycles, uint64(slurmproto.NoVal-1)))
			// The maximum and total cycle times are not kept by core
			// (controller.Stats has the last one only): left 0.
			sched.JobsStarted = uint32(min(cs.SchedStarts, uint64(slurmproto.NoVal-1)))
		}
		sched.ScheduleQueueLen = sched.JobsPending
	})
	return reply{msgType: slurmproto.ResponseStatsInfo, body: &slurmproto.StatsInfoResponse{
		Scheduler: sched, RPCTypes: types, RPCUsers: users,
	}}
}

// clockLatency measures 1000 clock reads in microseconds, the figure sdiag
// prints as "Latency for 1000 calls to gettimeofday()".
func clockLatency() uint32 {
	start := time.Now()
	var t time.Time
	for range 1000 {
		t = time.Now()
	}
	return uint32(max(t.Sub(start).Microseconds(), 0))
}

// Tables FLURM has no entries in. slurmctld answers such requests with an
// empty table, which is the truth here: no reservations, no licenses.

func handleReservationInfo(s *Server, r *request) reply {
	return reply{msgType: slurmproto.ResponseReservationInfo,
		body: &slurmproto.ReservationInfoResponse{LastUpdate: slurmproto.Time(time.Now().Unix())}}
}

func handleLicenseInfo(s *Server, r *request) reply {
	return reply{msgType: slurmproto.ResponseLicenseInfo,
		body: &slurmproto.LicenseInfoResponse{LastUpdate: slurmproto.Time(time.Now().Unix())}}
}
