package slurmrpc

import (
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/io/slurmproto"
)

// REQUEST_BUILD_INFO (scontrol show config): the slurm.conf this
// controller runs with, as slurmctld packs slurm_conf. Keys the file sets
// are sent as written (strings) or parsed (numbers); unset keys get
// Slurm 22.05's documented defaults, so the listing reads like a real one.

// confReader reads keys of one parsed slurm.conf.
type confReader struct{ c *conf.Config }

func (r confReader) raw(key string) (string, bool) {
	if r.c == nil {
		return "", false
	}
	return r.c.Lookup(key)
}

// str is key's value, or def (NULL when def is empty).
func (r confReader) str(key, def string) slurmproto.Str {
	if v, ok := r.raw(key); ok {
		return slurmproto.S(v)
	}
	return optStr(def)
}

func (r confReader) u64(key string, def uint64) uint64 {
	if v, ok := r.raw(key); ok {
		if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64); err == nil {
			return n
		}
	}
	return def
}

func (r confReader) u32(key string, def uint32) uint32 {
	return uint32(min(r.u64(key, uint64(def)), uint64(slurmproto.Infinite)))
}

func (r confReader) u16(key string, def uint16) uint16 {
	return uint16(min(r.u64(key, uint64(def)), uint64(slurmproto.Infinite16)))
}

func secs16(d time.Duration) uint16 { return uint16(min(max(d/time.Second, 0), 0xfffe)) }
func secs32(d time.Duration) uint32 { return uint32(min(max(d/time.Second, 0), 0xfffffffe)) }

// debugLevel maps SlurmctldDebug/SlurmdDebug names to log levels.
func debugLevel(v string, def uint16) uint16 {
	levels := []string{"quiet", "fatal", "error", "info", "verbose", "debug", "debug2", "debug3", "debug4", "debug5"}
	for i, l := range levels {
		if strings.EqualFold(v, l) {
			return uint16(i)
		}
	}
	if n, err := strconv.ParseUint(v, 10, 16); err == nil {
		return uint16(n)
	}
	return def
}

// selectTypeParams maps SelectTypeParameters to its bits (slurm.h CR_*).
func selectTypeParams(list []string) uint16 {
	bits := map[string]uint16{
		"cr_cpu": 0x0001, "cr_socket": 0x0002, "cr_core": 0x0004, "cr_board": 0x0008,
		"cr_memory": 0x0010, "cr_one_task_per_core": 0x0100, "cr_pack_nodes": 0x0200,
		"cr_core_default_dist_block": 0x1000, "cr_lln": 0x4000,
	}
	combos := map[string]uint16{
		"cr_cpu_memory": 0x0011, "cr_socket_memory": 0x0012, "cr_core_memory": 0x0014,
	}
	var v uint16
	for _, p := range list {
		p = strings.ToLower(p)
		v |= bits[p] | combos[p]
	}
	return v
}

func lookupUID(name string) uint32 {
	if name == "" || name == "root" {
		return 0
	}
	u, err := user.Lookup(name)
	if err != nil {
		return slurmproto.NoVal
	}
	id, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return slurmproto.NoVal
	}
	return uint32(id)
}

func handleBuildInfo(s *Server, r *request) reply {
	var resp *slurmproto.BuildInfoResponse
	s.Backend.Read(func(v View) { resp = s.buildInfo(v) })
	return reply{msgType: slurmproto.ResponseBuildInfo, body: resp}
}

func (s *Server) buildInfo(v View) *slurmproto.BuildInfoResponse {
	c := v.Conf
	if c == nil {
		c = &conf.Config{}
	}
	k := confReader{c}
	slurmUser := c.SlurmUser
	if slurmUser == "" {
		slurmUser = "root"
	}
	slurmdUser := c.SlurmdUser
	if slurmdUser == "" {
		slurmdUser = "root"
	}
	var hosts slurmproto.ControlHosts
	for _, h := range c.ControlHosts {
		addr := h.Addr
		if addr == "" {
			addr = h.Name
		}
		hosts = append(hosts, slurmproto.ControlHost{Addr: addr, Machine: h.Name})
	}
	def := func(v, d string) slurmproto.Str {
		if v == "" {
			return optStr(d)
		}
		return slurmproto.S(v)
	}
	maxJobs := uint32(c.MaxJobCount)
	if maxJobs == 0 {
		maxJobs = 10000
	}
	b := &slurmproto.BuildInfoResponse{
		LastUpdate:                 slurmproto.Time(v.Started.Unix()), // when this configuration was read
		AccountingStorageHost:      optStr(c.AccountingStorageHost),
		AccountingStoragePort:      uint16(max(min(c.AccountingStoragePort, 0xffff), 0)),
		AccountingStorageTRES:      k.str("AccountingStorageTRES", "cpu,mem,energy,node,billing,fs/disk,vmem,pages"),
		AccountingStorageType:      def(c.AccountingStorageType, "accounting_storage/none"),
		AccountingStorageUser:      optStr(c.AccountingStorageUser),
		AcctGatherEnergyType:       k.str("AcctGatherEnergyType", "acct_gather_energy/none"),
		AcctGatherFilesystemType:   k.str("AcctGatherFilesystemType", "acct_gather_filesystem/none"),
		AcctGatherInterconnectType: k.str("AcctGatherInterconnectType", "acct_gather_interconnect/none"),
		AcctGatherProfileType:      k.str("AcctGatherProfileType", "acct_gather_profile/none"),
		AuthInfo:                   optStr(c.AuthInfo),
		AuthType:                   def(c.AuthType, "auth/munge"),
		BatchStartTimeout:          k.u16("BatchStartTimeout", 10),
		BootTime:                   slurmproto.Time(v.Started.Unix()),
		BBType:                     k.str("BurstBufferType", ""),
		ClusterName:                optStr(c.ClusterName),
		CompleteWait:               k.u16("CompleteWait", 0),
		Controllers:                hosts,
		CPUFreqDef:                 slurmproto.NoVal,
		CredType:                   def(c.CredType, "cred/munge"),
		EioTimeout:                 k.u16("EioTimeout", 60),
		Epilog:                     k.str("Epilog", ""),
		EpilogMsgTime:              k.u32("EpilogMsgTime", 2000),
		EnforcePartLimits:          partitionEnforceAll,
		ExtSensorsType:             k.str("ExtSensorsType", "ext_sensors/none"),
		FirstJobID:                 max(c.FirstJobID, 1),
		GetEnvTimeout:              k.u16("GetEnvTimeout", 2),
		GroupTime:                  k.u16("GroupUpdateTime", 600),
		GroupForce:                 k.u16("GroupUpdateForce", 1),
		HashVal:                    slurmproto.NoVal,
		InactiveLimit:              secs16(c.InactiveLimit),
		JobAcctGatherFreq:          k.str("JobAcctGatherFrequency", "30"),
		JobAcctGatherType:          k.str("JobAcctGatherType", "jobacct_gather/none"),
		JobCompType:                k.str("JobCompType", "jobcomp/none"),
		KillWait:                   secs16(c.KillWait),
		LaunchType:                 k.str("LaunchType", "launch/slurm"),
		MaxArraySz:                 uint32(max(c.MaxArraySize, 0)),
		MailProg:                   k.str("MailProg", "/bin/mail"),
		MaxJobCnt:                  maxJobs,
		MaxJobID:                   c.MaxJobID,
		MaxStepCnt:                 k.u32("MaxStepCount", 40000),
		MaxTasksPerNode:            k.u16("MaxTasksPerNode", 512),
		MCSPlugin:                  k.str("MCSPlugin", "mcs/none"),
		MinJobAge:                  secs32(c.MinJobAge),
		MPIDefault:                 k.str("MpiDefault", "none"),
		MsgTimeout:                 secs16(c.MessageTimeout),
		NextJobID:                  uint32(v.State.NextJobID()),
		OverTimeLimit:              k.u16("OverTimeLimit", 0),
		PluginDir:                  k.str("PluginDir", "/usr/lib/x86_64-linux-gnu/slurm-wlm"),
		PlugStack:                  k.str("PlugStackConfig", ""),
		PreemptType:                k.str("PreemptType", "preempt/none"),
		PriorityCalcPeriod:         300,
		PriorityDecayHL:            7 * 24 * 3600,
		PriorityMaxAge:             secs32(c.PriorityMaxAge),
		PriorityType:               def(c.PriorityType, "priority/basic"),
		PriorityWeightAge:          c.PriorityWeightAge,
		PriorityWeightFS:           c.PriorityWeightFairshare,
		PriorityWeightJS:           c.PriorityWeightJobSize,
		PriorityWeightPart:         c.PriorityWeightPartition,
		PriorityWeightQOS:          c.PriorityWeightQOS,
		PriorityWeightTRES:         optStr(c.PriorityWeightTRES),
		ProctrackType:              def(c.ProctrackType, "proctrack/cgroup"),
		Prolog:                     k.str("Prolog", ""),
		PrologEpilogTimeout:        k.u16("PrologEpilogTimeout", slurmproto.Infinite16),
		PropagateRlimits:           k.str("PropagateResourceLimits", "ALL"),
		ResumeRate:                 k.u16("ResumeRate", 300),
		ResumeTimeout:              k.u16("ResumeTimeout", 60),
		Ret2Service:                uint16(max(c.ReturnToService, 0)),
		RoutePlugin:                k.str("RoutePlugin", "route/default"),
		SchedParams:                optStr(strings.Join(c.SchedulerParameters, ",")),
		SchedTimeSlice:             k.u16("SchedulerTimeSlice", 30),
		SchedType:                  def(c.SchedulerType, "sched/backfill"),
		SelectType:                 def(c.SelectType, "select/cons_tres"),
		SelectTypeParam:            selectTypeParams(c.SelectTypeParameters),
		SlurmConf:                  optStr(v.ConfPath),
		SlurmUserID:                v.State.Options().SlurmUID,
		SlurmUserName:              slurmproto.S(slurmUser),
		SlurmdUserID:               lookupUID(slurmdUser),
		SlurmdUserName:             slurmproto.S(slurmdUser),
		SlurmctldAddr:              k.str("SlurmctldAddr", ""),
		SlurmctldDebug:             debugLevel(k.str("SlurmctldDebug", "info").String(), 3),
		SlurmctldLogfile:           optStr(c.SlurmctldLogFile),
		SlurmctldPidfile:           k.str("SlurmctldPidFile", "/var/run/slurmctld.pid"),
		SlurmctldPort:              uint32(max(c.SlurmctldPort, 0)),
		SlurmctldPortCount:         uint16(max(min(c.SlurmctldPortCount, 0xffff), 1)),
		SlurmctldSyslogDebug:       debugLevel(k.str("SlurmctldSyslogDebug", "").String(), 0),
		SlurmctldTimeout:           secs16(c.SlurmctldTimeout),
		SlurmdDebug:                debugLevel(k.str("SlurmdDebug", "info").String(), 3),
		SlurmdLogfile:              optStr(c.SlurmdLogFile),
		SlurmdParams:               k.str("SlurmdParameters", ""),
		SlurmdPidfile:              k.str("SlurmdPidFile", "/var/run/slurmd.pid"),
		SlurmdPort:                 uint32(max(c.SlurmdPort, 0)),
		SlurmdSpooldir:             def(c.SlurmdSpoolDir, "/var/spool/slurmd"),
		SlurmdSyslogDebug:          debugLevel(k.str("SlurmdSyslogDebug", "").String(), 0),
		SlurmdTimeout:              secs16(c.SlurmdTimeout),
		StateSaveLocation:          def(c.StateSaveLocation, "/var/spool/slurmctld"),
		SuspendRate:                k.u16("SuspendRate", 60),
		SuspendTime:                slurmproto.Infinite,
		SuspendTimeout:             k.u16("SuspendTimeout", 30),
		SwitchType:                 k.str("SwitchType", "switch/none"),
		TaskPlugin:                 def(strings.Join(c.TaskPlugin, ","), "task/none"),
		TCPTimeout:                 k.u16("TCPTimeout", 2),
		TmpFS:                      k.str("TmpFS", "/tmp"),
		TopologyPlugin:             k.str("TopologyPlugin", "topology/none"),
		TreeWidth:                  k.u16("TreeWidth", 50),
		UnkillableTimeout:          k.u16("UnkillableStepTimeout", 60),
		Version:                    slurmproto.S(s.Version),
		WaitTime:                   k.u16("WaitTime", 0),
	}
	if c.JobRequeue {
		b.JobRequeue = 1
	}
	if b.MaxJobID == 0 {
		b.MaxJobID = 0x03ff0000
	}
	if b.MaxArraySz == 0 {
		b.MaxArraySz = 1001
	}
	return b
}

// partitionEnforceAll is PARTITION_ENFORCE_ALL (slurm.h): FLURM's core
// refuses a job over its partition's limits at submission, whatever
// EnforcePartLimits says, so build info reports that behaviour.
const partitionEnforceAll uint16 = 1
