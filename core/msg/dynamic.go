package msg

// DynamicNode is what a node daemon started for a node slurm.conf does not
// declare (flurmnd -Z, Slurm's slurmd -Z) sends with every heartbeat so the
// leader can create the node: the resources its --conf declares (or the
// machine has) and where srun reaches its daemon. Addr is declared by the
// daemon rather than taken from the connection: the controller core sees
// messages, not sockets, and the heartbeat is sealed by the node's MUNGE
// credential (root or SlurmUser only), so the address is as trustworthy
// as the node daemon itself.
type DynamicNode struct {
	CPUs     int
	MemMB    int64
	Addr     string // NodeAddr
	Hostname string // NodeHostname
	Port     int    // the daemon's slurmd port
}
