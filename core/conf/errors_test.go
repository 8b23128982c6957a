package conf

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// header is the minimum every test configuration needs.
const header = "ClusterName=test\nSlurmctldHost=ctl\n"

// mapReader serves files from a map, as a test stand-in for os.ReadFile.
func mapReader(files map[string]string) ReadFileFunc {
	return func(path string) ([]byte, error) {
		data, ok := files[path]
		if !ok {
			return nil, fmt.Errorf("no such file")
		}
		return []byte(data), nil
	}
}

func parseFiles(files map[string]string) (*Config, error) {
	return Parse("/etc/slurm/slurm.conf", mapReader(files))
}

func parseMain(text string) (*Config, error) {
	return parseFiles(map[string]string{"/etc/slurm/slurm.conf": text})
}

// TestErrors checks that each kind of mistake is reported as a *ParseError
// whose text names the file, the line and the key.
func TestErrors(t *testing.T) {
	const main = "/etc/slurm/slurm.conf"
	cases := []struct {
		name  string
		files map[string]string // main file under "main"
		want  string            // exact Error() text
	}{
		{"missing equals", map[string]string{"main": header + "ClusterName\n"},
			main + ":3: ClusterName: missing '=' (expected ClusterName=value)"},
		{"garbage", map[string]string{"main": header + "=x\n"},
			main + `:3: expected key=value, found "=x"`},
		{"missing value", map[string]string{"main": header + "SlurmUser=\n"},
			main + `:3: SlurmUser: missing value (write SlurmUser="" for an empty value)`},
		{"bad number", map[string]string{"main": header + "MaxJobCount=lots\n"},
			main + `:3: MaxJobCount: value "lots" is not a valid number`},
		{"octal like C", map[string]string{"main": header + "KillWait=08\n"},
			main + `:3: KillWait: value "08" is not a valid number`},
		{"uint16 overflow", map[string]string{"main": header + "MessageTimeout=70000\n"},
			main + `:3: MessageTimeout: value "70000" is greater than 65535`},
		{"negative", map[string]string{"main": header + "SlurmdTimeout=-5\n"},
			main + `:3: SlurmdTimeout: value "-5" is less than zero`},
		{"zero jobs", map[string]string{"main": header + "MaxJobCount=0\n"},
			main + `:3: MaxJobCount: MaxJobCount=0 permits no jobs`},
		{"first job id zero", map[string]string{"main": header + "FirstJobId=0\n"},
			main + `:3: FirstJobId: FirstJobId cannot be zero`},
		{"bad ctld port range", map[string]string{"main": header + "SlurmctldPort=6818-6817\n"},
			main + `:3: SlurmctldPort: invalid port "6818-6817" (use a port or a range such as 6817-6818)`},
		{"two pairs on scalar line", map[string]string{"main": header + "SlurmUser=slurm SlurmdUser=root\n"},
			main + `:3: SlurmUser: unexpected "SlurmdUser=" after the value; only NodeName, PartitionName, NodeSet, DownNodes and SlurmctldHost lines take several key=value pairs`},
		{"operator", map[string]string{"main": header + "Licenses+=foo\n"},
			main + `:3: Licenses: operator "+=" is not supported in slurm.conf`},
		{"no cluster name", map[string]string{"main": "SlurmctldHost=ctl\n"},
			main + `: ClusterName: ClusterName needs to be specified`},
		{"no controller", map[string]string{"main": "ClusterName=x\n"},
			main + `: SlurmctldHost: no SlurmctldHost defined`},
		{"bad controller", map[string]string{"main": "ClusterName=x\nSlurmctldHost=a(b\n"},
			main + `:2: SlurmctldHost: bad value "a(b" (use host or host(address))`},
		{"duplicate controller", map[string]string{"main": "ClusterName=x\nSlurmctldHost=a\nSlurmctldHost=a(10.0.0.1)\n"},
			main + `:3: SlurmctldHost: duplicate controller "a"`},
		{"duplicate node", map[string]string{"main": header + "NodeName=n[1-3]\nNodeName=n3\n"},
			main + `:4: NodeName: duplicate node name "n3" (first defined at /etc/slurm/slurm.conf:3)`},
		{"bad hostlist", map[string]string{"main": header + "NodeName=n[3-1]\n"},
			main + `:3: NodeName: hostlist "n[3-1]": offset 2: reversed range "3-1"`},
		{"node ALL", map[string]string{"main": header + "NodeName=ALL\n"},
			main + `:3: NodeName: "ALL" is a reserved word and cannot be a node name`},
		{"bad node number", map[string]string{"main": header + "NodeName=n1 RealMemory=1G\n"},
			main + `:3: RealMemory: value "1G" is not a valid number`},
		{"bad node state", map[string]string{"main": header + "NodeName=n1 State=SLEEPY\n"},
			main + `:3: State: invalid node state "SLEEPY"`},
		{"addr count", map[string]string{"main": header + "NodeName=n[1-3] NodeAddr=a[1-2]\n"},
			main + `:3: NodeAddr: 2 entries for 3 nodes (need 1 or 3)`},
		{"bad port", map[string]string{"main": header + "NodeName=n[1-2] Port=70000-70001\n"},
			main + `:3: Port: invalid port "70000" in "70000-70001" (must be 1-65535)`},
		{"default with hostname", map[string]string{"main": header + "NodeName=DEFAULT NodeHostname=x\n"},
			main + `:3: NodeHostname: not allowed with NodeName=DEFAULT`},
		{"partition undefined node", map[string]string{"main": header + "NodeName=n[1-2]\nPartitionName=p Nodes=n[1-3]\n"},
			main + `:4: Nodes: partition "p": node "n3" is not defined by any NodeName or NodeSet line`},
		{"partition bad time", map[string]string{"main": header + "NodeName=n1\nPartitionName=p Nodes=n1 MaxTime=1:2:3:4\n"},
			main + `:4: MaxTime: time "1:2:3:4" has more than three ':' fields`},
		{"partition bad time words", map[string]string{"main": header + "PartitionName=p MaxTime=forever\n"},
			main + `:3: MaxTime: invalid time "forever" (use mm, mm:ss, hh:mm:ss, days-hh, days-hh:mm or days-hh:mm:ss)`},
		{"partition bad state", map[string]string{"main": header + "PartitionName=p State=OPEN\n"},
			main + `:3: State: invalid partition state "OPEN" (use UP, DOWN, DRAIN or INACTIVE)`},
		{"partition bad bool", map[string]string{"main": header + "PartitionName=p Default=maybe\n"},
			main + `:3: Default: "maybe" is not a valid boolean (use YES or NO)`},
		{"partition oversubscribe", map[string]string{"main": header + "PartitionName=p OverSubscribe=SOMETIMES\n"},
			main + `:3: OverSubscribe: invalid value "SOMETIMES" (use NO, YES, YES:n, FORCE, FORCE:n or EXCLUSIVE)`},
		{"duplicate partition", map[string]string{"main": header + "PartitionName=p\nPartitionName=p\n"},
			main + `:4: PartitionName: duplicate partition "p" (first defined at /etc/slurm/slurm.conf:3)`},
		{"default time from DEFAULT line", map[string]string{"main": header + "PartitionName=DEFAULT DefaultTime=x\nPartitionName=p\n"},
			main + `:3: DefaultTime: invalid time "x" (use mm, mm:ss, hh:mm:ss, days-hh, days-hh:mm or days-hh:mm:ss)`},
		{"down nodes undefined", map[string]string{"main": header + "NodeName=n1\nDownNodes=n2\n"},
			main + `:4: DownNodes: node "n2" is not defined by any NodeName line`},
		{"down nodes state", map[string]string{"main": header + "NodeName=n1\nDownNodes=n1 State=IDLE\n"},
			main + `:4: State: invalid DownNodes state "IDLE" (use DOWN, DRAIN, FAIL, FAILING or FUTURE)`},
		{"nodeset clash", map[string]string{"main": header + "NodeName=n1\nNodeSet=n1 Nodes=n1\n"},
			main + `:4: NodeSet: nodeset "n1" has the name of a node`},
		{"select params", map[string]string{"main": header + "SelectTypeParameters=CR_Core,CR_CPU\n"},
			main + `:3: SelectTypeParameters: "CR_Core,CR_CPU" names more than one resource type`},
		{"enforce", map[string]string{"main": header + "AccountingStorageEnforce=associations,everything\n"},
			main + `:3: AccountingStorageEnforce: invalid word "everything" (use associations, limits, nojobs, nosteps, qos, safe, wckeys or all)`},
		{"mysql", map[string]string{"main": header + "AccountingStorageType=accounting_storage/mysql\n"},
			main + `:3: AccountingStorageType: accounting_storage/mysql is only permitted in slurmdbd.conf`},
		{"error in continued line", map[string]string{"main": header + "\n\nNodeName=n1 \\\n  CPUs=x\n"},
			main + `:5: CPUs: value "x" is not a valid number`},
		{"error after continued line", map[string]string{"main": header + "NodeName=n1 \\\n  CPUs=2\nKillWait=z\n"},
			main + `:5: KillWait: value "z" is not a valid number`},
		{"include missing", map[string]string{"main": header + "Include nodes.conf\n"},
			main + `:3: Include: cannot read "/etc/slurm/nodes.conf": no such file`},
		{"error inside include", map[string]string{"main": header + "Include nodes.conf\n",
			"/etc/slurm/nodes.conf": "# nodes\nNodeName=n1 CPUs=many\n"},
			`/etc/slurm/nodes.conf:2: CPUs: value "many" is not a valid number`},
		{"include cycle", map[string]string{"main": header + "Include a.conf\n",
			"/etc/slurm/a.conf": "Include b.conf\n", "/etc/slurm/b.conf": "include /etc/slurm/a.conf\n"},
			`/etc/slurm/b.conf:1: Include: include cycle: /etc/slurm/a.conf -> /etc/slurm/b.conf -> /etc/slurm/a.conf`},
		{"include self", map[string]string{"main": header + "Include slurm.conf\n"},
			main + `:3: Include: include cycle: /etc/slurm/slurm.conf -> /etc/slurm/slurm.conf`},
		{"include glob", map[string]string{"main": header + "Include conf.d/*.conf\n"},
			main + `:3: Include: "conf.d/*.conf": glob patterns are not supported (Slurm 22.05 does not expand them either); list each file`},
		{"include %c before ClusterName", map[string]string{"main": "Include %c.conf\n" + header},
			main + `:1: Include: "%c.conf" uses %c but ClusterName is not set before this line`},
		{"include trailing text", map[string]string{"main": header + "Include a.conf b.conf\n"},
			main + `:3: Include: unexpected "b.conf" after the file name`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{}
			for k, v := range c.files {
				if k == "main" {
					k = main
				}
				files[k] = v
			}
			cfg, err := parseFiles(files)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, %v; want *ParseError %q", cfg != nil, err, c.want)
			}
			if err.Error() != c.want {
				t.Fatalf("error\n got  %s\n want %s", err, c.want)
			}
			if cfg != nil {
				t.Fatal("a Config was returned with an error")
			}
		})
	}
}

func TestIncludeDepthLimit(t *testing.T) {
	files := map[string]string{"/etc/slurm/slurm.conf": header + "Include d0.conf\n"}
	for i := 0; i <= MaxIncludeDepth; i++ {
		files[fmt.Sprintf("/etc/slurm/d%d.conf", i)] = fmt.Sprintf("Include d%d.conf\n", i+1)
	}
	_, err := parseFiles(files)
	if err == nil || !strings.Contains(err.Error(), "includes nested deeper than 16 levels") {
		t.Fatalf("got %v", err)
	}
}

func TestParseErrorFormat(t *testing.T) {
	cases := []struct {
		err  ParseError
		want string
	}{
		{ParseError{File: "a.conf", Line: 3, Key: "CPUs", Msg: "bad"}, "a.conf:3: CPUs: bad"},
		{ParseError{File: "a.conf", Key: "ClusterName", Msg: "missing"}, "a.conf: ClusterName: missing"},
		{ParseError{File: "a.conf", Line: 7, Msg: "garbage"}, "a.conf:7: garbage"},
		{ParseError{Msg: "plain"}, "plain"},
	}
	for _, c := range cases {
		if got := c.err.Error(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

func TestParseReaderErrors(t *testing.T) {
	if _, err := Parse("/x.conf", nil); err == nil {
		t.Fatal("nil reader accepted")
	}
	_, err := Parse("/x.conf", mapReader(nil))
	if err == nil || err.Error() != "/x.conf: cannot read: no such file" {
		t.Fatalf("got %v", err)
	}
	_, err = ParseBytes("/x.conf", []byte(header+"Include y.conf\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "no file reader supplied") {
		t.Fatalf("got %v", err)
	}
}

// TestWorkLimits checks that expansion-heavy inputs fail quickly with a
// clear error instead of consuming memory.
func TestWorkLimits(t *testing.T) {
	// The budget is shrunk so the test stays fast; the accounting is the
	// same as with MaxExpandedNames.
	var b strings.Builder
	b.WriteString(header + "NodeName=n[1-100]\n")
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&b, "PartitionName=p%d Nodes=ALL\n", i)
	}
	p := newParser(nil)
	p.budget = 1000 // node line: 3*100 names; each ALL partition: 100, so p7 (line 11) runs out
	err := p.file("/etc/slurm/slurm.conf", []byte(b.String()), 0)
	if err == nil {
		err = p.finish("/etc/slurm/slurm.conf")
	}
	if err == nil || err.Error() != "/etc/slurm/slurm.conf:11: Nodes: the configuration expands to more than 8388608 host names in total" {
		t.Fatalf("got %v", err)
	}
	_, err = parseMain(header + "NodeName=n[1-300000]\n")
	if err == nil || err.Error() != "/etc/slurm/slurm.conf:3: NodeName: more than 262144 nodes in total" {
		t.Fatalf("got %v", err)
	}
	_, err = parseMain(header + "NodeName=n1 NodeAddr=a[1-1000000]\n")
	if err == nil || err.Error() != "/etc/slurm/slurm.conf:3: NodeAddr: 1000000 entries for a single node" {
		t.Fatalf("got %v", err)
	}
	var w strings.Builder
	w.WriteString(header)
	for i := 0; i < MaxWarnings+10; i++ {
		w.WriteString("KillWait=1\n")
	}
	cfg, err := parseMain(w.String())
	if err != nil || len(cfg.Warnings) != MaxWarnings+1 ||
		!strings.Contains(cfg.Warnings[MaxWarnings].Msg, "too many warnings") {
		t.Fatalf("warnings %d, %v", len(cfg.Warnings), err)
	}
}
