package slurmproto

// BuildInfoResponse is RESPONSE_BUILD_INFO, the slurm.conf dump behind
// `scontrol show config` (_pack_slurm_ctl_conf_msg /
// _unpack_slurm_ctl_conf_msg, protocol 38). No capture exists; the layout
// was checked field by field against the 22.05.8 unpacker.
type BuildInfoResponse struct {
	LastUpdate Time

	AccountingStorageEnforce    uint16
	AccountingStorageBackupHost Str
	AccountingStorageHost       Str
	AccountingStorageExtHost    Str
	AccountingStorageParams     Str
	AccountingStoragePort       uint16
	AccountingStorageTRES       Str
	AccountingStorageType       Str
	AccountingStorageUser       Str

	AcctGatherConf []KeyValue

	AcctGatherEnergyType       Str
	AcctGatherFilesystemType   Str
	AcctGatherInterconnectType Str
	AcctGatherNodeFreq         uint16
	AcctGatherProfileType      Str

	AuthAltTypes  Str
	AuthAltParams Str
	AuthInfo      Str
	AuthType      Str

	BatchStartTimeout uint16
	BootTime          Time
	BBType            Str
	BcastExclude      Str
	BcastParameters   Str

	CgroupConf       []KeyValue
	CliFilterPlugins Str
	ClusterName      Str
	CommParams       Str
	CompleteWait     uint16
	ConfFlags        uint32

	Controllers    ControlHosts
	CoreSpecPlugin Str
	CPUFreqDef     uint32
	CPUFreqGovs    uint32
	CredType       Str

	DefMemPerCPU     uint64
	DebugFlags       uint64
	DependencyParams Str

	EioTimeout        uint16
	EnforcePartLimits uint16
	Epilog            Str
	EpilogMsgTime     uint32
	EpilogSlurmctld   Str

	ExtSensorsConf []KeyValue
	ExtSensorsType Str
	ExtSensorsFreq uint16

	FedParams         Str
	FirstJobID        uint32
	FsDampeningFactor uint16

	GetEnvTimeout uint16
	GresPlugins   Str
	GroupTime     uint16
	GroupForce    uint16
	GPUFreqDef    Str

	HashVal uint32

	HealthCheckInterval  uint16
	HealthCheckNodeState uint16
	HealthCheckProgram   Str

	InactiveLimit       uint16
	InteractiveStepOpts Str

	JobAcctGatherFreq   Str
	JobAcctGatherType   Str
	JobAcctGatherParams Str

	JobCompHost        Str
	JobCompLoc         Str
	JobCompParams      Str
	JobCompPort        uint32
	JobCompType        Str
	JobCompUser        Str
	JobContainerPlugin Str

	JobCredentialPrivateKey        Str
	JobCredentialPublicCertificate Str
	JobDefaults                    []JobDefault
	JobFileAppend                  uint16
	JobRequeue                     uint16
	JobSubmitPlugins               Str

	KillOnBadExit uint16
	KillWait      uint16

	LaunchParams Str
	LaunchType   Str
	Licenses     Str
	LogFmt       uint16

	MaxArraySz      uint32
	MaxDBDMsgs      uint32
	MailDomain      Str
	MailProg        Str
	MaxJobCnt       uint32
	MaxJobID        uint32
	MaxMemPerCPU    uint64
	MaxNodeCnt      uint32
	MaxStepCnt      uint32
	MaxTasksPerNode uint16

	MCSPlugin       Str
	MCSPluginParams Str

	MinJobAge  uint32
	MPIConf    []KeyValue
	MPIDefault Str
	MPIParams  Str
	MsgTimeout uint16

	NextJobID           uint32
	NodeFeaturesConf    []PluginParams
	NodeFeaturesPlugins Str
	NodePrefix          Str

	OverTimeLimit uint16

	PluginDir         Str
	PlugStack         Str
	PowerParameters   Str
	PowerPlugin       Str
	PreemptMode       uint16
	PreemptType       Str
	PreemptExemptTime uint32
	PrepParams        Str
	PrepPlugins       Str

	PriorityDecayHL     uint32
	PriorityCalcPeriod  uint32
	PriorityFavorSmall  uint16
	PriorityFlags       uint16
	PriorityMaxAge      uint32
	PriorityParams      Str
	PriorityResetPeriod uint16
	PriorityType        Str
	PriorityWeightAge   uint32
	PriorityWeightAssoc uint32
	PriorityWeightFS    uint32
	PriorityWeightJS    uint32
	PriorityWeightPart  uint32
	PriorityWeightQOS   uint32
	PriorityWeightTRES  Str

	PrivateData            uint16
	ProctrackType          Str
	Prolog                 Str
	PrologEpilogTimeout    uint16
	PrologSlurmctld        Str
	PrologFlags            uint16
	PropagatePrioProcess   uint16
	PropagateRlimits       Str
	PropagateRlimitsExcept Str

	RebootProgram     Str
	ReconfigFlags     uint16
	RequeueExit       Str
	RequeueExitHold   Str
	ResumeFailProgram Str
	ResumeProgram     Str
	ResumeRate        uint16
	ResumeTimeout     uint16
	ResvEpilog        Str
	ResvOverRun       uint16
	ResvProlog        Str
	Ret2Service       uint16

	RoutePlugin     Str
	SchedParams     Str
	SchedLogfile    Str
	SchedLogLevel   uint16
	SchedTimeSlice  uint16
	SchedType       Str
	ScronParams     Str
	SelectType      Str
	SelectConf      []KeyValue
	SelectTypeParam uint16

	SlurmConf      Str
	SlurmUserID    uint32
	SlurmUserName  Str
	SlurmdUserID   uint32
	SlurmdUserName Str

	SlurmctldAddr           Str
	SlurmctldDebug          uint16
	SlurmctldLogfile        Str
	SlurmctldParams         Str
	SlurmctldPidfile        Str
	SlurmctldPlugstack      Str
	SlurmctldPlugstackConf  []PluginParams
	SlurmctldPort           uint32
	SlurmctldPortCount      uint16
	SlurmctldPrimaryOffProg Str
	SlurmctldPrimaryOnProg  Str
	SlurmctldSyslogDebug    uint16
	SlurmctldTimeout        uint16

	SlurmdDebug       uint16
	SlurmdLogfile     Str
	SlurmdParams      Str
	SlurmdPidfile     Str
	SlurmdPort        uint32
	SlurmdSpooldir    Str
	SlurmdSyslogDebug uint16
	SlurmdTimeout     uint16

	SrunEpilog        Str
	SrunPortRangeLow  uint16
	SrunPortRangeHigh uint16
	SrunProlog        Str
	StateSaveLocation Str
	SuspendExcNodes   Str
	SuspendExcParts   Str
	SuspendProgram    Str
	SuspendRate       uint16
	SuspendTime       uint32
	SuspendTimeout    uint16
	SwitchParam       Str
	SwitchType        Str

	TaskEpilog      Str
	TaskProlog      Str
	TaskPlugin      Str
	TaskPluginParam uint32
	TCPTimeout      uint16
	TmpFS           Str
	TopologyParam   Str
	TopologyPlugin  Str
	TreeWidth       uint16

	UnkillableProgram Str
	UnkillableTimeout uint16
	Version           Str
	VSizeFactor       uint16

	WaitTime  uint16
	X11Params Str
}

// KeyValue is config_key_pair_t; lists of them are u32 count (NO_VAL =
// none, decoded as nil) then name/value pairs.
type KeyValue struct {
	Name  Str
	Value Str
}

// PluginParams is config_plugin_params_t: a plugin name and its key/value
// list.
type PluginParams struct {
	Name     Str
	KeyPairs []KeyValue
}

// ControlHost is one SlurmctldHost entry: address and machine name.
type ControlHost struct {
	Addr    string
	Machine string
}

// ControlHosts packs as two string arrays of equal length: control_addr
// then control_machine.
type ControlHosts []ControlHost

func (c *ControlHosts) encodeWire(w *writer) {
	w.count(len(*c))
	for _, h := range *c {
		w.str(S(h.Addr))
	}
	w.count(len(*c))
	for _, h := range *c {
		w.str(S(h.Machine))
	}
}

func (c *ControlHosts) decodeWire(r *reader) {
	var addrs, machines []string
	decodeSlice(r, reflectValue(&addrs).Elem(), "")
	decodeSlice(r, reflectValue(&machines).Elem(), "")
	if r.err != nil {
		return
	}
	if len(addrs) != len(machines) {
		r.fail(ErrMalformed, "%d control_addr but %d control_machine", len(addrs), len(machines))
		return
	}
	if len(addrs) == 0 {
		return
	}
	out := make(ControlHosts, len(addrs))
	for i := range out {
		out[i] = ControlHost{Addr: addrs[i], Machine: machines[i]}
	}
	*c = out
}

func (*ControlHosts) minWireSize() int { return 8 }
