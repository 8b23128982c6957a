package taskd

import (
	"os"
	"strconv"
	"strings"
)

// envList is an environment with replace-in-place semantics: a name set
// twice keeps its first position and its last value.
type envList struct {
	vars  []string
	index map[string]int
}

func newEnvList(base []string) *envList {
	e := &envList{index: make(map[string]int, len(base)+32)}
	for _, kv := range base {
		name, _, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			continue // execve would pass it, but no shell can use it
		}
		e.set(name, kv[len(name)+1:])
	}
	return e
}

func (e *envList) set(name, value string) {
	kv := name + "=" + value
	if i, ok := e.index[name]; ok {
		e.vars[i] = kv
		return
	}
	e.index[name] = len(e.vars)
	e.vars = append(e.vars, kv)
}

// setDefault sets name only if the environment lacks it.
func (e *envList) setDefault(name, value string) {
	if _, ok := e.index[name]; !ok && value != "" {
		e.set(name, value)
	}
}

func (e *envList) unset(name string) {
	i, ok := e.index[name]
	if !ok {
		return
	}
	e.vars = append(e.vars[:i], e.vars[i+1:]...)
	delete(e.index, name)
	for n, j := range e.index {
		if j > i {
			e.index[n] = j - 1
		}
	}
}

func (e *envList) get(name string) string {
	if i, ok := e.index[name]; ok {
		_, v, _ := strings.Cut(e.vars[i], "=")
		return v
	}
	return ""
}

func u32(v uint32) string { return strconv.FormatUint(uint64(v), 10) }

// stepEnv is the environment shared by the step's tasks on this node:
// srun's environment (which already holds SLURM_STEP_NODELIST,
// SLURM_STEP_NUM_TASKS, SLURM_JOB_NODELIST... from env_array_for_step)
// overlaid with what slurmd and slurmstepd set (req.c _rpc_launch_tasks,
// env.c setup_env, task.c exec_task). Values srun did not send are
// filled in from the launch request and the credential.
func (st *step) stepEnv(slurmConf string) *envList {
	m := st.req
	f := &m.Credential.Fields
	e := newEnvList(m.Env)
	e.set("SLURM_SRUN_COMM_HOST", st.srunIP.String())
	if slurmConf == "" {
		slurmConf = os.Getenv("SLURM_CONF")
	}
	if slurmConf != "" {
		e.set("SLURM_CONF", slurmConf)
	}
	e.unset("SLURM_CONF_SERVER")
	e.set("SLURM_JOB_ID", u32(st.id.JobID))
	e.set("SLURM_JOBID", u32(st.id.JobID))
	e.set("SLURM_STEP_ID", u32(st.id.StepID))
	e.set("SLURM_STEPID", u32(st.id.StepID))
	e.set("SLURM_NODEID", strconv.Itoa(st.nodeID))
	e.set("SLURM_CPUS_ON_NODE", strconv.Itoa(stepCPUs(f, st.srv.cfg.NodeName)))
	if n := len(m.RespPorts); n > 0 {
		e.set("SLURM_SRUN_COMM_PORT", strconv.Itoa(int(m.RespPorts[st.nodeID%n])))
	}
	e.set("SLURM_LAUNCH_NODE_IPADDR", st.srunIP.String())
	gtids := make([]string, len(st.tasks))
	for i, t := range st.tasks {
		gtids[i] = u32(t.gtid)
	}
	e.set("SLURM_GTIDS", strings.Join(gtids, ","))
	if st.user != "" {
		e.set("SLURM_JOB_UID", u32(st.uid))
		e.set("SLURM_JOB_USER", st.user)
	}
	e.set("SLURM_JOB_GID", u32(st.gid))
	e.set("SLURMD_NODENAME", st.srv.cfg.NodeName)
	e.set("SLURM_TOPOLOGY_ADDR", st.srv.cfg.NodeName)
	e.set("SLURM_TOPOLOGY_ADDR_PATTERN", "node")
	e.setDefault("TMPDIR", "/tmp")

	e.setDefault("SLURM_STEP_NODELIST", f.StepHostList.String())
	e.setDefault("SLURM_STEP_NUM_NODES", strconv.Itoa(len(m.GlobalTaskIDs)))
	e.setDefault("SLURM_STEP_NUM_TASKS", u32(m.NTasks))
	e.setDefault("SLURM_STEP_TASKS_PER_NODE", tasksPerNode(m.GlobalTaskIDs))
	e.setDefault("SLURM_JOB_NODELIST", f.JobHostList.String())
	e.setDefault("SLURM_JOB_PARTITION", f.JobPartition.String())
	e.setDefault("SLURM_JOB_ACCOUNT", f.JobAccount.String())
	st.ulimits = rlimitCommands(e)
	return e
}

// taskEnv adds the per-task variables. SLURM_TASK_PID is set by the
// launcher shell (see task.go), since only the child knows its pid.
func (st *step) taskEnv(base *envList, t *task) []string {
	e := &envList{vars: append([]string(nil), base.vars...), index: make(map[string]int, len(base.index)+2)}
	for k, v := range base.index {
		e.index[k] = v
	}
	e.set("SLURM_PROCID", u32(t.gtid))
	e.set("SLURM_LOCALID", strconv.Itoa(t.local))
	return e.vars
}

// tasksPerNode is Slurm's compressed count list, e.g. "2(x3),1".
func tasksPerNode(lists [][]uint32) string {
	var b strings.Builder
	for i := 0; i < len(lists); {
		j := i
		for j < len(lists) && len(lists[j]) == len(lists[i]) {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(len(lists[i])))
		if j-i > 1 {
			b.WriteString("(x" + strconv.Itoa(j-i) + ")")
		}
		i = j
	}
	return b.String()
}
