package conf

import (
	"fmt"
	"math"
)

// cpuLayout is the CPU topology of a NodeName line while Slurm's rules
// fill in what the line leaves out. Fields default to 1 (Slurm's
// _init_conf_node); the has* flags say whether the value was written.
type cpuLayout struct {
	cpus, boards, sockets, socketsPerBoard, cores, threads uint16

	hasCPUs, hasSockets, hasSocketsPerBoard bool
}

// resolve applies the rules of Slurm's _parse_nodename in its order and
// returns a message for each correction Slurm would log:
//
//   - zero counts are reset to 1;
//   - Sockets and SocketsPerBoard together: SocketsPerBoard wins;
//   - missing Sockets is Boards*SocketsPerBoard, else CPUs/(Cores*Threads)
//     when that divides evenly and is non-zero, else Boards;
//   - missing CPUs is Sockets*CoresPerSocket*ThreadsPerCore;
//   - Sockets below Boards resets Boards to 1;
//   - CPUs matching none of Sockets, Sockets*Cores or Sockets*Cores*Threads
//     is reset to Sockets*Cores*Threads.
//
// Products that do not fit Slurm's 16-bit fields are errors.
func (c *cpuLayout) resolve() ([]string, error) {
	var warnings []string
	fixZero := func(v *uint16, name string, written bool) {
		if *v == 0 && written {
			warnings = append(warnings, fmt.Sprintf("%s=0 is invalid, reset to 1", name))
		}
		if *v == 0 {
			*v = 1
		}
	}
	fixZero(&c.cores, "CoresPerSocket", true)
	fixZero(&c.cpus, "CPUs", true)
	fixZero(&c.threads, "ThreadsPerCore", true)
	if c.hasSocketsPerBoard {
		fixZero(&c.socketsPerBoard, "SocketsPerBoard", true)
	}
	fixZero(&c.sockets, "Sockets", c.hasSockets)
	if c.hasSocketsPerBoard && c.hasSockets {
		warnings = append(warnings, "Sockets and SocketsPerBoard are both set, using SocketsPerBoard")
		c.hasSockets = false
	}
	fixZero(&c.boards, "Boards", true)

	coresThreads := uint32(c.cores) * uint32(c.threads)
	if !c.hasSockets {
		switch {
		case c.hasSocketsPerBoard:
			total := uint32(c.boards) * uint32(c.socketsPerBoard)
			if total > math.MaxUint16 {
				return warnings, fmt.Errorf("Boards*SocketsPerBoard = %d exceeds %d", total, math.MaxUint16)
			}
			c.sockets = uint16(total)
		case c.hasCPUs && uint32(c.cpus)/coresThreads != 0 && uint32(c.cpus)%coresThreads == 0:
			c.sockets = uint16(uint32(c.cpus) / coresThreads)
		default:
			c.sockets = c.boards
		}
	}
	allThreads := uint32(c.sockets) * coresThreads
	if !c.hasCPUs {
		if allThreads > math.MaxUint16 {
			return warnings, fmt.Errorf("Sockets*CoresPerSocket*ThreadsPerCore = %d exceeds %d", allThreads, math.MaxUint16)
		}
		c.cpus = uint16(allThreads)
	}
	if c.sockets < c.boards {
		warnings = append(warnings, fmt.Sprintf("Sockets(%d) < Boards(%d), resetting Boards=1", c.sockets, c.boards))
		c.boards = 1
	}
	cpus := uint32(c.cpus)
	if cpus != uint32(c.sockets) && cpus != uint32(c.sockets)*uint32(c.cores) && cpus != allThreads {
		if allThreads > math.MaxUint16 {
			return warnings, fmt.Errorf("Sockets*CoresPerSocket*ThreadsPerCore = %d exceeds %d", allThreads, math.MaxUint16)
		}
		warnings = append(warnings, fmt.Sprintf("CPUs=%d matches no Sockets, Sockets*CoresPerSocket or "+
			"Sockets*CoresPerSocket*ThreadsPerCore, reset to %d", c.cpus, allThreads))
		c.cpus = uint16(allThreads)
	}
	return warnings, nil
}
