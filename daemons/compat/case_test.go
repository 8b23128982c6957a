package compat

import (
	"fmt"
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
	// eventually, when set, runs the client again until the output is as
	// expected or that long has passed: for values the scheduler fills in
	// at its next pass, as slurmctld does (a released job shows no reason
	// until then).
	eventually time.Duration
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
	deadline := time.Now().Add(k.eventually)
	for {
		out, rc := c.runFor(k.timeout, k.user, k.args...)
		problems := caseProblems(k, out, rc)
		if len(problems) == 0 {
			return
		}
		if time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		for _, p := range problems {
			t.Error(p)
		}
		return
	}
}

// caseProblems says how a run's output and exit code differ from k's
// expectations; none means the case passed.
func caseProblems(k clientCase, out string, rc int) []string {
	var problems []string
	show := "\n$ " + strings.Join(k.args, " ") + "\n" + out
	if rc != k.rc {
		problems = append(problems, fmt.Sprintf("exit code %d, want %d%s", rc, k.rc, show))
	}
	if k.want != "" || len(k.match) == 0 {
		if got, want := out, k.want; k.anyOrder {
			if sortedLines(got) != sortedLines(want) {
				problems = append(problems, fmt.Sprintf("output differs (in any order)%s\n--- want:\n%s", show, k.want))
			}
		} else if got != want {
			problems = append(problems, fmt.Sprintf("output differs%s\n--- want:\n%s", show, k.want))
		}
	}
	for _, re := range k.match {
		if !regexp.MustCompile("(?m)" + re).MatchString(out) {
			problems = append(problems, fmt.Sprintf("output does not match %q%s", re, show))
		}
	}
	for _, s := range k.absent {
		if strings.Contains(out, s) {
			problems = append(problems, fmt.Sprintf("output contains %q%s", s, show))
		}
	}
	return problems
}

func sortedLines(s string) string {
	ls := strings.Split(s, "\n")
	sort.Strings(ls)
	return strings.Join(ls, "\n")
}

// lines joins lines with a trailing newline, for want.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }
