package agent

import (
	"path"
	"strconv"
	"strings"

	"github.com/flurm/flurm/core/hostlist"
	"github.com/flurm/flurm/core/msg"
)

// NoArrayTask is what "%a" expands to for a job that is not an array task:
// Slurm prints its NO_VAL there, so users see slurm-12_4294967294.out.
const NoArrayTask = 4294967294

// BatchEnv is the environment of a batch script launched by l on node: the
// environment sbatch sent (already shaped by --export), overlaid with the
// variables slurmd sets for the batch step (env_array_for_batch_job:
// HOSTNAME is the node's name, SLURM_NTASKS only with a task count). extra (e.g. SLURM_CONF) is
// overlaid last. Later entries replace earlier ones with the same name, so
// a user cannot fake SLURM_JOB_ID by exporting it.
func BatchEnv(l msg.Launch, node string, extra ...string) []string {
	s := &l.Spec
	id := strconv.FormatUint(uint64(l.Job.ID), 10)
	nodes := hostlist.Compress(l.Nodes)
	nnodes := strconv.Itoa(len(l.Nodes))
	set := []string{
		"ENVIRONMENT=BATCH",
		"SLURM_JOB_ID=" + id,
		"SLURM_JOBID=" + id,
		"SLURM_JOB_NAME=" + s.Name,
		"SLURM_JOB_NODELIST=" + nodes,
		"SLURM_NODELIST=" + nodes,
		"SLURM_JOB_NUM_NODES=" + nnodes,
		"SLURM_NNODES=" + nnodes,
		"SLURM_CPUS_ON_NODE=" + strconv.Itoa(l.CPUs),
		"SLURM_JOB_CPUS_PER_NODE=" + repCounts(l.NodeCPUs),
		"SLURM_TASKS_PER_NODE=" + repCounts(batchTasksPerNode(l)),
		"HOSTNAME=" + node,
		"SLURM_JOB_PARTITION=" + l.Partition,
		"SLURM_JOB_UID=" + strconv.FormatUint(uint64(s.UID), 10),
		"SLURM_JOB_GID=" + strconv.FormatUint(uint64(s.GID), 10),
		"SLURM_JOB_USER=" + s.User,
		"SLURM_NODEID=0",
		"SLURM_PROCID=0",
		"SLURM_LOCALID=0",
		"SLURM_GTIDS=0",
		"SLURMD_NODENAME=" + node,
		"SLURM_TOPOLOGY_ADDR=" + node,
		"SLURM_TOPOLOGY_ADDR_PATTERN=node",
	}
	if s.NumTasks > 0 {
		// Only when the user asked for a task count: srun inside the
		// script takes its default task count from here.
		set = append(set, "SLURM_NTASKS="+strconv.Itoa(s.NumTasks), "SLURM_NPROCS="+strconv.Itoa(s.NumTasks))
	}
	if l.Cluster != "" {
		set = append(set, "SLURM_CLUSTER_NAME="+l.Cluster)
	}
	if s.WorkDir != "" {
		set = append(set, "SLURM_SUBMIT_DIR="+s.WorkDir)
	}
	if s.SubmitHost != "" {
		set = append(set, "SLURM_SUBMIT_HOST="+s.SubmitHost)
	}
	if s.CPUsPerTask > 0 {
		set = append(set, "SLURM_CPUS_PER_TASK="+strconv.Itoa(s.CPUsPerTask))
	}
	if s.MemPerNode > 0 {
		set = append(set, "SLURM_MEM_PER_NODE="+strconv.FormatInt(s.MemPerNode, 10))
	} else if s.MemPerCPU > 0 {
		set = append(set, "SLURM_MEM_PER_CPU="+strconv.FormatInt(s.MemPerCPU, 10))
	}
	if l.Job.Attempt > 0 {
		set = append(set, "SLURM_RESTART_COUNT="+strconv.FormatUint(uint64(l.Job.Attempt), 10))
	}
	if a := l.Array; a.JobID != 0 {
		set = append(set,
			"SLURM_ARRAY_JOB_ID="+strconv.FormatUint(uint64(a.JobID), 10),
			"SLURM_ARRAY_TASK_ID="+strconv.FormatUint(uint64(a.TaskID), 10),
			"SLURM_ARRAY_TASK_COUNT="+strconv.FormatUint(uint64(a.Count), 10),
			"SLURM_ARRAY_TASK_MIN="+strconv.FormatUint(uint64(a.Min), 10),
			"SLURM_ARRAY_TASK_MAX="+strconv.FormatUint(uint64(a.Max), 10))
	}
	return overlay(overlay(s.Env, set), extra)
}

// overlay returns base with every NAME=value of over replacing base's
// entry of that name, or appended when base has none. Order is kept.
func overlay(base, over []string) []string {
	out := make([]string, 0, len(base)+len(over))
	at := make(map[string]int, len(base)+len(over))
	for _, kv := range append(base[:len(base):len(base)], over...) {
		name, _, _ := strings.Cut(kv, "=")
		if i, ok := at[name]; ok {
			out[i] = kv
			continue
		}
		at[name] = len(out)
		out = append(out, kv)
	}
	return out
}

// batchTasksPerNode is slurmd's SLURM_TASKS_PER_NODE for a batch job: the
// requested tasks spread over the nodes, or without a task count one task
// per CPUs-per-task on each node.
func batchTasksPerNode(l msg.Launch) []int {
	if l.Spec.NumTasks > 0 {
		return tasksPerNode(l.Spec.NumTasks, len(l.Nodes))
	}
	cpt := max(l.Spec.CPUsPerTask, 1)
	out := make([]int, len(l.NodeCPUs))
	for i, c := range l.NodeCPUs {
		out[i] = max(c/cpt, 1)
	}
	return out
}

// tasksPerNode spreads tasks over nodes as Slurm's block distribution does:
// the first tasks%nodes nodes get one more.
func tasksPerNode(tasks, nodes int) []int {
	if nodes <= 0 {
		return nil
	}
	out := make([]int, nodes)
	for i := range out {
		out[i] = tasks / nodes
		if i < tasks%nodes {
			out[i]++
		}
	}
	return out
}

// repCounts writes counts the way Slurm writes SLURM_JOB_CPUS_PER_NODE:
// runs of equal values as "v(xN)", separated by commas ("4(x2),2").
func repCounts(counts []int) string {
	var b strings.Builder
	for i := 0; i < len(counts); {
		j := i
		for j < len(counts) && counts[j] == counts[i] {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(counts[i]))
		if j-i > 1 {
			b.WriteString("(x" + strconv.Itoa(j-i) + ")")
		}
		i = j
	}
	return b.String()
}

// OutputPath expands a batch job's --output or --error pattern as Slurm
// does: %j job id, %A array id (the job id outside an array), %a array
// task id, %J job id with step ("12.batch"), %s step ("batch"), %x job
// name, %u user, %N first node, %n node index (0), %t task (0), %% a
// percent sign; a number between % and the letter pads with zeros
// ("%4a"). An empty pattern is Slurm's default, slurm-%j.out, or
// slurm-%A_%a.out for an array task. A relative result is taken relative
// to the job's working directory.
func OutputPath(pattern string, l msg.Launch, node string) string {
	if pattern == "" {
		pattern = "slurm-%j.out"
		if l.Array.JobID != 0 {
			pattern = "slurm-%A_%a.out"
		}
	}
	id := strconv.FormatUint(uint64(l.Job.ID), 10)
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		if c != '%' || i+1 == len(pattern) {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(pattern) && j-i <= 9 && pattern[j] >= '0' && pattern[j] <= '9' {
			j++
		}
		if j == len(pattern) {
			b.WriteString(pattern[i:])
			break
		}
		width, _ := strconv.Atoi(pattern[i+1 : j])
		var v string
		numeric := true
		switch pattern[j] {
		case '%':
			v, numeric = "%", false
		case 'j':
			v = id
		case 'A':
			v = id
			if l.Array.JobID != 0 {
				v = strconv.FormatUint(uint64(l.Array.JobID), 10)
			}
		case 'a':
			v = strconv.FormatUint(NoArrayTask, 10)
			if l.Array.JobID != 0 {
				v = strconv.FormatUint(uint64(l.Array.TaskID), 10)
			}
		case 'J':
			v, numeric = id+".batch", false
		case 's':
			v, numeric = "batch", false
		case 'x':
			v, numeric = l.Spec.Name, false
		case 'u':
			v, numeric = l.Spec.User, false
		case 'N':
			v, numeric = node, false
		case 'n', 't':
			v = "0"
		default: // not a pattern letter: kept as written, as Slurm does
			b.WriteString(pattern[i : j+1])
			i = j
			continue
		}
		if numeric && len(v) < width {
			v = strings.Repeat("0", width-len(v)) + v
		}
		b.WriteString(v)
		i = j
	}
	p := b.String()
	if !path.IsAbs(p) {
		dir := l.Spec.WorkDir
		if dir == "" {
			dir = "/"
		}
		p = path.Join(dir, p)
	}
	return p
}
