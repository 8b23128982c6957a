package compat

import (
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// clientCase is one client run and what it must print.
type clientCase struct {
	name string
	user string   // "" runs as root, "nobody" as uid/gid 65534
	args []string // the command line, client first
	rc   int      // expected exit code
	// want is the exact output (stdout and stderr interleaved), unless
	// empty with match set.
	want string
	// match are regular expressions the output must each match (with
	// (?m) so ^ and $ are line anchors); used where the output holds
	// times or other values that change from run to run.
	match []string
	// absent are substrings the output must not contain.
	absent []string
	// timeout, when set, stops the client after that long; rc -1 then
	// means it was still running, as expected of a client that retries.
	timeout time.Duration
	// anyOrder compares the lines of want and of the output as sets:
	// for listings whose ties the client sorts with an unstable qsort
	// (sinfo -N lists a node in two partitions in either order).
	anyOrder bool
}

// cmd splits a command line on spaces; arguments with spaces are
// written as separate clientCase.args instead.
func cmd(line string) []string { return strings.Fields(line) }

// runCases runs cs in order as subtests of t.
func runCases(t *testing.T, c *cluster, cs []clientCase) {
	t.Helper()
	for _, k := range cs {
		t.Run(k.name, func(t *testing.T) { checkCase(t, c, k) })
	}
}

func checkCase(t *testing.T, c *cluster, k clientCase) {
	t.Helper()
	out, rc := c.runFor(k.timeout, k.user, k.args...)
	show := func() string { return "\n$ " + strings.Join(k.args, " ") + "\n" + out }
	if rc != k.rc {
		t.Errorf("exit code %d, want %d%s", rc, k.rc, show())
	}
	if k.want != "" || len(k.match) == 0 {
		if got, want := out, k.want; k.anyOrder {
			if sortedLines(got) != sortedLines(want) {
				t.Errorf("output differs (in any order)%s\n--- want:\n%s", show(), k.want)
			}
		} else if got != want {
			t.Errorf("output differs%s\n--- want:\n%s", show(), k.want)
		}
	}
	for _, re := range k.match {
		if !regexp.MustCompile("(?m)" + re).MatchString(out) {
			t.Errorf("output does not match %q%s", re, show())
		}
	}
	for _, s := range k.absent {
		if strings.Contains(out, s) {
			t.Errorf("output contains %q%s", s, show())
		}
	}
}

func sortedLines(s string) string {
	ls := strings.Split(s, "\n")
	sort.Strings(ls)
	return strings.Join(ls, "\n")
}

// lines joins lines with a trailing newline, for want.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }
