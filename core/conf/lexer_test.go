package conf

import (
	"fmt"
	"strings"
	"testing"
)

func TestSplitLines(t *testing.T) {
	cases := []struct {
		name, in string
		want     string // "line:text" entries joined by " | "
	}{
		{"comment", "A=1 # note\n#B=2\n", "1:A=1 "},
		{"escaped hash", `Reason=bad\#3` + "\n", "1:Reason=bad#3"},
		{"escaped backslash then comment", `A=x\\#c` + "\n", `1:A=x\`},
		{"continuation", "A=1 \\\n B=2\nC=3\n", "1:A=1  B=2 | 3:C=3"},
		{"continuation with trailing space", "A=1\\  \nB=2\n", "1:A=1B=2"},
		{"even backslashes do not continue", "A=x\\\\\nB=2\n", `1:A=x\ | 2:B=2`},
		{"three backslashes continue", "A=x\\\\\\\nB=2\n", `1:A=x\B=2`},
		{"comment then continuation", "A=1 \\ # why\nB=2\n", "1:A=1 B=2"},
		{"continuation at end of file", "A=1 \\", "1:A=1 "},
		{"blank lines", "\n   \n\t\nA=1\n\n", "4:A=1"},
		{"crlf", "A=1\r\nB=2\r\n", "1:A=1\r | 2:B=2\r"},
		{"escape any char", `A=\a\b`, "1:A=ab"},
	}
	for _, c := range cases {
		lines, err := splitLines("f", []byte(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		var got []string
		for _, l := range lines {
			got = append(got, fmt.Sprintf("%d:%s", l.line, l.text))
		}
		if strings.Join(got, " | ") != c.want {
			t.Errorf("%s: got %q, want %q", c.name, strings.Join(got, " | "), c.want)
		}
	}
}

func TestSplitLinesLimit(t *testing.T) {
	long := strings.Repeat("xxxxxxxxxx\\\n", MaxLineBytes/10+1)
	if _, err := splitLines("f", []byte(long)); err == nil || !strings.Contains(err.Error(), "f:1: logical line longer") {
		t.Fatalf("got %v", err)
	}
}

func TestSplitPairs(t *testing.T) {
	cases := []struct {
		in, want string // want: key=<value> items joined by " "
	}{
		{"A=1", "A=<1>"},
		{"  A=1   B=two\tC=3 ", "A=<1> B=<two> C=<3>"},
		{`Reason="disk failed" State=DOWN`, "Reason=<disk failed> State=<DOWN>"},
		{`A=""`, "A=<>"},
		{`A="x"y B=1`, `A=<"x"y> B=<1>`},
		{`A="unterminated B=1`, `A=<"unterminated> B=<1>`},
		{"A = 1", "A=<1>"},
		{"A=", "A=<>"},
		{"Nodes= Default=YES", "Nodes=<> Default=<YES>"},
		{"Nodes=  MaxTime = 5", "Nodes=<> MaxTime=<5>"},
		{"Nodes= n1", "Nodes=<n1>"},
		{"SchedulerParameters=a=1,b=2", "SchedulerParameters=<a=1,b=2>"},
		{"x.y_z=1", "x.y_z=<1>"},
		{"A+=1", "A+=<1>"},
		{"A-=1", "A-=<1>"},
	}
	for _, c := range cases {
		pairs, err := splitPairs(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		var got []string
		for _, p := range pairs {
			op := ""
			if p.op != 0 {
				op = string(p.op)
			}
			got = append(got, fmt.Sprintf("%s%s=<%s>", p.key, op, p.value))
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%q: got %q, want %q", c.in, strings.Join(got, " "), c.want)
		}
	}
}

func TestSplitPairsErrors(t *testing.T) {
	cases := map[string]string{
		"ClusterName":   "missing '=' (expected ClusterName=value)",
		"A=1 B":         "missing '=' (expected B=value)",
		"=1":            `expected key=value, found "=1"`,
		"A=1 ,B=2":      `expected key=value, found ",B=2"`,
		"Key:Value":     "missing '=' (expected Key=value)",
		"A=1 -B=2":      `expected key=value, found "-B=2"`,
		"A = ":          "",
		"A=1 B=2 C  =3": "",
	}
	for in, want := range cases {
		_, err := splitPairs(in)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: unexpected error %v", in, err)
		case want != "" && (err == nil || err.Error() != want):
			t.Errorf("%q: got %v, want %q", in, err, want)
		}
	}
}

func TestIncludeDirective(t *testing.T) {
	cases := []struct {
		in, target, rest string
		ok               bool
	}{
		{"Include a.conf", "a.conf", "", true},
		{"INCLUDE\t/etc/x.conf  ", "/etc/x.conf", "  ", true},
		{"include a b", "a", " b", true},
		{"Include=a.conf", "", "", false},
		{"Includes a", "", "", false},
		{" Include a", "", "", false},
		{"Include", "", "", false},
	}
	for _, c := range cases {
		target, rest, ok := includeDirective(c.in)
		if target != c.target || rest != c.rest || ok != c.ok {
			t.Errorf("%q: got %q %q %v", c.in, target, rest, ok)
		}
	}
}
