package slurmrpc

import (
	"time"

	"github.com/flurm/flurm/core/hostlist"
	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// REQUEST_JOB_STEP_INFO (squeue -s, scontrol show step): the running steps
// of running jobs, each batch job's script shown as its "batch" step, as
// slurmctld lists them (pack_ctld_job_step_info_response_msg).

// maxStepRecords bounds one answer.
const maxStepRecords = 100000

func handleJobStepInfo(s *Server, r *request) reply {
	req := r.body.(*slurmproto.JobStepInfoRequest)
	now := time.Now()
	resp := &slurmproto.JobStepInfoResponse{LastUpdate: slurmproto.Time(now.Unix())}
	missing := false
	s.Backend.Read(func(v View) {
		b := stepInfoBuilder{v: v, now: now.Unix(), cluster: optStr(clusterName(v.Conf)), plugin: selectPluginID(v.Conf)}
		for _, n := range v.State.Nodes() {
			b.names = append(b.names, n.Name)
		}
		add := func(j *state.Job) {
			if !j.Running() {
				return
			}
			if j.Spec.Script != "" && (req.StepID.StepID == slurmproto.NoVal || req.StepID.StepID == slurmproto.BatchScript) {
				resp.Steps = append(resp.Steps, b.batchStep(j))
			}
			for i := range j.Steps {
				if req.StepID.StepID == slurmproto.NoVal || req.StepID.StepID == j.Steps[i].ID {
					resp.Steps = append(resp.Steps, b.step(j, &j.Steps[i]))
				}
			}
		}
		// As _pack_job_steps: a job id matches the job and, for an
		// array's id, its tasks; NO_VAL matches every job. An id that
		// matches nothing while jobs exist is ESLURM_INVALID_JOB_ID
		// (so is 0, which `scontrol show step` sends without an id).
		id, valid := req.StepID.JobID, false
		v.State.Jobs(func(j *state.Job) bool {
			if id == slurmproto.NoVal || uint32(j.ID) == id || uint32(j.ArrayJobID) == id {
				valid = true
				add(j)
			}
			return len(resp.Steps) < maxStepRecords
		})
		missing = v.State.NumJobs() > 0 && !valid && len(resp.Steps) == 0
	})
	if missing {
		return rcReply(slurmproto.RCInvalidJobID)
	}
	return reply{msgType: slurmproto.ResponseJobStepInfo, body: resp}
}

type stepInfoBuilder struct {
	v       View
	now     int64
	cluster slurmproto.Str
	plugin  uint32
	names   []string
}

// record fills what every step record of job j shares.
func (b *stepInfoBuilder) record(j *state.Job, id uint32, nodes []int) slurmproto.JobStepInfo {
	r := slurmproto.JobStepInfo{
		ArrayJobID: uint32(j.ArrayJobID), ArrayTaskID: slurmproto.NoVal,
		StepID: slurmproto.StepID{JobID: uint32(j.ID), StepID: id, StepHetComp: slurmproto.NoVal},
		UserID: j.Spec.UID, CPUFreqMin: slurmproto.NoVal, CPUFreqMax: slurmproto.NoVal, CPUFreqGov: slurmproto.NoVal,
		TaskDist: distBlock, TimeLimit: slurmproto.Infinite, State: uint32(state.JobRunning),
		Cluster: b.cluster, SelectPluginID: b.plugin, StartProtocolVer: slurmproto.ProtocolVersion,
	}
	if j.IsArrayTask() {
		r.ArrayTaskID = j.ArrayTaskID
	}
	if p := b.v.State.Partitions(); j.Partition >= 0 && j.Partition < len(p) {
		r.Partition = slurmproto.S(p[j.Partition].Name)
	}
	names := make([]string, 0, len(nodes))
	for _, n := range nodes {
		names = append(names, b.names[n])
	}
	_, r.NodeInx = nodeSet(b.names, nodes)
	r.Nodes = slurmproto.S(hostlist.Compress(names)) // for display: no per-node arrays follow
	return r
}

func (b *stepInfoBuilder) step(j *state.Job, st *state.Step) slurmproto.JobStepInfo {
	r := b.record(j, st.ID, st.Nodes)
	r.NumCPUs, r.NumTasks = uint32(st.CPUs), uint32(st.Tasks)
	r.SrunPID, r.SrunHost, r.Name = st.SrunPID, optStr(st.SrunHost), optStr(st.Name)
	if st.TimeLimit > 0 {
		r.TimeLimit = minutes(st.TimeLimit)
	}
	r.StartTime, r.RunTime = slurmproto.Time(st.StartTime), slurmproto.Time(max(b.now-st.StartTime, 0))
	r.TRESAllocStr = optStr(tresString(int64(st.CPUs), max(j.MemPerNode, 0)*int64(len(st.Nodes)), int64(len(st.Nodes)), true))
	return r
}

// batchStep is the record slurmctld keeps for a batch job's script.
func (b *stepInfoBuilder) batchStep(j *state.Job) slurmproto.JobStepInfo {
	host := j.Nodes[:1]
	r := b.record(j, slurmproto.BatchScript, host)
	cpus, _ := j.HoldSize(&b.v.State.Nodes()[host[0]])
	r.NumCPUs, r.NumTasks, r.Name = uint32(cpus), 1, slurmproto.S("batch")
	r.StartTime, r.RunTime = slurmproto.Time(j.StartTime), slurmproto.Time(max(b.now-j.StartTime, 0))
	r.TRESAllocStr = optStr(tresString(int64(cpus), max(j.MemPerNode, 0), 1, true))
	return r
}
