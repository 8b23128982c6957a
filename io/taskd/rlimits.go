package taskd

import (
	"strconv"
	"strings"
	"syscall"
)

// rlimitInfo is one resource limit srun propagates as SLURM_RLIMIT_<name>
// (slurm_rlimits_info.c), with the option and unit of the shell's
// ulimit builtin that sets it.
type rlimitInfo struct {
	name     string
	resource int
	flag     byte
	unit     uint64 // bytes per ulimit unit
}

var rlimits = []rlimitInfo{
	{"CPU", syscall.RLIMIT_CPU, 't', 1},
	{"FSIZE", syscall.RLIMIT_FSIZE, 'f', 512},
	{"DATA", syscall.RLIMIT_DATA, 'd', 1024},
	{"STACK", syscall.RLIMIT_STACK, 's', 1024},
	{"CORE", syscall.RLIMIT_CORE, 'c', 512},
	{"RSS", 5 /* RLIMIT_RSS */, 'm', 1024},
	{"NPROC", 6 /* RLIMIT_NPROC */, 'p', 1},
	{"NOFILE", syscall.RLIMIT_NOFILE, 'n', 1},
	{"MEMLOCK", 8 /* RLIMIT_MEMLOCK */, 'l', 1024},
	{"AS", syscall.RLIMIT_AS, 'v', 1024},
}

// rlimInfinity is RLIM_INFINITY as srun prints it.
const rlimInfinity = ^uint64(0)

// rlimitCommands turns the SLURM_RLIMIT_* variables of srun's environment
// into ulimit commands for the launcher, and removes them from env, as
// slurmstepd's set_user_limits does with PropagateResourceLimits=ALL
// (Slurm's default): each soft limit becomes srun's value, lowered to the
// hard limit the task inherits. A "U" prefix (srun --propagate) is
// accepted the same way. Only digits reach the shell.
func rlimitCommands(env *envList) string {
	var b strings.Builder
	for _, rl := range rlimits {
		name := "SLURM_RLIMIT_" + rl.name
		raw := env.get(name)
		env.unset(name)
		v, err := strconv.ParseUint(strings.TrimPrefix(raw, "U"), 10, 64)
		if raw == "" || err != nil {
			continue
		}
		var lim syscall.Rlimit
		if syscall.Getrlimit(rl.resource, &lim) == nil && lim.Max != rlimInfinity && v > lim.Max {
			v = lim.Max
		}
		val := "unlimited"
		if v != rlimInfinity {
			val = strconv.FormatUint(v/rl.unit, 10)
		}
		b.WriteString("ulimit -S -" + string(rl.flag) + " " + val + " 2>/dev/null\n")
	}
	return b.String()
}
