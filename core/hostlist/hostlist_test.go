package hostlist

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	cases := []struct {
		expr string
		want string // names joined by spaces
	}{
		{"n1", "n1"},
		{"node", "node"},
		{"n[1-3]", "n1 n2 n3"},
		{"n[08-10]", "n08 n09 n10"},
		{"n[8-10]", "n8 n9 n10"},
		{"n[098-100]", "n098 n099 n100"},
		{"node[001-003,200]", "node001 node002 node003 node200"},
		{"n[1-2]-ib[0-3]", "n1-ib0 n1-ib1 n1-ib2 n1-ib3 n2-ib0 n2-ib1 n2-ib2 n2-ib3"},
		{"a,b[1-3],c", "a b1 b2 b3 c"},
		{"a b\tc", "a b c"},
		{"a,,b,", "a b"},
		{"[1-3]", "1 2 3"},
		{"[17001-17003]", "17001 17002 17003"},
		{"n[1-2]x", "n1x n2x"},
		{"r[1-2]n[1,3]", "r1n1 r1n3 r2n1 r2n3"},
		{"n[3,1,2]", "n3 n1 n2"},
		{"n[1,1]", "n1 n1"},
		{"n[0]", "n0"},
		{"n[00-02]", "n00 n01 n02"},
		{"n[1-010]", "n1 n2 n3 n4 n5 n6 n7 n8 n9 n10"},
		{"gpu-a100-[1-2].cluster", "gpu-a100-1.cluster gpu-a100-2.cluster"},
	}
	for _, c := range cases {
		got, err := Expand(c.expr)
		if err != nil {
			t.Errorf("Expand(%q): %v", c.expr, err)
			continue
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("Expand(%q) = %q, want %q", c.expr, strings.Join(got, " "), c.want)
		}
		n, err := Count(c.expr)
		if err != nil || n != len(got) {
			t.Errorf("Count(%q) = %d, %v; want %d", c.expr, n, err, len(got))
		}
	}
}

func TestExpandErrors(t *testing.T) {
	cases := []struct {
		expr, msg string
	}{
		{"", "empty hostlist"},
		{" , ", "empty hostlist"},
		{"n[1-3", "'[' without matching ']'"},
		{"n1-3]", "']' without matching '['"},
		{"n[1-[2]]", "nested '['"},
		{"n[3-1]", "reversed range"},
		{"n[a-c]", "non-numeric"},
		{"n[1-x]", "non-numeric"},
		{"n[-1]", "missing number"},
		{"n[1-]", "missing number"},
		{"n[1-2-3]", "non-numeric"},
		{"n[]", "empty brackets"},
		{"n[1,,2]", "empty range"},
		{"n[1, 2]", "non-numeric"},
		{"n[1234567890123456789]", "more than 18 digits"},
		{"n[0-1048576]", "more than 1048576 hosts"},
		{"n[0-1023]x[0-1024]", "more than 1048576 hosts"},
		{"a[0-524287],b[0-524288]", "more than 1048576 hosts"},
	}
	for _, c := range cases {
		got, err := Expand(c.expr)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Expand(%q) = %v, %v; want SyntaxError", c.expr, len(got), err)
			continue
		}
		if !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Expand(%q) error %q does not mention %q", c.expr, err, c.msg)
		}
		if _, cerr := Count(c.expr); cerr == nil {
			t.Errorf("Count(%q) succeeded where Expand failed", c.expr)
		}
	}
}

func TestExpandLimitBoundary(t *testing.T) {
	names, err := Expand(fmt.Sprintf("n[1-%d]", MaxHosts))
	if err != nil || len(names) != MaxHosts {
		t.Fatalf("expanding exactly MaxHosts: %d names, %v", len(names), err)
	}
	if names[MaxHosts-1] != fmt.Sprintf("n%d", MaxHosts) {
		t.Fatalf("last name %q", names[MaxHosts-1])
	}
	long := strings.Repeat("a", MaxExprLen+1)
	if _, err := Expand(long); err == nil {
		t.Fatal("over-long expression accepted")
	}
}

func TestCompress(t *testing.T) {
	cases := []struct {
		names string // space separated
		want  string
	}{
		{"", ""},
		{"n1", "n1"},
		{"n1 n2 n3", "n[1-3]"},
		{"n1 n2 n3 n5 gpu01", "n[1-3,5],gpu01"},
		{"n08 n09 n10", "n[08-10]"},
		{"n8 n9 n10", "n[8-10]"},
		{"n9 n010", "n[9,010]"},
		{"n1 n01", "n[1,01]"},
		{"n099 n100 n101", "n[099-101]"},
		{"n99 n100", "n[99-100]"},
		{"n1 gpu1 n2", "n1,gpu1,n2"},
		{"n3 n2 n1", "n[3,2,1]"},
		{"n1 n1", "n[1,1]"},
		{"login", "login"},
		{"login login", "login,login"},
		{"1 2 3", "[1-3]"},
		{"a1b1 a1b2", "a1b[1-2]"},
		{"n0 n1", "n[0-1]"},
		{"n00 n01", "n[00-01]"},
		{"n0 n01", "n[0,01]"},
		{"x1234567890123456789", "x1234567890123456789"},
	}
	for _, c := range cases {
		names := strings.Fields(c.names)
		got := Compress(names)
		if got != c.want {
			t.Errorf("Compress(%q) = %q, want %q", names, got, c.want)
		}
		if len(names) == 0 {
			continue
		}
		back, err := Expand(got)
		if err != nil || !slices.Equal(back, names) {
			t.Errorf("Expand(Compress(%q)) = %q, %v", names, back, err)
		}
	}
}
