package conf

import (
	"strings"
	"time"
)

// Config is a parsed slurm.conf. Typed fields hold Slurm's defaults when the
// key is absent. Fields without a typed counterpart stay available through
// Raw and Lookup.
type Config struct {
	// Files lists every file read, the main file first, includes in the
	// order they were opened.
	Files []string

	ClusterName string // lower-cased, as Slurm does
	// ControlHosts are the SlurmctldHost entries in order (primary first),
	// or the legacy ControlMachine/BackupController pair.
	ControlHosts []ControlHost

	SlurmctldPort      int // first port
	SlurmctldPortCount int // ports SlurmctldPort..SlurmctldPort+count-1
	SlurmdPort         int
	SlurmUser          string
	SlurmdUser         string
	StateSaveLocation  string
	SlurmdSpoolDir     string
	SlurmctldLogFile   string
	SlurmdLogFile      string

	AuthType string
	AuthInfo string
	CredType string

	SchedulerType        string
	SchedulerParameters  []string
	SelectType           string
	SelectTypeParameters []string
	ProctrackType        string
	TaskPlugin           []string

	MessageTimeout   time.Duration
	SlurmctldTimeout time.Duration
	SlurmdTimeout    time.Duration
	KillWait         time.Duration
	InactiveLimit    time.Duration // 0 means no limit
	MinJobAge        time.Duration

	ReturnToService int
	MaxJobCount     int
	FirstJobID      uint32
	MaxJobID        uint32
	MaxArraySize    int
	JobRequeue      bool

	PriorityType            string
	PriorityWeightAge       uint32
	PriorityWeightFairshare uint32
	PriorityWeightJobSize   uint32
	PriorityWeightPartition uint32
	PriorityWeightQOS       uint32
	PriorityWeightTRES      string
	PriorityMaxAge          time.Duration

	AccountingStorageType    string
	AccountingStorageHost    string
	AccountingStoragePort    int
	AccountingStorageUser    string
	AccountingStorageEnforce []string // lower-cased tokens

	// Nodes are the expanded NodeName lines in definition order. DownNodes
	// lines have already been applied to their State and Reason.
	Nodes            []Node
	Partitions       []Partition
	DefaultPartition string // name of the last partition with Default=YES
	NodeSets         []NodeSet
	DownNodes        []DownNodes

	// Raw holds every key=value pair read, in file order, including those
	// of NodeName and PartitionName lines and unknown keys.
	Raw []Entry
	// Unknown lists keys that slurm.conf does not define; they are kept in
	// Raw and otherwise ignored.
	Unknown []KeyRef
	// Warnings are problems Slurm corrects with a logged error (for
	// example CPUs that match no socket layout); the correction has been
	// applied.
	Warnings []ParseError
}

// Entry is one key=value pair as read. Key is the canonical spelling for
// known keys and the spelling in the file otherwise. Head is the canonical
// first key of a NodeName, PartitionName, NodeSet, DownNodes, SlurmctldHost
// or FrontendName line, for every pair of such a line (including the first),
// and empty for ordinary single-pair lines.
type Entry struct {
	File  string
	Line  int
	Head  string
	Key   string
	Value string
}

// ControlHost is one slurmctld host: Name is what the daemon matches its
// own host name against, Addr is what clients connect to.
type ControlHost struct {
	Name string
	Addr string
}

// Lookup returns the last value of a top-level key (case-insensitive), as
// Slurm's "latest value used" rule picks it. Keys of NodeName, PartitionName,
// NodeSet and DownNodes lines are not top-level.
func (c *Config) Lookup(key string) (string, bool) {
	for i := len(c.Raw) - 1; i >= 0; i-- {
		e := c.Raw[i]
		if e.Head == "" && strings.EqualFold(e.Key, key) {
			return e.Value, true
		}
	}
	return "", false
}

// Node returns the node named name.
func (c *Config) Node(name string) (*Node, bool) {
	for i := range c.Nodes {
		if c.Nodes[i].Name == name {
			return &c.Nodes[i], true
		}
	}
	return nil, false
}

// Partition returns the partition named name.
func (c *Config) Partition(name string) (*Partition, bool) {
	for i := range c.Partitions {
		if c.Partitions[i].Name == name {
			return &c.Partitions[i], true
		}
	}
	return nil, false
}
