package slurmrpc

import (
	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// Job info handlers.

func handleJobInfo(s *Server, r *request) reply {
	req := r.body.(*slurmproto.JobInfoRequest)
	var want map[uint32]bool
	if req.JobIDs != nil {
		want = make(map[uint32]bool, len(req.JobIDs))
		for _, id := range req.JobIDs {
			want[id] = true
		}
	}
	return s.jobInfo(req.ShowFlags, func(j *state.Job) bool { return want == nil || want[uint32(j.ID)] })
}

func handleJobUserInfo(s *Server, r *request) reply {
	req := r.body.(*slurmproto.JobUserInfoRequest)
	return s.jobInfo(req.ShowFlags, func(j *state.Job) bool { return j.Spec.UID == req.UserID })
}

func handleJobInfoSingle(s *Server, r *request) reply {
	req := r.body.(*slurmproto.JobIDRequest)
	var rep reply
	s.Backend.Read(func(v View) {
		j := v.State.Job(state.JobID(req.JobID))
		if j == nil {
			rep = rcReply(slurmproto.RCInvalidJobID)
			return
		}
		c := newJobContext(v, req.ShowFlags)
		jobs := []*state.Job{j}
		if j.ArrayJobID == j.ID {
			// The array's id names the whole array (pack_one_job).
			jobs = v.State.ArrayTasks(j.ID)
		}
		resp := &slurmproto.JobInfoResponse{LastUpdate: slurmproto.Time(v.Now.Unix())}
		for _, t := range jobs {
			resp.Jobs = append(resp.Jobs, c.jobRecord(t))
		}
		rep = reply{msgType: slurmproto.ResponseJobInfo, body: resp}
	})
	return rep
}

// jobInfo answers with every job keep accepts. last_update is always
// answered with full data: FLURM does not track per-table change times,
// and full data is always a valid answer.
func (s *Server) jobInfo(show uint16, keep func(*state.Job) bool) reply {
	resp := &slurmproto.JobInfoResponse{}
	s.Backend.Read(func(v View) {
		c := newJobContext(v, show)
		resp.LastUpdate = slurmproto.Time(v.Now.Unix())
		v.State.Jobs(func(j *state.Job) bool {
			if keep(j) && !c.hidden(j, show) {
				resp.Jobs = append(resp.Jobs, c.jobRecord(j))
			}
			return true
		})
	})
	return reply{msgType: slurmproto.ResponseJobInfo, body: resp}
}

// hidden reports whether j sits in a Hidden partition and the request did
// not ask for SHOW_ALL (slurmctld's _hide_job).
func (c *jobContext) hidden(j *state.Job, show uint16) bool {
	if show&slurmproto.ShowAll != 0 || c.v.Conf == nil {
		return false
	}
	p, ok := c.v.Conf.Partition(c.partitionName(j))
	return ok && p.Hidden
}

// handleJobReady answers srun/salloc polling (REQUEST_JOB_READY) as
// job_node_ready does: all three bits while the job runs, only the prolog
// bit (no prolog runs) otherwise; ESLURM_INVALID_JOB_ID for unknown jobs.
func handleJobReady(s *Server, r *request) reply {
	req := r.body.(*slurmproto.JobIDRequest)
	var rep reply
	s.Backend.Read(func(v View) {
		j := v.State.Job(state.JobID(req.JobID))
		if j == nil {
			rep = rcReply(slurmproto.RCInvalidJobID)
			return
		}
		ready := slurmproto.ReadyPrologState
		if j.Running() {
			ready |= slurmproto.ReadyNodeState | slurmproto.ReadyJobState
		}
		rep = reply{msgType: slurmproto.ResponseJobReady, body: &slurmproto.ReturnCode{ReturnCode: ready}}
	})
	return rep
}
