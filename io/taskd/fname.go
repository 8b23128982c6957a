package taskd

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// maxFnameWidth is Slurm's MAX_WIDTH for zero-padded fields (%5t).
const maxFnameWidth = 10

// stdioTarget says where one stdio stream of a task goes: the srun I/O
// stream (Path == "") or a file on this node.
type stdioTarget struct {
	Path string
}

func (t stdioTarget) stream() bool { return t.Path == "" }

// fnameVars are the per-task values a stdio file name may use.
type fnameVars struct {
	cwd    string
	taskID uint32 // global task id (%t)
	nodeID int    // node index in the step (%n)
	node   string // this node's name (%N)
	user   string // %u
	ntasks uint32
}

// expandStdio turns the ofname/efname/ifname of a launch into the target
// for one task, as slurmstepd's _expand_stdio_filename does. srun sends a
// name only when the node must act on it: NULL means "stream it to srun";
// a bare task number means "only that task streams, the others get
// /dev/null"; anything else is a per-task file name pattern in which
// %t, %n, %N and %u (optionally zero-padded, %3t) and %% are expanded and
// a backslash anywhere turns expansion off. Relative names are relative
// to the step's working directory.
func expandStdio(name string, null bool, v fnameVars) (stdioTarget, error) {
	if null {
		return stdioTarget{}, nil
	}
	if id, err := strconv.ParseUint(name, 10, 32); err == nil {
		if uint32(id) >= v.ntasks {
			return stdioTarget{}, fmt.Errorf("task %d named for stdio, step has %d tasks", id, v.ntasks)
		}
		if uint32(id) == v.taskID {
			return stdioTarget{}, nil
		}
		return stdioTarget{Path: "/dev/null"}, nil
	}
	if name == "" {
		return stdioTarget{}, fmt.Errorf("empty stdio file name")
	}
	var out string
	if strings.Contains(name, `\`) {
		out = strings.ReplaceAll(name, `\`, "")
	} else {
		out = expandPattern(name, v)
	}
	if !strings.HasPrefix(out, "/") {
		out = path.Join(v.cwd, out)
	}
	if len(out) > 4095 {
		return stdioTarget{}, fmt.Errorf("stdio file name of %d bytes", len(out))
	}
	return stdioTarget{Path: out}, nil
}

func expandPattern(p string, v fnameVars) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c != '%' || i+1 >= len(p) {
			b.WriteByte(c)
			continue
		}
		if p[i+1] == '%' { // %% is a literal percent sign
			b.WriteByte('%')
			i++
			continue
		}
		j := i + 1
		for j < len(p) && p[j] >= '0' && p[j] <= '9' {
			j++
		}
		if j >= len(p) {
			b.WriteString(p[i:])
			break
		}
		width, _ := strconv.Atoi(p[i+1 : j])
		width = min(width, maxFnameWidth)
		var val string
		switch p[j] {
		case 't':
			val = pad(uint64(v.taskID), width)
		case 'n':
			val = pad(uint64(v.nodeID), width)
		case 'N':
			val = v.node
		case 'u':
			val = v.user
		default:
			// srun expanded everything else already; keep it verbatim.
			b.WriteString(p[i : j+1])
			i = j
			continue
		}
		b.WriteString(val)
		i = j
	}
	return b.String()
}

func pad(n uint64, width int) string {
	s := strconv.FormatUint(n, 10)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	return s
}
