package taskd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"github.com/flurm/flurm/io/slurmproto"
)

// openModeAppend is OPEN_MODE_APPEND (--open-mode=append); anything
// else truncates, Slurm's default (JobFileAppend=0).
const openModeAppend = 1

// execFailedStatus is the wait status slurmstepd reports for a task whose
// program could not be executed: exit code 2.
const execFailedStatus = 2 << 8

// launcherScript runs as the task itself: it sets srun's umask
// (SLURM_UMASK), changes to the working directory (falling back to /tmp
// as slurmstepd does), publishes its own pid, which becomes the
// program's, and executes the program.
const launcherScript = `case "$SLURM_UMASK" in [0-7]|[0-7][0-7]|[0-7][0-7][0-7]|[0-7][0-7][0-7][0-7]) umask "$SLURM_UMASK";; esac
if ! cd -- "$1" 2>/dev/null; then echo "flurmnd: error: couldn't chdir to \` + "`" + `$1': going to /tmp instead" >&2; cd /tmp || exit 1; fi
shift
SLURM_TASK_PID=$$
export SLURM_TASK_PID
exec "$@"`

// task is one process of a step on this node.
type task struct {
	local int    // local task id (position on this node)
	gtid  uint32 // global task id

	// Set up by prepareStdio, consumed by start.
	childFiles []*os.File // stdin, stdout, stderr of the child
	stdin      *stdinFeed
	outputs    []taskOutput // streams pumped to srun
	pty        *os.File     // master, for the window-size manager

	proc   *os.Process
	pid    int
	status syscall.WaitStatus
	killed bool          // ended by a signal we sent (slurmstepd's killed_by_cmd)
	exited chan struct{} // closed once status is known
	pumps  chan struct{} // closed when every output stream reached EOF
}

type taskOutput struct {
	r   *os.File
	typ uint16
}

// prepareStdio opens the task's three stdio streams as slurmstepd's
// io_init_tasks_stdio does: files opened as the user, pipes for streams
// relayed to and from srun, or (srun --pty) a pseudo-terminal for task 0
// and /dev/null for the others.
func (st *step) prepareStdio(t *task) error {
	m := st.req
	if m.Flags&launchPTY != 0 {
		if t.gtid != 0 {
			return st.allDevNull(t)
		}
		master, slave, err := openPTY(st.uid, st.gid)
		if err != nil {
			return fmt.Errorf("pty: %w", err)
		}
		t.pty = master
		// The initial size is set before the task starts (slurmstepd
		// sets it while setting up I/O).
		env := newEnvList(m.Env)
		rows, _ := strconv.ParseUint(env.get("SLURM_PTY_WIN_ROW"), 10, 16)
		cols, _ := strconv.ParseUint(env.get("SLURM_PTY_WIN_COL"), 10, 16)
		if rows > 0 && cols > 0 {
			_ = setWinsize(master, uint16(rows), uint16(cols))
		}
		t.childFiles = []*os.File{slave, slave, slave}
		t.stdin = newStdinFeed(master)
		t.outputs = []taskOutput{{r: master, typ: slurmproto.IOStdout}}
		return nil
	}
	v := fnameVars{cwd: st.cwd, taskID: t.gtid, nodeID: st.nodeID, node: st.srv.cfg.NodeName, user: st.user, ntasks: m.NTasks}
	in, err := expandStdio(m.IFName.String(), m.IFName.IsNull(), v)
	if err != nil {
		return err
	}
	out, err := expandStdio(m.OFName.String(), m.OFName.IsNull(), v)
	if err != nil {
		return err
	}
	errT, err := expandStdio(m.EFName.String(), m.EFName.IsNull(), v)
	if err != nil {
		return err
	}
	t.childFiles = make([]*os.File, 3)
	if in.stream() {
		r, w, err := os.Pipe()
		if err != nil {
			return err
		}
		t.childFiles[0] = r
		t.stdin = newStdinFeed(w)
	} else if t.childFiles[0], err = st.openAsUser(in.Path, os.O_RDONLY, 0); err != nil {
		return err
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	if m.OpenMode != openModeAppend {
		flags |= os.O_TRUNC
	}
	for i, target := range []stdioTarget{out, errT} {
		typ := slurmproto.IOStdout + uint16(i)
		switch {
		case target.stream():
			r, w, err := os.Pipe()
			if err != nil {
				return err
			}
			t.childFiles[1+i] = w
			t.outputs = append(t.outputs, taskOutput{r: r, typ: typ})
		case i == 1 && target == out:
			// Same file for both: one descriptor, as slurmstepd shares it.
			t.childFiles[2] = t.childFiles[1]
		default:
			f, err := st.openAsUser(target.Path, flags, st.fileMode())
			if err != nil {
				return err
			}
			t.childFiles[1+i] = f
		}
	}
	return nil
}

func (st *step) allDevNull(t *task) error {
	f, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	t.childFiles = []*os.File{f, f, f}
	return nil
}

// writeStderr puts a launch error where the task's stderr goes, before
// the parent's copy of that descriptor is closed.
func (t *task) writeStderr(msg string) {
	if len(t.childFiles) == 3 && t.childFiles[2] != nil {
		_, _ = t.childFiles[2].WriteString(msg)
	}
}

// closeChildFiles releases the parent's copies of the child's stdio.
func (t *task) closeChildFiles() {
	for _, f := range t.childFiles {
		if f != nil {
			f.Close()
		}
	}
	t.childFiles = nil
}

// resolveProgram finds argv[0] as slurmstepd's _build_path does: an
// absolute or ./-relative name is used as is; otherwise the first entry
// of the task's PATH holding a non-directory of that name. ok is false
// when nothing was found.
func resolveProgram(name, pathEnv, cwd string) (string, bool) {
	if strings.Contains(name, "/") {
		return name, true
	}
	for _, dir := range strings.Split(pathEnv, ":") {
		if dir == "" {
			continue
		}
		p := path.Join(dir, name)
		if !path.IsAbs(p) {
			p = path.Join(cwd, p)
		}
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, true
		}
	}
	return name, false
}

// start runs the task's program as the step's user in its own process
// group (a session with the pty as controlling terminal for --pty).
// A program that cannot be found is not an error of the launch: like
// slurmstepd, the task "exits" with code 2 after saying why on stderr.
func (st *step) start(t *task, env []string) error {
	defer t.closeChildFiles()
	argv := st.req.Argv
	prog, found := resolveProgram(argv[0], newEnvList(env).get("PATH"), st.cwd)
	if !found {
		t.writeStderr(fmt.Sprintf("flurmnd: error: execve(): %s: No such file or directory\n", argv[0]))
		return nil
	}
	args := append([]string{"/bin/sh", "-c", st.ulimits + launcherScript, "flurmnd", st.cwd, prog}, argv[1:]...)
	cmd := &exec.Cmd{
		Path:   "/bin/sh",
		Args:   args,
		Env:    env,
		Dir:    "/",
		Stdin:  t.childFiles[0],
		Stdout: t.childFiles[1],
		Stderr: t.childFiles[2],
		SysProcAttr: &syscall.SysProcAttr{
			// A task must not outlive the node daemon that relays it.
			Pdeathsig: syscall.SIGKILL,
		},
	}
	if t.pty != nil {
		cmd.SysProcAttr.Setsid = true
		cmd.SysProcAttr.Setctty = true
		cmd.SysProcAttr.Ctty = 0
	} else {
		cmd.SysProcAttr.Setpgid = true
	}
	cred, err := st.processCredential()
	if err == nil {
		cmd.SysProcAttr.Credential = cred
		err = cmd.Start()
	}
	if err != nil {
		t.writeStderr("flurmnd: error: task " + fmt.Sprint(t.gtid) + ": " + err.Error() + "\n")
		return err
	}
	t.proc = cmd.Process
	t.pid = cmd.Process.Pid
	return nil
}

// processCredential is the uid, gid and groups a task runs with. A node
// daemon that is not root can only run its own user's tasks.
func (st *step) processCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		if uint32(os.Geteuid()) != st.uid {
			return nil, fmt.Errorf("node daemon runs as uid %d and cannot run tasks as uid %d", os.Geteuid(), st.uid)
		}
		return nil, nil
	}
	return &syscall.Credential{Uid: st.uid, Gid: st.gid, Groups: st.groups}, nil
}

// fileMode is the mode of output files slurmstepd creates: 0644 under
// srun's umask (SLURM_UMASK, octal).
func (st *step) fileMode() os.FileMode {
	mode := os.FileMode(0o644)
	if v, err := strconv.ParseUint(newEnvList(st.req.Env).get("SLURM_UMASK"), 8, 32); err == nil {
		mode &^= os.FileMode(v) & 0o777
	}
	return mode
}

// openAsUser opens a stdio file with the step user's file-system
// identity (fsuid, fsgid and groups of one locked OS thread), so the
// kernel applies the user's permissions and new files belong to the
// user. A file it creates gets exactly perm (this process's umask does
// not apply). A non-root daemon opens with its own identity.
func (st *step) openAsUser(name string, flags int, perm os.FileMode) (*os.File, error) {
	if os.Geteuid() != 0 {
		return openCreating(name, flags, perm)
	}
	type result struct {
		f   *os.File
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		f, err, restored := openWithFSIDs(name, flags, perm, st.uid, st.gid, st.groups)
		if restored {
			runtime.UnlockOSThread()
		} // else: the thread keeps foreign ids and dies with this goroutine
		done <- result{f, err}
	}()
	r := <-done
	if r.err != nil {
		return nil, fmt.Errorf("opening %s as uid %d: %w", name, st.uid, r.err)
	}
	return r.f, nil
}

// openWithFSIDs must run on a locked thread. Raw system calls change only
// this thread's credentials (Go's syscall.Setgroups would change all).
func openWithFSIDs(name string, flags int, perm os.FileMode, uid, gid uint32, groups []uint32) (f *os.File, err error, restored bool) {
	saved, err := syscall.Getgroups()
	if err != nil {
		return nil, err, true
	}
	if err := setThreadGroups(groups); err != nil {
		return nil, err, setThreadGroups(toU32(saved)) == nil
	}
	syscall.RawSyscall(syscall.SYS_SETFSGID, uintptr(gid), 0, 0)
	syscall.RawSyscall(syscall.SYS_SETFSUID, uintptr(uid), 0, 0)
	if cur, _, _ := syscall.RawSyscall(syscall.SYS_SETFSUID, uintptr(uid), 0, 0); uint32(cur) != uid {
		err = errors.New("setfsuid failed")
	} else {
		f, err = openCreating(name, flags, perm)
	}
	syscall.RawSyscall(syscall.SYS_SETFSUID, 0, 0, 0)
	syscall.RawSyscall(syscall.SYS_SETFSGID, uintptr(os.Getegid()), 0, 0)
	cur, _, _ := syscall.RawSyscall(syscall.SYS_SETFSUID, 0, 0, 0)
	restored = cur == 0 && setThreadGroups(toU32(saved)) == nil
	return f, err, restored
}

// openCreating is os.OpenFile that gives a file it creates exactly perm.
func openCreating(name string, flags int, perm os.FileMode) (*os.File, error) {
	if flags&os.O_CREATE == 0 {
		return os.OpenFile(name, flags, 0)
	}
	f, err := os.OpenFile(name, flags|os.O_EXCL, perm)
	if errors.Is(err, fs.ErrExist) {
		return os.OpenFile(name, flags, perm)
	}
	if err == nil {
		if err := f.Chmod(perm); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, err
}

func setThreadGroups(groups []uint32) error {
	var p unsafe.Pointer
	if len(groups) > 0 {
		p = unsafe.Pointer(&groups[0])
	}
	if _, _, e := syscall.RawSyscall(syscall.SYS_SETGROUPS, uintptr(len(groups)), uintptr(p), 0); e != 0 {
		return e
	}
	return nil
}

func toU32(ids []int) []uint32 {
	out := make([]uint32, len(ids))
	for i, id := range ids {
		out[i] = uint32(id)
	}
	return out
}
