package taskd

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/flurm/flurm/io/slurmproto"
)

// The whole srun flow for one task run as nobody: launch accepted, I/O
// init keyed with the credential signature, stdout relayed, EOFs,
// RESPONSE_LAUNCH_TASKS, MESSAGE_TASK_EXIT with the wait status, and
// REQUEST_STEP_COMPLETE at the controller.
func TestLaunchRunsTaskAndReports(t *testing.T) {
	h := newHarness(t, nil)
	h.host.add(77, nobody)
	srun := h.newSrun()
	req := srun.request(launchSpec{job: 77, stepID: 0, uid: nobody, gid: nobody, tasks: []uint32{0},
		argv: []string{"sh", "-c", `echo hello; echo "$SLURM_JOB_ID $SLURM_STEP_ID $SLURM_PROCID $SLURM_NODEID $SLURM_LOCALID $SLURMD_NODENAME $SLURM_TASK_PID $(id -u) $(id -g) $(pwd) $(ulimit -n) $(ulimit -c) ${SLURM_RLIMIT_NOFILE:-unset}" >&2; exit 3`}})
	rc, text := h.rpc(slurmproto.RequestLaunchTasks, req, "")
	if rc != 0 {
		t.Fatalf("launch rc %d %q", rc, text)
	}
	io := srun.acceptIO()
	if !bytes.Equal(io.init.IOKey, req.Credential.Signature) || io.init.NodeID != 0 || io.init.StdoutObjs != 1 || io.init.StderrObjs != 1 {
		t.Fatalf("io init %+v", io.init)
	}
	resp := next(t, srun.resp, slurmproto.ResponseLaunchTasks).body.(*slurmproto.LaunchTasksResponse)
	if resp.ReturnCode != 0 || resp.CountOfPIDs != 1 || resp.LocalPIDs[0] == 0 || resp.TaskIDs[0] != 0 || resp.NodeName.String() != testNode {
		t.Fatalf("launch response %+v", resp)
	}
	io.wait(t)
	if got := io.text(slurmproto.IOStdout, 0); got != "hello\n" {
		t.Errorf("stdout %q", got)
	}
	fields := strings.Fields(io.text(slurmproto.IOStderr, 0))
	want := []string{"77", "0", "0", "0", "0", testNode, "pid", "65534", "65534", h.dir, "123", "0", "unset"}
	if len(fields) != len(want) {
		t.Fatalf("env line %q", fields)
	}
	for i := range want {
		if i != 6 && fields[i] != want[i] {
			t.Errorf("env field %d = %q, want %q", i, fields[i], want[i])
		}
	}
	if fields[6] != uintStr(resp.LocalPIDs[0]) {
		t.Errorf("SLURM_TASK_PID %s, pid %d", fields[6], resp.LocalPIDs[0])
	}
	exit := next(t, srun.resp, slurmproto.MessageTaskExit).body.(*slurmproto.TaskExitMsg)
	if exit.ReturnCode != 3<<8 || exit.NumTasks != 1 || exit.TaskIDs[0] != 0 || exit.StepID != req.StepID {
		t.Fatalf("task exit %+v", exit)
	}
	done := next(t, h.ctld, slurmproto.RequestStepComplete)
	sc := done.body.(*slurmproto.StepCompleteRequest)
	if sc.StepID != req.StepID || sc.RangeFirst != 0 || sc.RangeLast != 0 || sc.StepRC != 3<<8 || done.uid != 0 {
		t.Fatalf("step complete %+v from uid %d", sc, done.uid)
	}
}

func uintStr(v uint32) string { return u32(v) }

// STDIN frames reach the task; a zero-length frame is its EOF. Two
// tasks, each fed separately, and ALLSTDIN to both.
func TestStdinForwarding(t *testing.T) {
	h := newHarness(t, nil)
	h.host.add(78, 0)
	srun := h.newSrun()
	req := srun.request(launchSpec{job: 78, stepID: 1, uid: 0, gid: 0, tasks: []uint32{0, 1}, argv: []string{"cat"}})
	if rc, text := h.rpc(slurmproto.RequestLaunchTasks, req, ""); rc != 0 {
		t.Fatalf("launch rc %d %q", rc, text)
	}
	io := srun.acceptIO()
	if io.init.StdoutObjs != 2 || io.init.StderrObjs != 2 {
		t.Fatalf("io init %+v", io.init)
	}
	next(t, srun.resp, slurmproto.ResponseLaunchTasks)
	io.send(t, slurmproto.IOStdin, 1, "one\n")
	io.send(t, slurmproto.IOAllStdin, 0, "all\n")
	io.send(t, slurmproto.IOStdin, 0, "")
	io.send(t, slurmproto.IOStdin, 1, "")
	io.wait(t)
	if got := io.text(slurmproto.IOStdout, 0); got != "all\n" {
		t.Errorf("task 0 stdout %q", got)
	}
	if got := io.text(slurmproto.IOStdout, 1); got != "one\nall\n" {
		t.Errorf("task 1 stdout %q", got)
	}
	if got := exits(t, srun.resp, 2); got[0] != 0 || got[1] != 0 {
		t.Errorf("exits %v", got)
	}
	if sc := next(t, h.ctld, slurmproto.RequestStepComplete).body.(*slurmproto.StepCompleteRequest); sc.StepRC != 0 {
		t.Errorf("step rc %d", sc.StepRC)
	}
}

// Refusals carry slurmd's codes: forged, expired and replayed
// credentials, a request from another user, a job not allocated here.
func TestLaunchRefusals(t *testing.T) {
	h := newHarness(t, nil)
	h.host.add(80, 0)
	srun := h.newSrun()
	base := launchSpec{job: 80, stepID: 0, uid: 0, gid: 0, tasks: []uint32{0}, argv: []string{"true"}}

	forged := srun.request(base)
	forged.Credential.Fields.StepHostList = slurmproto.S("n[1-9]") // after signing
	if rc, _ := h.rpc(slurmproto.RequestLaunchTasks, forged, ""); rc != rcInvalidJobCredential {
		t.Errorf("forged credential: rc %d", rc)
	}
	garbage := srun.request(base)
	garbage.Credential.Signature = []byte("MUNGE:AAAA:\x00")
	if rc, _ := h.rpc(slurmproto.RequestLaunchTasks, garbage, ""); rc != rcInvalidJobCredential {
		t.Errorf("garbage signature: rc %d", rc)
	}
	old := base
	old.ctime = time.Now().Add(-10 * time.Minute)
	if rc, _ := h.rpc(slurmproto.RequestLaunchTasks, srun.request(old), ""); rc != rcCredentialExpired {
		t.Errorf("expired credential: rc %d", rc)
	}
	rc, text := h.rpc(slurmproto.RequestLaunchTasks, srun.request(base), "nobody")
	if rc != slurmproto.RCUserIDMissing || !strings.Contains(text, "requested by uid 65534") {
		t.Errorf("launch for root by nobody: rc %d %q", rc, text)
	}
	unknown := base
	unknown.job = 81
	if rc, _ := h.rpc(slurmproto.RequestLaunchTasks, srun.request(unknown), ""); rc != slurmproto.RCInvalidJobID {
		t.Errorf("job without allocation: rc %d", rc)
	}
	elsewhere := srun.request(base)
	elsewhere.CompleteNodes = slurmproto.S("n[2-3]")
	if rc, _ := h.rpc(slurmproto.RequestLaunchTasks, elsewhere, ""); rc != slurmproto.RCInvalidNodeName {
		t.Errorf("node not in step: rc %d", rc)
	}
	multi := base
	multi.flags = launchMultiProg
	if rc, _ := h.rpc(slurmproto.RequestLaunchTasks, srun.request(multi), ""); rc != rcNotSupported {
		t.Errorf("--multi-prog: rc %d", rc)
	}

	good := srun.request(base)
	if rc, text := h.rpc(slurmproto.RequestLaunchTasks, good, ""); rc != 0 {
		t.Fatalf("valid launch: rc %d %q", rc, text)
	}
	srun.acceptIO().wait(t)
	next(t, h.ctld, slurmproto.RequestStepComplete)
	if rc, _ := h.rpc(slurmproto.RequestLaunchTasks, good, ""); rc != rcCredentialReplayed {
		t.Errorf("replayed credential: rc %d", rc)
	}
	for _, want := range []string{"fields do not match their signature", "expired", "requested by uid 65534", "no allocation"} {
		if !strings.Contains(h.logs.String(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

// Signals: another user is refused; the owner's SIGTERM ends the task
// with that signal; EndJob kills and revokes.
func TestSignalAndEndJob(t *testing.T) {
	h := newHarness(t, nil)
	h.host.add(90, 0)
	srun := h.newSrun()
	req := srun.request(launchSpec{job: 90, stepID: 2, uid: 0, gid: 0, tasks: []uint32{0}, argv: []string{"sleep", "30"}})
	if rc, text := h.rpc(slurmproto.RequestLaunchTasks, req, ""); rc != 0 {
		t.Fatalf("launch rc %d %q", rc, text)
	}
	io := srun.acceptIO()
	next(t, srun.resp, slurmproto.ResponseLaunchTasks)
	sig := &slurmproto.SignalTasksRequest{StepID: req.StepID, Signal: uint16(syscall.SIGTERM)}
	if rc, _ := h.rpc(slurmproto.RequestSignalTasks, sig, "nobody"); rc != slurmproto.RCUserIDMissing {
		t.Errorf("signal by nobody: rc %d", rc)
	}
	other := *sig
	other.StepID.StepID = 5
	if rc, _ := h.rpc(slurmproto.RequestSignalTasks, &other, ""); rc != slurmproto.RCInvalidJobID {
		t.Errorf("signal unknown step: rc %d", rc)
	}
	if rc, _ := h.rpc(slurmproto.RequestSignalTasks, sig, ""); rc != 0 {
		t.Errorf("signal by root: rc %d", rc)
	}
	io.wait(t)
	if e := next(t, srun.resp, slurmproto.MessageTaskExit).body.(*slurmproto.TaskExitMsg); e.ReturnCode != uint32(syscall.SIGTERM) {
		t.Errorf("exit status %#x, want SIGTERM", e.ReturnCode)
	}
	if sc := next(t, h.ctld, slurmproto.RequestStepComplete).body.(*slurmproto.StepCompleteRequest); sc.StepRC != uint32(syscall.SIGTERM) {
		t.Errorf("step rc %#x", sc.StepRC)
	}

	req2 := srun.request(launchSpec{job: 90, stepID: 3, uid: 0, gid: 0, tasks: []uint32{0}, argv: []string{"sleep", "30"}})
	if rc, _ := h.rpc(slurmproto.RequestLaunchTasks, req2, ""); rc != 0 {
		t.Fatalf("second launch rc %d", rc)
	}
	io2 := srun.acceptIO()
	next(t, srun.resp, slurmproto.ResponseLaunchTasks)
	h.srv.EndJob(90)
	io2.wait(t)
	if e := next(t, srun.resp, slurmproto.MessageTaskExit).body.(*slurmproto.TaskExitMsg); e.ReturnCode != uint32(syscall.SIGKILL) {
		t.Errorf("exit status %#x, want SIGKILL", e.ReturnCode)
	}
	next(t, h.ctld, slurmproto.RequestStepComplete)
	late := srun.request(launchSpec{job: 90, stepID: 4, uid: 0, gid: 0, tasks: []uint32{0}, argv: []string{"true"}, ctime: time.Now().Add(-time.Second)})
	if rc, _ := h.rpc(slurmproto.RequestLaunchTasks, late, ""); rc != rcCredentialRevoked {
		t.Errorf("launch after EndJob: rc %d", rc)
	}
}

// ofname patterns make per-task files, created as the user; a missing
// program exits with code 2 and says so.
func TestOutputFilesAndMissingProgram(t *testing.T) {
	h := newHarness(t, nil)
	h.host.add(95, nobody)
	srun := h.newSrun()
	sp := launchSpec{job: 95, stepID: 0, uid: nobody, gid: nobody, tasks: []uint32{0, 1},
		argv: []string{"sh", "-c", "echo task $SLURM_PROCID; touch made-$SLURM_PROCID"}, ofname: slurmproto.S("out-%2t.txt"),
		env: []string{"SLURM_UMASK=0027"}}
	if rc, text := h.rpc(slurmproto.RequestLaunchTasks, srun.request(sp), ""); rc != 0 {
		t.Fatalf("launch rc %d %q", rc, text)
	}
	io := srun.acceptIO()
	if io.init.StdoutObjs != 0 || io.init.StderrObjs != 2 {
		t.Fatalf("io init %+v", io.init)
	}
	io.wait(t)
	next(t, srun.resp, slurmproto.ResponseLaunchTasks)
	exits(t, srun.resp, 2)
	next(t, h.ctld, slurmproto.RequestStepComplete)
	for i, want := range []string{"task 0\n", "task 1\n"} {
		name := filepath.Join(h.dir, "out-0"+u32(uint32(i))+".txt")
		got, err := os.ReadFile(name)
		if err != nil || string(got) != want {
			t.Errorf("%s: %q %v", name, got, err)
			continue
		}
		for _, f := range []string{name, filepath.Join(h.dir, "made-"+u32(uint32(i)))} {
			fi, err := os.Stat(f)
			if err != nil {
				t.Error(err)
				continue
			}
			if st := fi.Sys().(*syscall.Stat_t); st.Uid != nobody || fi.Mode().Perm() != 0o640 {
				t.Errorf("%s: uid %d mode %v, want nobody and 0640 (SLURM_UMASK 0027)", f, st.Uid, fi.Mode().Perm())
			}
		}
	}

	sp = launchSpec{job: 95, stepID: 1, uid: nobody, gid: nobody, tasks: []uint32{0}, argv: []string{"no-such-program-xyz"}}
	if rc, _ := h.rpc(slurmproto.RequestLaunchTasks, srun.request(sp), ""); rc != 0 {
		t.Fatalf("launch rc %d", rc)
	}
	io = srun.acceptIO()
	io.wait(t)
	if got := io.text(slurmproto.IOStderr, 0); !strings.Contains(got, "execve(): no-such-program-xyz: No such file or directory") {
		t.Errorf("stderr %q", got)
	}
	next(t, srun.resp, slurmproto.ResponseLaunchTasks)
	if e := next(t, srun.resp, slurmproto.MessageTaskExit).body.(*slurmproto.TaskExitMsg); e.ReturnCode != 2<<8 {
		t.Errorf("exit status %#x", e.ReturnCode)
	}
}

// srun --pty: task 0 runs on a terminal sized from srun's environment
// and resized through srun's pty port; stdin frames are typed into it,
// its output comes back as stdout.
func TestPty(t *testing.T) {
	h := newHarness(t, nil)
	h.host.add(99, nobody)
	srun := h.newSrun()
	winLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer winLn.Close()
	winPort := u32(uint32(winLn.Addr().(*net.TCPAddr).Port))
	req := srun.request(launchSpec{job: 99, stepID: 0, uid: nobody, gid: nobody, tasks: []uint32{0}, flags: launchPTY,
		env:  []string{"SLURM_PTY_WIN_ROW=40", "SLURM_PTY_WIN_COL=100", "SLURM_PTY_PORT=" + winPort},
		argv: []string{"sh", "-c", `stty -echo; tty; stty size; read x; stty size; echo "got $x"`}})
	if rc, text := h.rpc(slurmproto.RequestLaunchTasks, req, ""); rc != 0 {
		t.Fatalf("launch rc %d %q", rc, text)
	}
	io := srun.acceptIO()
	if io.init.StdoutObjs != 1 || io.init.StderrObjs != 0 {
		t.Fatalf("io init %+v", io.init)
	}
	next(t, srun.resp, slurmproto.ResponseLaunchTasks)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(io.text(slurmproto.IOStdout, 0), "40 100") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	ttyName, _, _ := strings.Cut(io.text(slurmproto.IOStdout, 0), "\r\n")
	_ = winLn.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
	win, err := winLn.Accept()
	if err != nil {
		t.Fatalf("no window-size connection: %v", err)
	}
	defer win.Close()
	win.Write([]byte{0, 120, 0, 50}) // cols 120, rows 50
	tty, err := os.Open(ttyName)
	if err != nil {
		t.Fatalf("tty %q: %v", ttyName, err)
	}
	for {
		var ws winsize
		if err := ioctlPtr(tty, syscall.TIOCGWINSZ, unsafe.Pointer(&ws)); err != nil {
			tty.Close()
			t.Fatal(err)
		}
		if ws.rows == 50 && ws.cols == 120 {
			break
		}
		if time.Now().After(deadline) {
			tty.Close()
			t.Fatalf("window size %+v", ws)
		}
		time.Sleep(10 * time.Millisecond)
	}
	tty.Close() // an open slave would keep the terminal alive after the task
	io.send(t, slurmproto.IOStdin, 0, "typed\n")
	io.wait(t)
	out := io.text(slurmproto.IOStdout, 0)
	for _, want := range []string{"/dev/pts/", "40 100", "50 120", "got typed"} {
		if !strings.Contains(out, want) {
			t.Errorf("pty output %q lacks %q", out, want)
		}
	}
	if e := next(t, srun.resp, slurmproto.MessageTaskExit).body.(*slurmproto.TaskExitMsg); e.ReturnCode != 0 {
		t.Errorf("exit %#x", e.ReturnCode)
	}
}

// REQUEST_STEP_COMPLETE skips a controller in standby and one that is
// down; Close kills running tasks, which srun and the controller hear of.
func TestControllerFailoverAndClose(t *testing.T) {
	var standby *peer
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close()
	h := newHarness(t, func(h *harness, c *Config) {
		standby = h.startPeer()
		standby.rc = slurmproto.RCInStandbyUseBackup
		c.Controllers = []string{standby.addr(), deadAddr, h.ctld.addr()}
	})
	h.host.add(60, 0)
	srun := h.newSrun()
	req := srun.request(launchSpec{job: 60, stepID: 7, uid: 0, gid: 0, tasks: []uint32{0}, argv: []string{"sleep", "60"}})
	if rc, text := h.rpc(slurmproto.RequestLaunchTasks, req, ""); rc != 0 {
		t.Fatalf("launch rc %d %q", rc, text)
	}
	io := srun.acceptIO()
	next(t, srun.resp, slurmproto.ResponseLaunchTasks)
	start := time.Now()
	h.srv.Close()
	io.wait(t)
	if e := next(t, srun.resp, slurmproto.MessageTaskExit).body.(*slurmproto.TaskExitMsg); e.ReturnCode != uint32(syscall.SIGKILL) {
		t.Errorf("exit status %#x", e.ReturnCode)
	}
	next(t, standby, slurmproto.RequestStepComplete)
	if sc := next(t, h.ctld, slurmproto.RequestStepComplete).body.(*slurmproto.StepCompleteRequest); sc.StepID != req.StepID {
		t.Errorf("step complete %+v", sc)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("close took %v", d)
	}
}

// A working directory the user cannot enter: the task runs in /tmp and
// says so on stderr, as under slurmstepd.
func TestUnreachableWorkingDirectory(t *testing.T) {
	h := newHarness(t, nil)
	h.host.add(70, nobody)
	private := filepath.Join(h.dir, "private")
	if err := os.Mkdir(private, 0o700); err != nil {
		t.Fatal(err)
	}
	srun := h.newSrun()
	req := srun.request(launchSpec{job: 70, stepID: 0, uid: nobody, gid: nobody, tasks: []uint32{0}, cwd: private, argv: []string{"pwd"}})
	if rc, text := h.rpc(slurmproto.RequestLaunchTasks, req, ""); rc != 0 {
		t.Fatalf("launch rc %d %q", rc, text)
	}
	io := srun.acceptIO()
	io.wait(t)
	if got := io.text(slurmproto.IOStdout, 0); got != "/tmp\n" {
		t.Errorf("stdout %q", got)
	}
	if got := io.text(slurmproto.IOStderr, 0); !strings.Contains(got, "couldn't chdir to `"+private+"': going to /tmp instead") {
		t.Errorf("stderr %q", got)
	}
	next(t, srun.resp, slurmproto.ResponseLaunchTasks)
	next(t, srun.resp, slurmproto.MessageTaskExit)
	next(t, h.ctld, slurmproto.RequestStepComplete)
}

// Garbage and unauthenticated messages get no answer and do not disturb
// the server; unsupported requests get EINVAL; ping needs root or
// SlurmUser.
func TestBadInput(t *testing.T) {
	h := newHarness(t, nil)
	send := func(raw []byte) []byte {
		c, err := net.Dial("tcp", h.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Write(raw)
		c.(*net.TCPConn).CloseWrite()
		out, _ := io.ReadAll(c)
		return out
	}
	if out := send([]byte("\x00\x00\x00\x05hello")); len(out) != 0 {
		t.Errorf("garbage answered: %q", out)
	}
	if out := send([]byte{0xff, 0xff, 0xff, 0xff}); len(out) != 0 {
		t.Errorf("huge frame answered: %q", out)
	}
	body, _ := slurmproto.EncodeBody(slurmproto.RequestPing, &slurmproto.Empty{})
	forged, _ := slurmproto.AppendFrame(nil, slurmproto.Header{Version: slurmproto.ProtocolVersion, MsgType: slurmproto.RequestPing},
		slurmproto.Auth{PluginID: 101, Credential: slurmproto.S("MUNGE:forged:")}, body)
	if out := send(forged); len(out) != 0 {
		t.Errorf("forged credential answered: %q", out)
	}
	if rc, _ := h.rpc(slurmproto.RequestPing, &slurmproto.Empty{}, ""); rc != 0 {
		t.Errorf("ping by root: rc %d", rc)
	}
	if rc, _ := h.rpc(slurmproto.RequestPing, &slurmproto.Empty{}, "nobody"); rc != slurmproto.RCUserIDMissing {
		t.Errorf("ping by nobody: rc %d", rc)
	}
	if rc, _ := h.rpc(slurmproto.RequestJobStepStat, &slurmproto.StepIDMsg{}, ""); rc != slurmproto.RCEInval {
		t.Errorf("unsupported request: rc %d", rc)
	}
}
