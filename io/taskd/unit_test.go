package taskd

import (
	"slices"
	"strconv"
	"syscall"
	"testing"
)

func TestExpandStdio(t *testing.T) {
	v := fnameVars{cwd: "/home/u", taskID: 3, nodeID: 1, node: "n2", user: "u", ntasks: 4}
	cases := []struct {
		name string
		null bool
		want string // "" = stream
		err  bool
	}{
		{null: true},
		{name: "3"},
		{name: "0", want: "/dev/null"},
		{name: "9", err: true},
		{name: "out-%t.txt", want: "/home/u/out-3.txt"},
		{name: "/x/%N-%n-%u-%3t", want: "/x/n2-1-u-003"},
		{name: "100%%-%t", want: "/home/u/100%-3"},
		{name: `a\%t`, want: "/home/u/a%t"},
		{name: "keep-%j-%q", want: "/home/u/keep-%j-%q"},
		{name: "/dev/null", want: "/dev/null"},
		{name: "", err: true},
	}
	for _, c := range cases {
		got, err := expandStdio(c.name, c.null, v)
		if (err != nil) != c.err || got.Path != c.want {
			t.Errorf("expandStdio(%q, %v) = %q, %v; want %q, err %v", c.name, c.null, got.Path, err, c.want, c.err)
		}
	}
}

func TestTasksPerNode(t *testing.T) {
	cases := map[string][][]uint32{
		"2(x2),1": {{0, 1}, {2, 3}, {4}},
		"1":       {{0}},
		"1,2,1":   {{0}, {1, 2}, {3}},
	}
	for want, lists := range cases {
		if got := tasksPerNode(lists); got != want {
			t.Errorf("tasksPerNode(%v) = %q, want %q", lists, got, want)
		}
	}
}

func TestEnvList(t *testing.T) {
	e := newEnvList([]string{"A=1", "B=2", "=bad", "noequals", "A=3", "C=x=y"})
	e.set("B", "4")
	e.setDefault("B", "5")
	e.setDefault("D", "6")
	e.unset("A")
	want := []string{"B=4", "C=x=y", "D=6"}
	if !slices.Equal(e.vars, want) || e.get("C") != "x=y" || e.get("A") != "" {
		t.Fatalf("env %q, want %q", e.vars, want)
	}
	e.set("E", "7")
	if e.get("E") != "7" || e.vars[len(e.vars)-1] != "E=7" {
		t.Fatalf("env %q", e.vars)
	}
}

func TestResolveProgram(t *testing.T) {
	if p, ok := resolveProgram("sh", "/nonexistent:/bin", "/"); !ok || p != "/bin/sh" {
		t.Errorf("sh: %q %v", p, ok)
	}
	if p, ok := resolveProgram("./a.out", "/bin", "/"); !ok || p != "./a.out" {
		t.Errorf("./a.out: %q %v", p, ok)
	}
	if _, ok := resolveProgram("no-such-program-xyz", "/bin:/usr/bin", "/"); ok {
		t.Error("found a missing program")
	}
	if _, ok := resolveProgram("bin", "/", "/"); ok {
		t.Error("a directory is not a program")
	}
}

func TestRlimitCommands(t *testing.T) {
	var nofile syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &nofile); err != nil {
		t.Fatal(err)
	}
	e := newEnvList([]string{"A=1", "SLURM_RLIMIT_STACK=18446744073709551615", "SLURM_RLIMIT_CORE=U1024",
		"SLURM_RLIMIT_CPU=1; rm -rf /", "SLURM_RLIMIT_NOFILE=" + u64(nofile.Max+1), "SLURM_RLIMIT_FSIZE=1048576"})
	got := rlimitCommands(e)
	want := "ulimit -S -f 2048 2>/dev/null\n" +
		"ulimit -S -s unlimited 2>/dev/null\n" +
		"ulimit -S -c 2 2>/dev/null\n" +
		"ulimit -S -n " + u64(nofile.Max) + " 2>/dev/null\n"
	if got != want {
		t.Errorf("commands:\n%s\nwant:\n%s", got, want)
	}
	if !slices.Equal(e.vars, []string{"A=1"}) {
		t.Errorf("env keeps %q", e.vars)
	}
}

func u64(v uint64) string { return strconv.FormatUint(v, 10) }
