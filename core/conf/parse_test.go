package conf

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, text string) *Config {
	t.Helper()
	cfg, err := parseMain(text)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestDefaults(t *testing.T) {
	cfg := mustParse(t, header)
	checks := []struct {
		name      string
		got, want any
	}{
		{"SlurmctldPort", cfg.SlurmctldPort, 6817},
		{"SlurmctldPortCount", cfg.SlurmctldPortCount, 1},
		{"SlurmdPort", cfg.SlurmdPort, 6818},
		{"MessageTimeout", cfg.MessageTimeout, 10 * time.Second},
		{"SlurmctldTimeout", cfg.SlurmctldTimeout, 120 * time.Second},
		{"SlurmdTimeout", cfg.SlurmdTimeout, 300 * time.Second},
		{"KillWait", cfg.KillWait, 30 * time.Second},
		{"MinJobAge", cfg.MinJobAge, 300 * time.Second},
		{"InactiveLimit", cfg.InactiveLimit, time.Duration(0)},
		{"MaxJobCount", cfg.MaxJobCount, 10000},
		{"FirstJobID", cfg.FirstJobID, uint32(1)},
		{"MaxArraySize", cfg.MaxArraySize, 1001},
		{"ReturnToService", cfg.ReturnToService, 0},
		{"JobRequeue", cfg.JobRequeue, true},
		{"SlurmUser", cfg.SlurmUser, "root"},
		{"AuthType", cfg.AuthType, "auth/munge"},
		{"CredType", cfg.CredType, "cred/munge"},
		{"SchedulerType", cfg.SchedulerType, "sched/backfill"},
		{"PriorityType", cfg.PriorityType, "priority/basic"},
		{"PriorityMaxAge", cfg.PriorityMaxAge, 7 * 24 * time.Hour},
		{"AccountingStorageType", cfg.AccountingStorageType, "accounting_storage/none"},
		{"AccountingStoragePort", cfg.AccountingStoragePort, 0},
		{"AccountingStorageUser", cfg.AccountingStorageUser, "root"},
		{"StateSaveLocation", cfg.StateSaveLocation, "/var/spool"},
		{"ControlHosts", len(cfg.ControlHosts), 1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if len(cfg.Warnings) != 0 || len(cfg.Unknown) != 0 {
		t.Errorf("warnings %v unknown %v", cfg.Warnings, cfg.Unknown)
	}
}

func TestKeysAreCaseInsensitive(t *testing.T) {
	cfg := mustParse(t, "clustername=MyCluster\nSLURMCTLDHOST=c1\nslurmdport=7000\n"+
		"nodename=n1 cpus=4 REALMEMORY=10\npartitionname=p nodes=n1 maxtime=10\n")
	if cfg.ClusterName != "mycluster" || cfg.SlurmdPort != 7000 {
		t.Fatalf("cluster %q port %d", cfg.ClusterName, cfg.SlurmdPort)
	}
	n, _ := cfg.Node("n1")
	if n.CPUs != 4 || n.RealMemory != 10 || n.Port != 7000 {
		t.Fatalf("node %+v", n)
	}
	p, _ := cfg.Partition("p")
	if p.MaxTime != 10*time.Minute || !slices.Equal(p.Nodes, []string{"n1"}) {
		t.Fatalf("partition %+v", p)
	}
	// Raw keeps canonical key spellings for known keys.
	if cfg.Raw[0].Key != "ClusterName" || cfg.Raw[3].Key != "NodeName" || cfg.Raw[4].Key != "CPUs" {
		t.Fatalf("raw %+v", cfg.Raw[:5])
	}
	// Node and partition names keep their case.
	if _, ok := cfg.Node("N1"); ok {
		t.Fatal("node names must be case-sensitive")
	}
}

func TestUnknownKeysAreReported(t *testing.T) {
	cfg := mustParse(t, header+"FooBar=1\nNodeName=n1 CPUs=2 Colour=blue\nPartitionName=p Nodes=n1 Speed=fast\n"+
		"SlurmctldHost=c2 Extra=1\nWidget=a Gadget=b\n")
	want := []KeyRef{
		{"/etc/slurm/slurm.conf", 3, "FooBar"},
		{"/etc/slurm/slurm.conf", 4, "Colour"},
		{"/etc/slurm/slurm.conf", 5, "Speed"},
		{"/etc/slurm/slurm.conf", 6, "Extra"},
		{"/etc/slurm/slurm.conf", 7, "Widget"},
		{"/etc/slurm/slurm.conf", 7, "Gadget"},
	}
	if !slices.Equal(cfg.Unknown, want) {
		t.Fatalf("unknown = %v", cfg.Unknown)
	}
	if v, ok := cfg.Lookup("foobar"); !ok || v != "1" {
		t.Fatalf("Lookup(foobar) = %q %v", v, ok)
	}
}

func TestRawAndLookup(t *testing.T) {
	cfg := mustParse(t, header+"KillWait=10\nNodeName=n1 State=DOWN\nKillWait=20\nMailProg=/bin/mail\n")
	if v, ok := cfg.Lookup("killwait"); !ok || v != "20" || cfg.KillWait != 20*time.Second {
		t.Fatalf("KillWait lookup %q typed %v", v, cfg.KillWait)
	}
	if _, ok := cfg.Lookup("State"); ok {
		t.Fatal("Lookup found a NodeName line key")
	}
	if v, _ := cfg.Lookup("MailProg"); v != "/bin/mail" {
		t.Fatalf("MailProg %q", v)
	}
	if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0].Error(), "KillWait: specified more than once (first at /etc/slurm/slurm.conf:3)") {
		t.Fatalf("warnings %v", cfg.Warnings)
	}
	var keys []string
	for _, e := range cfg.Raw {
		keys = append(keys, e.Head+"/"+e.Key+"="+e.Value)
	}
	want := "/ClusterName=test /SlurmctldHost=ctl /KillWait=10 NodeName/NodeName=n1 NodeName/State=DOWN /KillWait=20 /MailProg=/bin/mail"
	// SlurmctldHost is a line of its own kind, so it carries a Head.
	want = strings.Replace(want, "/SlurmctldHost=ctl", "SlurmctldHost/SlurmctldHost=ctl", 1)
	if strings.Join(keys, " ") != want {
		t.Fatalf("raw\n got  %s\n want %s", strings.Join(keys, " "), want)
	}
}

func TestNodeDefaultsApplyToFollowingLinesOnly(t *testing.T) {
	cfg := mustParse(t, header+
		"NodeName=a1 CPUs=1\n"+
		"NodeName=DEFAULT CPUs=8 RealMemory=100 Features=x\n"+
		"NodeName=b1\n"+
		"NodeName=DEFAULT RealMemory=200\n"+ // merges: CPUs=8 and Features stay
		"NodeName=c1 Feature=y\n"+
		"NodeName=d1 CPUs=2 Port=9000\n")
	type want struct {
		cpus     uint16
		mem      uint64
		features string
	}
	for name, w := range map[string]want{"a1": {1, 1, ""}, "b1": {8, 100, "x"}, "c1": {8, 200, "y"}, "d1": {2, 200, "x"}} {
		n, ok := cfg.Node(name)
		if !ok || n.CPUs != w.cpus || n.RealMemory != w.mem || strings.Join(n.Features, ",") != w.features {
			t.Errorf("%s: %+v, want %+v", name, n, w)
		}
	}
	if d, _ := cfg.Node("d1"); d.Port != 9000 {
		t.Errorf("d1 port %d", d.Port)
	}
}

func TestNodeExpansionInParallel(t *testing.T) {
	cfg := mustParse(t, header+"NodeName=n[1-4] NodeHostname=h[1-4] NodeAddr=10.0.0.[1-4] Port=7001-7004 BcastAddr=b\n"+
		"NodeName=m[1-2] NodeHostname=shared Port=7100\nSlurmdPort=7200\nNodeName=k1\n")
	got := []string{}
	for _, n := range cfg.Nodes {
		got = append(got, strings.Join([]string{n.Name, n.Hostname, n.Addr, n.BcastAddr, strconv.Itoa(n.Port)}, "/"))
	}
	want := []string{
		"n1/h1/10.0.0.1/b/7001", "n2/h2/10.0.0.2/b/7002", "n3/h3/10.0.0.3/b/7003", "n4/h4/10.0.0.4/b/7004",
		"m1/shared/shared//7100", "m2/shared/shared//7100", "k1/k1/k1//7200",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func TestPartitions(t *testing.T) {
	cfg := mustParse(t, header+
		"NodeName=n[1-4] Features=a\nNodeName=g[1-2] Features=gpu\n"+
		"NodeSet=gpus Feature=gpu\nNodeSet=mix Nodes=n4 Feature=gpu\n"+
		"PartitionName=DEFAULT MaxTime=1-00:00:00 State=DOWN\n"+
		"PartitionName=a Nodes=n[3-4],n1 Default=YES\n"+
		"PartitionName=b Nodes=gpus,n2 MaxTime=30 DefaultTime=5:30 State=UP Default=YES\n"+
		"PartitionName=c Nodes=all\n"+
		"PartitionName=d Nodes= MaxNodes=INFINITE OverSubscribe=YES:8 Priority=7 AllowQos=ALL DenyQos=Low\n"+
		"PartitionName=e Nodes=mix Shared=EXCLUSIVE AllowAccounts=A,b DenyAccounts=c\n")
	type want struct {
		nodes   string
		state   PartitionState
		maxTime time.Duration
	}
	wants := map[string]want{
		"a": {"n1 n3 n4", PartitionDown, 24 * time.Hour},
		"b": {"n2 g1 g2", PartitionUp, 30 * time.Minute},
		"c": {"n1 n2 n3 n4 g1 g2", PartitionDown, 24 * time.Hour},
		"d": {"", PartitionDown, 24 * time.Hour},
		"e": {"n4 g1 g2", PartitionDown, 24 * time.Hour},
	}
	for name, w := range wants {
		p, ok := cfg.Partition(name)
		if !ok || strings.Join(p.Nodes, " ") != w.nodes || p.State != w.state || p.MaxTime != w.maxTime {
			t.Errorf("%s: %+v, want %+v", name, p, w)
		}
	}
	if cfg.DefaultPartition != "b" || len(cfg.Warnings) != 2 {
		t.Fatalf("default %q warnings %v", cfg.DefaultPartition, cfg.Warnings)
	}
	b, _ := cfg.Partition("b")
	if b.DefaultTime != 6*time.Minute {
		t.Errorf("DefaultTime 5:30 rounds up to 6m, got %v", b.DefaultTime)
	}
	a, _ := cfg.Partition("a")
	if a.DefaultTime != NoValue || a.MaxNodes != Infinite32 || a.OverSubscribe != (OverSubscribe{"NO", 1}) {
		t.Errorf("a defaults %+v", a)
	}
	d, _ := cfg.Partition("d")
	if d.OverSubscribe != (OverSubscribe{"YES", 8}) || d.PriorityTier != 7 || d.PriorityJobFactor != 7 ||
		d.AllowQOS != nil || !slices.Equal(d.DenyQOS, []string{"low"}) || d.MaxNodes != Infinite32 {
		t.Errorf("d %+v", d)
	}
	e, _ := cfg.Partition("e")
	if e.OverSubscribe != (OverSubscribe{"EXCLUSIVE", 0}) || !slices.Equal(e.AllowAccounts, []string{"a", "b"}) || e.DenyAccounts != nil {
		t.Errorf("e %+v", e)
	}
}

func TestDownNodes(t *testing.T) {
	cfg := mustParse(t, header+"NodeName=n[1-3] State=IDLE\nDownNodes=n[2-3] Reason=\"power cut\"\nDownNodes=n1 State=FAILING\n")
	states := []string{}
	for _, n := range cfg.Nodes {
		states = append(states, string(n.State)+":"+n.Reason)
	}
	if strings.Join(states, ",") != "FAIL:Set in slurm.conf,DOWN:power cut,DOWN:power cut" {
		t.Fatalf("states %v", states)
	}
}

func TestLegacyControllers(t *testing.T) {
	cfg := mustParse(t, "ClusterName=c\nControlMachine=m1\nBackupController=m2\nBackupAddr=10.0.0.2\n")
	want := []ControlHost{{"m1", "m1"}, {"m2", "10.0.0.2"}}
	if !slices.Equal(cfg.ControlHosts, want) {
		t.Fatalf("%v", cfg.ControlHosts)
	}
	cfg = mustParse(t, "ClusterName=c\nControlMachine=old\nSlurmctldHost=new1\nSlurmctldHost=new2(a2)\n")
	want = []ControlHost{{"new1", "new1"}, {"new2", "a2"}}
	if !slices.Equal(cfg.ControlHosts, want) || len(cfg.Warnings) != 1 {
		t.Fatalf("%v %v", cfg.ControlHosts, cfg.Warnings)
	}
}

func TestIncludeResolution(t *testing.T) {
	files := map[string]string{
		"/etc/slurm/slurm.conf":        "ClusterName=Blue\nSlurmctldHost=c\nInclude conf.d/nodes.conf\nInclude %c-parts.conf\n",
		"/etc/slurm/conf.d/nodes.conf": "Include more.conf\nNodeName=n1\n",
		"/etc/slurm/conf.d/more.conf":  "NodeName=n2\n",
		"/etc/slurm/blue-parts.conf":   "PartitionName=p Nodes=n[1-2]\n",
	}
	cfg, err := parseFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	wantFiles := []string{"/etc/slurm/slurm.conf", "/etc/slurm/conf.d/nodes.conf", "/etc/slurm/conf.d/more.conf", "/etc/slurm/blue-parts.conf"}
	if !slices.Equal(cfg.Files, wantFiles) {
		t.Fatalf("files %v", cfg.Files)
	}
	// Included lines are processed in place: n2 (from more.conf) comes first.
	if cfg.Nodes[0].Name != "n2" || cfg.Nodes[0].File != "/etc/slurm/conf.d/more.conf" || cfg.Nodes[0].Line != 1 {
		t.Fatalf("nodes %+v", cfg.Nodes)
	}
	// The same file may be included twice when it is not a cycle.
	files["/etc/slurm/slurm.conf"] = "ClusterName=x\nSlurmctldHost=c\nInclude a.conf\nInclude a.conf\n"
	files["/etc/slurm/a.conf"] = "KillWait=5\n"
	if _, err := parseFiles(files); err != nil {
		t.Fatal(err)
	}
}

func TestEmptyQuotedValue(t *testing.T) {
	cfg := mustParse(t, header+`AuthInfo=""`+"\n")
	if v, ok := cfg.Lookup("AuthInfo"); !ok || v != "" || cfg.AuthInfo != "" {
		t.Fatalf("AuthInfo %q %v", v, ok)
	}
}

func TestQuotingAndEscapes(t *testing.T) {
	cfg := mustParse(t, header+`NodeName=n1 Reason="disk \\ bad" State=DRAIN`+"\n"+
		`NodeName=n2 Reason=fan\#2 State=DOWN # comment`+"\n"+
		"NodeName=n3 Reason=\"spans \\\n two lines\" State=DOWN\n")
	got := []string{}
	for _, n := range cfg.Nodes {
		got = append(got, n.Reason)
	}
	want := []string{`disk \ bad`, "fan#2", "spans  two lines"}
	if !slices.Equal(got, want) {
		t.Fatalf("reasons %q", got)
	}
}

// TestTypedKeysAreKnown guards against a typo in a rule's key, which would
// make the key unreachable (it would be reported as unknown instead).
func TestTypedKeysAreKnown(t *testing.T) {
	keys := []string{"CredType", "CryptoType", "ControlMachine", "ControlAddr", "BackupController",
		"BackupAddr", "AccountingStoragePort", "NodeName", "PartitionName", "NodeSet", "DownNodes",
		"SlurmctldHost", "FrontendName"}
	for _, r := range scalarRules {
		keys = append(keys, r.key)
	}
	for _, k := range keys {
		if canon, ok := canonicalKey(topLevelIndex, k); !ok || canon != k {
			t.Errorf("typed key %q is not a canonical slurm.conf key", k)
		}
	}
}
