package state

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Job dependencies (sbatch --dependency), as Slurm 22.05 evaluates them.
// A dependency's state is derived from the other jobs' replicated states
// every time it is asked for, so every replica answers the same without a
// command recording it. Two consequences, both documented differences from
// slurmctld, which removes a fulfilled dependency from its list for good:
// a dependency on a job that is requeued back to pending is unfulfilled
// again, and a dependency on a job that has been purged counts as
// fulfilled, as slurmctld lifts it ("job is gone").

// DependType is the kind of one dependency.
type DependType uint8

const (
	DependAfter      DependType = iota + 1 // the job started (or ended without starting)
	DependAfterAny                         // the job ended, however
	DependAfterOK                          // the job completed successfully
	DependAfterNotOK                       // the job ended any other way
	dependTypeEnd
)

var dependTypeNames = [...]string{"", "after", "afterany", "afterok", "afternotok"}

func (t DependType) String() string {
	if t > 0 && t < dependTypeEnd {
		return dependTypeNames[t]
	}
	return "unknown"
}

// Dependency is one condition on another job.
type Dependency struct {
	Type DependType
	Job  JobID
}

// MaxDependencies bounds the conditions of one job.
const MaxDependencies = 128

// MaxDependencyLen bounds the --dependency string accepted by the parser.
const MaxDependencyLen = 4096

// ErrDependency is ESLURM_DEPENDENCY.
const ErrDependency ErrCode = 2038

// Errors of ParseDependency. ErrDependencyUnsupported marks valid Slurm
// syntax FLURM does not implement, so the wire layer can say so rather than
// call it malformed.
var (
	ErrDependencyMalformed   = errors.New("malformed dependency")
	ErrDependencyUnsupported = errors.New("unsupported dependency")
)

// ParseDependency parses Slurm's dependency syntax: conditions
// "type:job[:job...]" separated by "," or "?"; all must hold, unless a "?"
// appears anywhere, in which case any one suffices (slurmctld 22.05 reads
// "a,b?c" as a?b?c). A bare job id means afterany, as in Slurm. It checks
// syntax only: what the jobs are is Apply's business.
func ParseDependency(s string) (deps []Dependency, anyOf bool, err error) {
	if s == "" {
		return nil, false, nil
	}
	if len(s) > MaxDependencyLen {
		return nil, false, fmt.Errorf("%w: longer than %d bytes", ErrDependencyMalformed, MaxDependencyLen)
	}
	anyOf = strings.Contains(s, "?")
	conds := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '?' })
	if len(conds) == 0 {
		return nil, false, fmt.Errorf("%w: no condition in %q", ErrDependencyMalformed, s)
	}
	for _, cond := range conds {
		typeName, ids, hasIDs := strings.Cut(cond, ":")
		if !hasIDs {
			if id, ok := parseDependJob(cond); ok { // legacy form: a bare job id
				deps = append(deps, Dependency{DependAfterAny, id})
				continue
			}
			typeName, ids = cond, ""
		}
		t, err := dependType(typeName)
		if err != nil {
			return nil, false, err
		}
		if ids == "" {
			return nil, false, fmt.Errorf("%w: %q names no job", ErrDependencyMalformed, cond)
		}
		for _, idStr := range strings.Split(ids, ":") {
			if strings.ContainsAny(idStr, "+_") {
				return nil, false, fmt.Errorf("%w: %q (array tasks and +time)", ErrDependencyUnsupported, idStr)
			}
			id, ok := parseDependJob(idStr)
			if !ok {
				return nil, false, fmt.Errorf("%w: bad job id %q", ErrDependencyMalformed, idStr)
			}
			deps = append(deps, Dependency{t, id})
		}
		if len(deps) > MaxDependencies {
			return nil, false, fmt.Errorf("%w: more than %d conditions", ErrDependencyMalformed, MaxDependencies)
		}
	}
	return deps, anyOf, nil
}

func dependType(name string) (DependType, error) {
	for t := DependAfter; t < dependTypeEnd; t++ {
		if name == dependTypeNames[t] {
			return t, nil
		}
	}
	switch name {
	case "singleton", "aftercorr", "afterburstbuffer", "expand":
		return 0, fmt.Errorf("%w: %s", ErrDependencyUnsupported, name)
	}
	return 0, fmt.Errorf("%w: unknown type %q", ErrDependencyMalformed, name)
}

func parseDependJob(s string) (JobID, bool) {
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil || v == 0 {
		return 0, false
	}
	return JobID(v), true
}

// FormatDependency writes conditions back in Slurm's syntax, one condition
// per job, as slurmctld lists them.
func FormatDependency(deps []Dependency, anyOf bool) string {
	return formatDeps(deps, anyOf, nil)
}

// dependStatus is one condition's state: Slurm's unfulfilled, fulfilled
// and failed.
type dependStatus uint8

const (
	dependUnfulfilled dependStatus = iota
	dependFulfilled
	dependFailed
)

var dependStatusNames = [...]string{"unfulfilled", "fulfilled", "failed"}

func (m *Machine) dependStatus(d Dependency) dependStatus {
	other := m.jobs[d.Job]
	if other == nil {
		return dependFulfilled // purged: slurmctld lifts the dependency
	}
	ended, ok := other.State.Terminal(), other.State == JobCompleted
	switch d.Type {
	case DependAfter:
		if other.State != JobPending {
			return dependFulfilled
		}
	case DependAfterAny:
		if ended {
			return dependFulfilled
		}
	case DependAfterOK:
		if ended && ok {
			return dependFulfilled
		} else if ended {
			return dependFailed
		}
	case DependAfterNotOK:
		if ended && !ok {
			return dependFulfilled
		} else if ended {
			return dependFailed
		}
	}
	return dependUnfulfilled
}

// DependencyState reports whether a job's dependencies allow it to start
// (satisfied) and, if not, whether they never will (never): a failed
// condition of an all-of list, or every condition of an any-of list
// failed. A job without dependencies is satisfied.
func (m *Machine) DependencyState(j *Job) (satisfied, never bool) {
	deps := j.Spec.Dependencies
	if len(deps) == 0 {
		return true, false
	}
	fulfilled, failed := 0, 0
	for _, d := range deps {
		switch m.dependStatus(d) {
		case dependFulfilled:
			fulfilled++
		case dependFailed:
			failed++
		}
	}
	if j.Spec.DependAny {
		return fulfilled > 0, fulfilled == 0 && failed == len(deps)
	}
	return fulfilled == len(deps), failed > 0
}

// DependencyString is the job's dependency as slurmctld shows it: the
// conditions not yet fulfilled, each with its state, e.g.
// "afterok:12(unfulfilled)"; empty once the dependency is satisfied.
func (m *Machine) DependencyString(j *Job) string {
	if ok, _ := m.DependencyState(j); ok {
		return ""
	}
	var open []Dependency
	for _, d := range j.Spec.Dependencies {
		if j.Spec.DependAny || m.dependStatus(d) != dependFulfilled {
			open = append(open, d)
		}
	}
	return formatDeps(open, j.Spec.DependAny, m.dependStatus)
}

func formatDeps(deps []Dependency, anyOf bool, status func(Dependency) dependStatus) string {
	sep := ","
	if anyOf {
		sep = "?"
	}
	var b strings.Builder
	for i, d := range deps {
		if i > 0 {
			b.WriteString(sep)
		}
		fmt.Fprintf(&b, "%s:%d", d.Type, d.Job)
		if status != nil {
			fmt.Fprintf(&b, "(%s)", dependStatusNames[status(d)])
		}
	}
	return b.String()
}

// validateDependencies is the submit-time check of conditions the wire
// layer parsed. A condition on the id the job is about to get is refused,
// as slurmctld refuses a job depending on itself.
func (m *Machine) validateDependencies(s *JobSpec) *Error {
	if len(s.Dependencies) > MaxDependencies {
		return reject(ErrDependency, "Job dependency problem")
	}
	for _, d := range s.Dependencies {
		if d.Type == 0 || d.Type >= dependTypeEnd || d.Job == 0 || d.Job == m.nextID {
			return reject(ErrDependency, "Job dependency problem")
		}
	}
	return nil
}

// knownDependencies drops conditions on jobs the state does not hold, as
// slurmctld 22.05 does at submit: such a job has ended and been purged
// (or never existed), so there is nothing to wait for.
func (m *Machine) knownDependencies(deps []Dependency) []Dependency {
	var out []Dependency
	for _, d := range deps {
		if m.jobs[d.Job] != nil {
			out = append(out, d)
		}
	}
	return out
}
