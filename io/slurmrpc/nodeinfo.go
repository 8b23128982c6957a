package slurmrpc

import (
	"strconv"
	"strings"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/core/state"
	"github.com/flurm/flurm/io/slurmproto"
)

// Node and partition records as node_mgr.c _pack_node and partition_mgr.c
// pack_part fill them, checked against the captured sinfo replies.

// nodeUsage is what a node's holds amount to.
type nodeUsage struct {
	cpus       int   // held by running jobs
	mem        int64 // held by running jobs
	completing bool  // holds of jobs that ended or of an older attempt
}

func usageOf(m *state.Machine, n *state.Node) nodeUsage {
	var u nodeUsage
	for _, h := range n.Holds {
		if j := m.Job(h.ID); j != nil && j.Attempt == h.Attempt && j.Running() {
			u.cpus += h.CPUs
			u.mem += h.MemMB
		} else {
			u.completing = true
		}
	}
	return u
}

// nodeState derives Slurm's node_state: the base state from health and
// allocation, plus the DRAIN, COMPLETING and NO_RESPOND flags, from which
// the clients print idle, mix, alloc, drain, drng, comp, down*, unk*...
func nodeState(n *state.Node, u nodeUsage) uint32 {
	var st uint32
	switch {
	case n.Down:
		st = slurmproto.NodeStateDown
		if !n.DownByAdmin {
			st |= slurmproto.NodeStateNoRespond
		}
	case !n.Registered:
		// Never heard from (or resumed from DOWN and not yet registered):
		// slurmctld shows such nodes as UNKNOWN and not responding.
		st = slurmproto.NodeStateUnknown | slurmproto.NodeStateNoRespond
	case u.cpus >= n.CPUs && n.CPUs > 0:
		st = slurmproto.NodeStateAllocated
	case u.cpus > 0:
		st = slurmproto.NodeStateMixed
	default:
		st = slurmproto.NodeStateIdle
	}
	if n.Drain {
		st |= slurmproto.NodeStateDrain
	}
	if u.completing && !n.Down {
		st |= slurmproto.NodeStateCompleting
	}
	return st
}

// nodeRecord builds one RESPONSE_NODE_INFO record.
func (s *Server) nodeRecord(v View, n *state.Node, cn *conf.Node) slurmproto.NodeInfo {
	u := usageOf(v.State, n)
	r := slurmproto.NodeInfo{
		Name:         slurmproto.S(n.Name),
		NodeHostname: slurmproto.S(n.Name),
		NodeAddr:     slurmproto.S(n.Name),
		NextState:    slurmproto.NoVal,
		NodeState:    nodeState(n, u),
		CPUs:         uint16(min(n.CPUs, 0xfffe)),
		Boards:       1,
		Sockets:      uint16(min(n.CPUs, 0xfffe)),
		Cores:        1,
		Threads:      1,
		RealMemory:   uint64(max(n.MemMB, 0)),
		Owner:        slurmproto.NoVal,
		CPUsEfctv:    uint16(min(n.CPUs, 0xfffe)),
		CPULoad:      slurmproto.NoVal, // agents do not report load: shown as N/A
		FreeMem:      slurmproto.NoVal64,
		Weight:       uint32(max(n.Weight, 0)),
		ReasonUID:    slurmproto.NoVal,
		Select: slurmproto.NodeSelectInfo{
			PluginID:    selectPluginID(v.Conf),
			AllocCPUs:   uint16(min(u.cpus, 0xfffe)),
			AllocMemory: uint64(max(u.mem, 0)),
		},
		ExtSensors: slurmproto.NodeExtSensors{ConsumedEnergy: slurmproto.NoVal64, Temperature: slurmproto.NoVal},
		CapWatts:   slurmproto.NoVal,
		TRESFmtStr: slurmproto.S(tresString(int64(n.CPUs), n.MemMB, 0, false)),
	}
	if n.Weight <= 0 {
		r.Weight = 1
	}
	if n.Registered {
		r.Version = slurmproto.S(s.Version)
	}
	if u.cpus > 0 {
		a := "cpu=" + strconv.Itoa(u.cpus)
		if u.mem > 0 {
			a += ",mem=" + memString(u.mem)
		}
		r.Select.TRESAllocFmtStr = slurmproto.S(a)
	}
	if n.Reason != "" {
		r.Reason = slurmproto.S(n.Reason)
		r.ReasonTime = slurmproto.Time(n.ReasonTime)
		r.ReasonUID = s.nodes.uid(n.Name, n.Reason, v.State.Options().SlurmUID)
	}
	if n.Dynamic {
		dynamicNodeFields(&r, n)
	}
	if cn != nil && !n.Dynamic {
		r.NodeHostname = optStr(cn.Hostname)
		r.NodeAddr = optStr(cn.Addr)
		r.BcastAddress = optStr(cn.BcastAddr)
		r.Port = uint16(max(min(cn.Port, 0xffff), 0))
		if cn.Boards > 0 {
			r.Boards = cn.Boards
		}
		if cn.Sockets > 0 {
			r.Sockets = cn.Sockets
		}
		if cn.CoresPerSocket > 0 {
			r.Cores = cn.CoresPerSocket
		}
		if cn.ThreadsPerCore > 0 {
			r.Threads = cn.ThreadsPerCore
		}
		r.TmpDisk = cn.TmpDisk
		r.CoreSpecCnt = cn.CoreSpecCount
		r.MemSpecLimit = cn.MemSpecLimit
		r.CPUSpecList = optStr(cn.CPUSpecList)
		if len(cn.Features) > 0 {
			f := strings.Join(cn.Features, ",")
			r.Features, r.FeaturesAct = slurmproto.S(f), slurmproto.S(f)
		}
		r.Gres = optStr(cn.Gres)
		spec := int(cn.CoreSpecCount) * int(r.Threads)
		r.CPUsEfctv = uint16(max(int(r.CPUs)-spec, 0))
	}
	return r
}

func handleNodeInfo(s *Server, r *request) reply {
	resp := &slurmproto.NodeInfoResponse{}
	s.Backend.Read(func(v View) {
		resp.LastUpdate = slurmproto.Time(v.Now.Unix())
		cn := confNodes(v.Conf)
		nodes := v.State.Nodes()
		resp.Nodes = make([]slurmproto.NodeInfo, len(nodes))
		for i := range nodes {
			if nodes[i].Deleted {
				resp.Nodes[i] = blankNodeRecord(v)
				continue
			}
			resp.Nodes[i] = s.nodeRecord(v, &nodes[i], cn[nodes[i].Name])
		}
	})
	return reply{msgType: slurmproto.ResponseNodeInfo, body: resp}
}

// handleNodeInfoSingle answers with the one node (pack_one_node), or with
// no record when there is no such node; scontrol then says it is not found.
func handleNodeInfoSingle(s *Server, r *request) reply {
	req := r.body.(*slurmproto.NodeInfoSingleRequest)
	resp := &slurmproto.NodeInfoResponse{}
	s.Backend.Read(func(v View) {
		resp.LastUpdate = slurmproto.Time(v.Now.Unix())
		if i, ok := v.State.NodeIndex(req.NodeName.String()); ok && !v.State.Nodes()[i].Deleted {
			n := &v.State.Nodes()[i]
			resp.Nodes = []slurmproto.NodeInfo{s.nodeRecord(v, n, confNodes(v.Conf)[n.Name])}
		}
	})
	return reply{msgType: slurmproto.ResponseNodeInfo, body: resp}
}

// Partition records.

var partitionStates = map[state.PartitionState]uint16{
	state.PartitionUp: slurmproto.PartitionUp, state.PartitionDown: slurmproto.PartitionDown,
	state.PartitionDrain: slurmproto.PartitionDrain, state.PartitionInactive: slurmproto.PartitionInactive,
}

const sharedForce uint16 = 0x8000 // SHARED_FORCE in max_share

func partitionRecord(v View, p *state.Partition, cp *conf.Partition) slurmproto.PartitionInfo {
	nodes := v.State.Nodes()
	names := make([]string, len(nodes))
	for i := range nodes {
		names[i] = nodes[i].Name
	}
	var cpus, mem int64
	for _, i := range p.Nodes {
		if i >= 0 && i < len(nodes) {
			cpus += int64(nodes[i].CPUs)
			mem += nodes[i].MemMB
		}
	}
	list, inx := nodeSet(names, p.Nodes)
	r := slurmproto.PartitionInfo{
		Name:              slurmproto.S(p.Name),
		MaxTime:           minutes(p.MaxTime),
		DefaultTime:       slurmproto.NoVal,
		MaxNodes:          slurmproto.Infinite,
		TotalNodes:        uint32(len(p.Nodes)),
		TotalCPUs:         uint32(min(cpus, int64(slurmproto.NoVal-1))),
		MaxCPUsPerNode:    slurmproto.Infinite,
		MaxShare:          1,
		OverTimeLimit:     slurmproto.NoVal16,
		PreemptMode:       slurmproto.NoVal16,
		PriorityJobFactor: 1,
		PriorityTier:      uint16(max(min(p.PriorityTier, 0xffff), 0)),
		StateUp:           partitionStates[p.State],
		ResumeTimeout:     slurmproto.NoVal16,
		SuspendTimeout:    slurmproto.NoVal16,
		SuspendTime:       slurmproto.NoVal,
		Nodes:             list,
		NodeInx:           inx,
		TRESFmtStr:        slurmproto.S(tresString(cpus, mem, int64(len(p.Nodes)), true)),
	}
	if p.DefaultTime > 0 {
		r.DefaultTime = minutes(p.DefaultTime)
	}
	if p.MaxNodes > 0 {
		r.MaxNodes = uint32(p.MaxNodes)
	}
	if p.Default {
		r.Flags |= slurmproto.PartFlagDefault
	}
	if cp == nil {
		return r
	}
	if cp.Hidden {
		r.Flags |= slurmproto.PartFlagHidden
	}
	if cp.DisableRootJobs {
		r.Flags |= slurmproto.PartFlagNoRoot
	}
	if cp.RootOnly {
		r.Flags |= slurmproto.PartFlagRootOnly
	}
	if cp.ReqResv {
		r.Flags |= slurmproto.PartFlagReqResv
	}
	if cp.LLN {
		r.Flags |= slurmproto.PartFlagLLN
	}
	if cp.ExclusiveUser {
		r.Flags |= slurmproto.PartFlagExclusiveUser
	}
	if cp.NodesExpr != "" && !p.AllNodes { // Nodes=ALL lists the nodes it has now, dynamic ones included
		r.Nodes = slurmproto.S(cp.NodesExpr)
	}
	r.GraceTime = uint32(cp.GraceTime.Seconds())
	r.MinNodes = cp.MinNodes
	if cp.MaxCPUsPerNode != 0 {
		r.MaxCPUsPerNode = cp.MaxCPUsPerNode
	}
	// The *MemPerCPU fields carry per-node values with the MEM_PER_CPU
	// bit clear and per-CPU values with it set.
	switch {
	case cp.DefMemPerCPU > 0:
		r.DefMemPerCPU = cp.DefMemPerCPU | memPerCPUBit
	case cp.DefMemPerNode > 0:
		r.DefMemPerCPU = cp.DefMemPerNode
	}
	switch {
	case cp.MaxMemPerCPU > 0:
		r.MaxMemPerCPU = cp.MaxMemPerCPU | memPerCPUBit
	case cp.MaxMemPerNode > 0:
		r.MaxMemPerCPU = cp.MaxMemPerNode
	}
	if cp.PriorityJobFactor > 0 {
		r.PriorityJobFactor = cp.PriorityJobFactor
	}
	switch strings.ToUpper(cp.OverSubscribe.Mode) {
	case "EXCLUSIVE":
		r.MaxShare = 0
	case "YES":
		r.MaxShare = uint16(max(cp.OverSubscribe.Jobs, 1))
	case "FORCE":
		r.MaxShare = uint16(max(cp.OverSubscribe.Jobs, 1)) | sharedForce
	}
	r.AllowAccounts = optStr(strings.Join(cp.AllowAccounts, ","))
	r.AllowGroups = optStr(strings.Join(cp.AllowGroups, ","))
	r.AllowAllocNodes = optStr(strings.Join(cp.AllocNodes, ","))
	r.AllowQOS = optStr(strings.Join(cp.AllowQOS, ","))
	r.QOSChar = optStr(cp.QOS)
	r.Alternate = optStr(cp.Alternate)
	r.DenyAccounts = optStr(strings.Join(cp.DenyAccounts, ","))
	r.DenyQOS = optStr(strings.Join(cp.DenyQOS, ","))
	r.BillingWeightsStr = optStr(cp.TRESBillingWeights)
	return r
}

func handlePartitionInfo(s *Server, r *request) reply {
	req := r.body.(*slurmproto.PartitionInfoRequest)
	resp := &slurmproto.PartitionInfoResponse{}
	s.Backend.Read(func(v View) {
		resp.LastUpdate = slurmproto.Time(v.Now.Unix())
		parts := v.State.Partitions()
		for i := range parts {
			var cp *conf.Partition
			if v.Conf != nil {
				cp, _ = v.Conf.Partition(parts[i].Name)
			}
			if cp != nil && cp.Hidden && req.ShowFlags&slurmproto.ShowAll == 0 {
				continue
			}
			resp.Partitions = append(resp.Partitions, partitionRecord(v, &parts[i], cp))
		}
	})
	return reply{msgType: slurmproto.ResponsePartitionInfo, body: resp}
}
