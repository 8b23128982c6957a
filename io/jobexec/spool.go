package jobexec

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Names of the files in one attempt directory <spool>/job<id>.<attempt>/.
const (
	specFile       = "spec.json"   // record, written by the Manager before the supervisor starts
	scriptFile     = "script"      // the batch script, 0700, owned by the job user
	supervisorFile = "supervisor"  // "<pid> <starttime>" of the supervisor, written by the Manager
	launchFile     = "launch.json" // process group and cgroup of the job, written by the supervisor once the script runs
	statusFile     = "status.json" // final outcome, written by the supervisor before it exits
	stepdLogFile   = "stepd.log"   // the supervisor's own log
	noticeFile     = "notice"      // a line for the job's stderr, written by the Manager (Notify)
	noticeWritten  = "notice.done" // the notice once the supervisor wrote it (renamed)
	maxRecordBytes = 4 * MaxScriptBytes
)

// record is what the supervisor needs to run the attempt. The script itself
// lives in its own file so that it can be exec'd directly.
type record struct {
	Spec        Spec     // Script is nil here
	Groups      []uint32 // supplementary groups resolved at Start (initgroups semantics)
	Impersonate bool     // supervisor runs as root and must switch to UID/GID for files and exec
	// NoCgroup forces the RSS-polling fallback; set only by tests so that the
	// fallback path is exercised on machines that do have a cgroup.
	NoCgroup        bool
	RSSPollInterval time.Duration
}

// launchInfo is written by the supervisor once the script process exists.
type launchInfo struct {
	Pgid      int    // process group and session of the script (it is their leader)
	CgroupDir string // "" when no cgroup is used
	// BootID and LeaderStart identify the process group across reboots and
	// pid reuse, so that a stale record never leads to killing strangers.
	BootID      string
	LeaderStart uint64
}

// status is the final outcome, written atomically by the supervisor.
type status struct {
	ExitCode int
	Signal   int
	OOM      bool
	Err      string
}

// supervisorID names a supervisor process robustly against pid reuse.
type supervisorID struct {
	Pid       int
	StartTime uint64 // field 22 of /proc/<pid>/stat, in clock ticks since boot
	BootID    string // start times are only comparable within one boot
}

func attemptDirName(jobID, attempt uint32) string {
	return fmt.Sprintf("job%d.%d", jobID, attempt)
}

// parseAttemptDirName is the inverse of attemptDirName; it rejects anything
// attemptDirName would not have produced.
func parseAttemptDirName(name string) (jobID, attempt uint32, ok bool) {
	rest, found := strings.CutPrefix(name, "job")
	if !found {
		return 0, 0, false
	}
	idStr, attStr, found := strings.Cut(rest, ".")
	if !found {
		return 0, 0, false
	}
	id, err1 := strconv.ParseUint(idStr, 10, 32)
	att, err2 := strconv.ParseUint(attStr, 10, 32)
	if err1 != nil || err2 != nil || attemptDirName(uint32(id), uint32(att)) != name {
		return 0, 0, false
	}
	return uint32(id), uint32(att), true
}

// writeFileAtomic writes data to dir/name via a temporary file, fsync and
// rename, so that readers see either nothing or the whole content.
func writeFileAtomic(dir, name string, data []byte, perm fs.FileMode) error {
	tmp, err := os.CreateTemp(dir, "."+name+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: make the rename durable
		d.Close()
	}
	return nil
}

func writeJSONAtomic(dir, name string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeFileAtomic(dir, name, data, 0o600)
}

// readJSON reads dir/name into v. A missing file is reported as
// fs.ErrNotExist (test with errors.Is).
func readJSON(dir, name string, v any) error {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	defer f.Close()
	dec := json.NewDecoder(&limitedReader{f: f, left: maxRecordBytes})
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("jobexec: decode %s: %w", filepath.Join(dir, name), err)
	}
	return nil
}

type limitedReader struct {
	f    *os.File
	left int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, errors.New("file exceeds size limit")
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.f.Read(p)
	l.left -= int64(n)
	return n, err
}

func writeSupervisorID(dir string, id supervisorID) error {
	return writeFileAtomic(dir, supervisorFile, fmt.Appendf(nil, "%d %d %s\n", id.Pid, id.StartTime, id.BootID), 0o600)
}

func readSupervisorID(dir string) (supervisorID, error) {
	data, err := os.ReadFile(filepath.Join(dir, supervisorFile))
	if err != nil {
		return supervisorID{}, err
	}
	var id supervisorID
	if _, err := fmt.Sscanf(string(data), "%d %d %s", &id.Pid, &id.StartTime, &id.BootID); err != nil || id.Pid <= 0 {
		return supervisorID{}, fmt.Errorf("jobexec: malformed %s in %s: %q", supervisorFile, dir, data)
	}
	return id, nil
}

// readStatus returns the recorded outcome, or ok=false if there is none yet.
func readStatus(dir string) (st status, ok bool, err error) {
	err = readJSON(dir, statusFile, &st)
	if errors.Is(err, fs.ErrNotExist) {
		return status{}, false, nil
	}
	return st, err == nil, err
}
