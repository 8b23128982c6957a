package slurmrpc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/core/hostlist"
	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// Job credentials (slurm_cred_t) for new steps, signed as cred/munge signs
// them: the signature is the MUNGE credential text, NUL included, whose
// payload is exactly the packed credential fields
// (slurmproto.JobCredential.SignedBytes), made as this daemon's uid. A
// node daemon decodes the signature with munged, requires its uid to be
// root or SlurmUser and its payload to equal the packed fields it received,
// and only then runs the tasks. srun reuses the signature as the I/O key.

// distBlock is SLURM_DIST_BLOCK: consecutive task ids on each node.
const distBlock = 2

// maxCredGroups bounds the supplementary groups put in a credential.
const maxCredGroups = 1024

// stepGrant is what a step's credential and layout are built from, copied
// out of the state inside Read so that the signing (a round trip to
// munged) happens outside it.
type stepGrant struct {
	job, step  uint32
	uid, gid   uint32
	partition  string
	restart    uint16
	jobTasks   int
	jobNodes   []string
	jobCPUs    []int // CPUs the job holds on each of jobNodes
	nodeCPUs   []int // CPUs each of jobNodes has
	sockets    []int // sockets of each of jobNodes, one core per CPU in all
	memPerNode int64
	stepNodes  []string
	taskCounts []int // tasks per step node (state.Step.TaskLayout)
	tasks      int
	alias      string // the job's dynamic nodes (aliasList): srun learns their addresses from it
}

func newStepGrant(v View, j *state.Job, s *state.Step) stepGrant {
	nodes := v.State.Nodes()
	g := stepGrant{job: uint32(j.ID), step: s.ID, uid: j.Spec.UID, gid: j.Spec.GID,
		restart: uint16(min(j.Attempt, 0xfffe)), jobTasks: max(j.Spec.NumTasks, len(j.Nodes)),
		memPerNode: j.MemPerNode, taskCounts: s.TaskLayout(), tasks: s.Tasks, alias: aliasList(nodes, j.Nodes)}
	if p := v.State.Partitions(); j.Partition >= 0 && j.Partition < len(p) {
		g.partition = p[j.Partition].Name
	}
	byName := confNodes(v.Conf)
	for _, n := range j.Nodes {
		held, _ := j.HoldSize(&nodes[n])
		g.jobNodes = append(g.jobNodes, nodes[n].Name)
		g.jobCPUs = append(g.jobCPUs, held)
		g.nodeCPUs = append(g.nodeCPUs, nodes[n].CPUs)
		g.sockets = append(g.sockets, socketsOf(byName[nodes[n].Name], nodes[n].CPUs))
	}
	for _, n := range s.Nodes {
		g.stepNodes = append(g.stepNodes, nodes[n].Name)
	}
	return g
}

// socketsOf is how many sockets a node's CPUs are spread over, from
// slurm.conf when its layout has one thread per core and matches the CPU
// count; otherwise the CPUs are described as one socket.
func socketsOf(n *conf.Node, cpus int) int {
	if n == nil || n.Sockets == 0 || n.ThreadsPerCore > 1 || int(n.Sockets)*int(n.CoresPerSocket) != cpus {
		return 1
	}
	return int(n.Sockets)
}

// orderedList is a host list text that expands to names in exactly this
// order: the compressed form when it does, else the names joined by commas.
// Order matters: srun and the node daemons match task ids and per-node
// arrays to the list's order.
func orderedList(names []string) string {
	c := hostlist.Compress(names)
	if got, err := hostlist.Expand(c); err == nil && slices.Equal(got, names) {
		return c
	}
	return strings.Join(names, ",")
}

// layout is the step layout of RESPONSE_JOB_STEP_CREATE.
func (g *stepGrant) layout() *slurmproto.StepLayout {
	l := &slurmproto.StepLayout{NodeList: slurmproto.S(orderedList(g.stepNodes)),
		StartProtocolVer: slurmproto.ProtocolVersion, TaskCnt: uint32(g.tasks), TaskDist: distBlock}
	next := uint32(0)
	for _, n := range g.taskCounts {
		ids := make([]uint32, n)
		for i := range ids {
			ids[i] = next
			next++
		}
		l.TaskIDs = append(l.TaskIDs, ids)
	}
	return l
}

// credential builds the unsigned credential. Each CPU is described as a
// core (see socketsOf); the job holds the first cores of each node, and
// the step's cores are the job's cores on the step's nodes.
func (g *stepGrant) credential(now time.Time) (*slurmproto.JobCredential, error) {
	pw := lookupPasswd(g.uid)
	f := slurmproto.JobCredentialFields{
		StepID: slurmproto.StepID{JobID: g.job, StepID: g.step, StepHetComp: slurmproto.NoVal},
		UID:    g.uid, GID: g.gid,
		PwName: optStr(pw.name), PwGecos: optStr(pw.gecos), PwDir: optStr(pw.dir), PwShell: optStr(pw.shell),
		GIDs:         userGroups(pw.name, g.gid),
		JobCoreSpec:  slurmproto.NoVal16,
		JobPartition: optStr(g.partition), JobRestartCnt: g.restart,
		StepHostList: slurmproto.S(orderedList(g.stepNodes)),
		CTime:        slurmproto.Time(now.Unix()),
		JobNHosts:    uint32(len(g.jobNodes)), JobNTasks: uint32(g.jobTasks),
		JobHostList:  slurmproto.S(orderedList(g.jobNodes)),
		JobAliasList: optStr(g.alias),
	}
	total := 0
	for _, c := range g.nodeCPUs {
		total += c
	}
	var jobBits, stepBits []uint32
	offset := 0
	for i, name := range g.jobNodes {
		inStep := slices.Contains(g.stepNodes, name)
		for c := 0; c < g.jobCPUs[i] && c < g.nodeCPUs[i]; c++ {
			jobBits = append(jobBits, uint32(offset+c))
			if inStep {
				stepBits = append(stepBits, uint32(offset+c))
			}
		}
		offset += g.nodeCPUs[i]
		sockets := max(g.sockets[i], 1)
		f.CoreLayouts = appendCoreLayout(f.CoreLayouts, uint16(min(g.nodeCPUs[i]/sockets, 0xffff)), uint16(min(sockets, 0xffff)))
		f.CPUGroups = appendCPUGroup(f.CPUGroups, uint16(min(g.jobCPUs[i], 0xffff)))
	}
	var err error
	f.TotCoreCnt = uint32(total)
	if f.JobCoreBitmap, err = slurmproto.NewBitmap(uint32(total), jobBits...); err != nil {
		return nil, err
	}
	if f.StepCoreBitmap, err = slurmproto.NewBitmap(uint32(total), stepBits...); err != nil {
		return nil, err
	}
	mem := uint64(max(g.memPerNode, 0))
	f.JobMemAlloc = slurmproto.MemAllocs{{MB: mem, Reps: uint32(len(g.jobNodes))}}
	f.StepMemAlloc = slurmproto.MemAllocs{{MB: mem, Reps: uint32(len(g.stepNodes))}}
	return &slurmproto.JobCredential{Fields: f}, nil
}

func appendCoreLayout(l slurmproto.CoreLayouts, cores, sockets uint16) slurmproto.CoreLayouts {
	if n := len(l); n > 0 && l[n-1].CoresPerSocket == cores && l[n-1].SocketsPerNode == sockets {
		l[n-1].Reps++
		return l
	}
	return append(l, slurmproto.CoreLayout{CoresPerSocket: cores, SocketsPerNode: sockets, Reps: 1})
}

func appendCPUGroup(g slurmproto.CPUGroups, cpus uint16) slurmproto.CPUGroups {
	if n := len(g); n > 0 && g[n-1].CPUs == cpus {
		g[n-1].Reps++
		return g
	}
	return append(g, slurmproto.CPUGroup{CPUs: cpus, Reps: 1})
}

var errNoSigner = errors.New("slurmrpc: no credential signer configured")

// sign fills cred.Signature: the MUNGE credential over the packed fields,
// with its NUL, as cred/munge's cred_p_sign produces it.
func (s *Server) sign(ctx context.Context, cred *slurmproto.JobCredential) error {
	if s.Signer == nil {
		return errNoSigner
	}
	payload, err := cred.SignedBytes()
	if err != nil {
		return err
	}
	sig, err := s.Signer.Sign(ctx, payload)
	if err != nil {
		return fmt.Errorf("sign job credential: %w", err)
	}
	if sig == "" || strings.IndexByte(sig, 0) >= 0 {
		return fmt.Errorf("sign job credential: signer returned %d bytes with a NUL or none", len(sig))
	}
	cred.Signature = append([]byte(sig), 0)
	return nil
}

// passwdEntry is the part of a passwd entry a credential carries.
type passwdEntry struct{ name, gecos, dir, shell string }

// lookupPasswd finds uid in /etc/passwd (for the shell, which os/user does
// not report), falling back on os/user for users from other sources.
func lookupPasswd(uid uint32) passwdEntry {
	want := strconv.FormatUint(uint64(uid), 10)
	if f, err := os.Open("/etc/passwd"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for lines := 0; sc.Scan() && lines < 1<<20; lines++ {
			p := strings.Split(sc.Text(), ":")
			if len(p) == 7 && p[2] == want {
				return passwdEntry{name: p[0], gecos: p[4], dir: p[5], shell: p[6]}
			}
		}
	}
	if u, err := user.LookupId(want); err == nil {
		return passwdEntry{name: u.Username, gecos: u.Name, dir: u.HomeDir}
	}
	return passwdEntry{}
}

// userGroups is the user's group list (primary first), as slurmctld puts
// it in credentials so node daemons need not look it up.
func userGroups(name string, gid uint32) []uint32 {
	out := []uint32{gid}
	if name == "" {
		return out
	}
	u, err := user.Lookup(name)
	if err != nil {
		return out
	}
	ids, err := u.GroupIds()
	if err != nil {
		return out
	}
	for _, s := range ids {
		v, err := strconv.ParseUint(s, 10, 32)
		if err != nil || slices.Contains(out, uint32(v)) || len(out) >= maxCredGroups {
			continue
		}
		out = append(out, uint32(v))
	}
	return out
}
