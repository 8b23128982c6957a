package jobexec

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Roots probed, in this order, by detectCgroup (see doc.go).
const (
	cgroupV2Root        = "/sys/fs/cgroup"
	cgroupV2HybridRoot  = "/sys/fs/cgroup/unified"
	cgroupV1MemoryRoot  = "/sys/fs/cgroup/memory"
	cgroupParentName    = "flurm"
	cgroupDrainDeadline = 10 * time.Second
)

type cgroupVersion int

const (
	cgroupNone cgroupVersion = iota
	cgroupV1
	cgroupV2
)

// jobCgroup is the memory cgroup of one attempt.
type jobCgroup struct {
	version cgroupVersion
	root    string // mount point of the hierarchy
	dir     string // root/flurm/job_<id>_<attempt>_<scope hash>
}

// detectCgroup picks the hierarchy that has a usable memory controller.
func detectCgroup() (cgroupVersion, string) {
	for _, root := range []string{cgroupV2Root, cgroupV2HybridRoot} {
		if data, err := os.ReadFile(filepath.Join(root, "cgroup.controllers")); err == nil {
			if hasWord(data, "memory") {
				return cgroupV2, root
			}
		}
	}
	if _, err := os.Stat(filepath.Join(cgroupV1MemoryRoot, "memory.limit_in_bytes")); err == nil {
		return cgroupV1, cgroupV1MemoryRoot
	}
	return cgroupNone, ""
}

func hasWord(data []byte, word string) bool {
	for _, f := range bytes.Fields(data) {
		if string(f) == word {
			return true
		}
	}
	return false
}

// createCgroup makes the attempt's cgroup and applies the memory limit
// (0 = none). It returns nil and an error when no cgroup can be used; the
// caller then falls back to RSS polling. scope tells apart attempts with
// the same job id on one machine: several flurmnd (one per node, or of
// different clusters) share the cgroup tree, so the name carries a hash
// of the attempt's spool directory, which is also stable across restarts.
func createCgroup(jobID, attempt uint32, scope string, limit int64) (*jobCgroup, error) {
	version, root := detectCgroup()
	if version == cgroupNone {
		return nil, errors.New("no cgroup hierarchy with a memory controller")
	}
	parent := filepath.Join(root, cgroupParentName)
	cg := &jobCgroup{version: version, root: root, dir: filepath.Join(parent, fmt.Sprintf("job_%d_%d_%08x", jobID, attempt, scopeHash(scope)))}
	if err := os.Mkdir(parent, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("create %s: %w", parent, err)
	}
	if version == cgroupV2 {
		// Delegate the memory controller down to the job cgroups. Writing
		// "+memory" again when already enabled is harmless.
		for _, d := range []string{root, parent} {
			if err := writeCgroupFile(d, "cgroup.subtree_control", "+memory"); err != nil {
				return nil, fmt.Errorf("enable memory controller in %s: %w", d, err)
			}
		}
	}
	// A directory left by a supervisor that was killed is reused: it has the
	// same name because it belongs to the same attempt.
	if err := os.Mkdir(cg.dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("create %s: %w", cg.dir, err)
	}
	if limit > 0 {
		if err := cg.setLimit(limit); err != nil {
			os.Remove(cg.dir)
			return nil, err
		}
	}
	return cg, nil
}

func (cg *jobCgroup) setLimit(limit int64) error {
	v := strconv.FormatInt(limit, 10)
	switch cg.version {
	case cgroupV2:
		if err := writeCgroupFile(cg.dir, "memory.max", v); err != nil {
			return fmt.Errorf("set memory.max: %w", err)
		}
		// Without this the job could exceed the limit by swapping.
		if err := writeCgroupFile(cg.dir, "memory.swap.max", "0"); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("set memory.swap.max: %w", err)
		}
	case cgroupV1:
		if err := writeCgroupFile(cg.dir, "memory.limit_in_bytes", v); err != nil {
			return fmt.Errorf("set memory.limit_in_bytes: %w", err)
		}
		// memsw (memory+swap) exists only with swap accounting; it must be
		// written after limit_in_bytes because it may not be lower.
		if err := writeCgroupFile(cg.dir, "memory.memsw.limit_in_bytes", v); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("set memory.memsw.limit_in_bytes: %w", err)
		}
	}
	return nil
}

// enterSelf moves the calling process into the job cgroup so that the script
// forked next starts inside it (cgroup v1 has no CLONE_INTO_CGROUP). It
// returns the directory to go back to with leaveSelf.
func (cg *jobCgroup) enterSelf() (string, error) {
	back, err := ownV1MemoryCgroup(cg.root)
	if err != nil {
		return "", err
	}
	if err := writeCgroupFile(cg.dir, "cgroup.procs", strconv.Itoa(os.Getpid())); err != nil {
		return "", fmt.Errorf("enter %s: %w", cg.dir, err)
	}
	return back, nil
}

// leaveSelf moves the supervisor back out, so that the OOM killer of the job
// cgroup can never pick it and the cgroup can be removed.
func (cg *jobCgroup) leaveSelf(back string) error {
	return writeCgroupFile(back, "cgroup.procs", strconv.Itoa(os.Getpid()))
}

// ownV1MemoryCgroup returns the directory of the memory cgroup this process is in.
func ownV1MemoryCgroup(root string) (string, error) {
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == "memory" {
				return filepath.Join(root, filepath.Clean("/"+parts[2])), nil
			}
		}
	}
	return "", errors.New("own memory cgroup not found in /proc/self/cgroup")
}

// oomKills returns how many processes the kernel OOM-killed in the cgroup.
func (cg *jobCgroup) oomKills() int64 {
	name := "memory.events"
	if cg.version == cgroupV1 {
		name = "memory.oom_control" // "oom_kill N" since Linux 4.13
	}
	data, err := os.ReadFile(filepath.Join(cg.dir, name))
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "oom_kill "); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

// destroy kills whatever is left in the cgroup and removes it.
func (cg *jobCgroup) destroy(log *slog.Logger) {
	deadline := time.Now().Add(cgroupDrainDeadline)
	for {
		pids, err := cgroupProcs(cg.dir)
		if err != nil || len(pids) == 0 {
			break
		}
		if time.Now().After(deadline) {
			log.Warn("cgroup still has processes; leaving it", "dir", cg.dir, "pids", len(pids))
			return
		}
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// rmdir can fail with EBUSY for a moment after the last process exits.
	for {
		err := os.Remove(cg.dir)
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			return
		}
		if time.Now().After(deadline) {
			log.Warn("cannot remove cgroup", "dir", cg.dir, "err", err)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cgroupProcs lists the pids in dir/cgroup.procs.
func cgroupProcs(dir string) ([]int, error) {
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range bytes.Fields(data) {
		if pid, err := strconv.Atoi(string(f)); err == nil && pid > 0 {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

func writeCgroupFile(dir, name, value string) error {
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(value)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// scopeHash is a short FNV-1a hash of s for cgroup names.
func scopeHash(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}
