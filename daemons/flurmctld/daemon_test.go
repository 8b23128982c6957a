package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flurm/flurm/io/munge"
	"github.com/flurm/flurm/io/munge/mungetest"
	"github.com/flurm/flurm/io/slurmproto"
)

// TestMain lets a test start this binary as the daemon itself, so the
// tests can kill -9 a real flurmctld process.
func TestMain(m *testing.M) {
	if os.Getenv("FLURMCTLD_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// capturedSubmit is sbatch's REQUEST_SUBMIT_BATCH_JOB body from the lab
// captures, for a cluster shaped like nodeLines.
const capturedSubmit = "../../io/slurmrpc/testdata/captured/sbatch.0.4003.body"

const nodeLines = `NodeName=n[001-016] NodeHostname=vm NodeAddr=127.0.0.1 CPUs=2 RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=n[001-016] Default=YES MaxTime=INFINITE State=UP
`

type lab struct {
	t     *testing.T
	dir   string
	conf  string
	port  int
	auth  *munge.SlurmAuth
	procs map[int]*proc // by controller id
}

type proc struct {
	cmd    *exec.Cmd
	exited chan error
}

// newLab writes a slurm.conf for n controllers at 127.0.0.1..127.0.0.n.
func newLab(t *testing.T, n int) *lab {
	d := mungetest.Start(t)
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	l := &lab{t: t, dir: t.TempDir(), port: freePort(t), auth: &munge.SlurmAuth{Client: d.Client}, procs: map[int]*proc{}}
	l.conf = filepath.Join(l.dir, "slurm.conf")
	hosts := ""
	for i := 1; i <= n; i++ {
		hosts += fmt.Sprintf("SlurmctldHost=ctl%d(127.0.0.%d)\n", i, i)
	}
	l.writeConf(hosts + fmt.Sprintf(`ClusterName=e2e
SlurmctldPort=%d
SlurmUser=%s
StateSaveLocation=%s
AuthType=auth/munge
AuthInfo=socket=%s
`, l.port, me.Username, filepath.Join(l.dir, "state"), d.Socket) + nodeLines)
	return l
}

func (l *lab) writeConf(s string) {
	if err := os.WriteFile(l.conf, []byte(s), 0o644); err != nil {
		l.t.Fatal(err)
	}
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func (l *lab) addr(id int) string { return fmt.Sprintf("127.0.0.%d:%d", id, l.port) }

func (l *lab) logPath(id int) string { return filepath.Join(l.dir, fmt.Sprintf("ctld%d.log", id)) }

// start runs flurmctld as controller id and waits until it listens.
func (l *lab) start(id int) {
	l.t.Helper()
	cmd := exec.Command(os.Args[0], "-f", l.conf, "-id", fmt.Sprint(id), "-L", l.logPath(id))
	cmd.Env = append(os.Environ(), "FLURMCTLD_RUN_MAIN=1")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		l.t.Fatal(err)
	}
	p := &proc{cmd: cmd, exited: make(chan error, 1)}
	l.procs[id] = p
	go func() { p.exited <- cmd.Wait() }()
	l.t.Cleanup(func() { cmd.Process.Kill() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", l.addr(id))
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("flurmctld %d not listening: %v\n%s", id, err, l.logText(id))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (l *lab) signal(id int, s os.Signal) {
	l.t.Helper()
	if err := l.procs[id].cmd.Process.Signal(s); err != nil {
		l.t.Fatal(err)
	}
}

func (l *lab) waitExit(id int) error {
	l.t.Helper()
	select {
	case err := <-l.procs[id].exited:
		return err
	case <-time.After(15 * time.Second):
		l.t.Fatalf("flurmctld %d did not exit", id)
		return nil
	}
}

func (l *lab) logText(id int) string {
	b, _ := os.ReadFile(l.logPath(id))
	return string(b)
}

// call sends one munge-signed request to controller id and returns the
// verified reply.
func (l *lab) call(id int, t slurmproto.MsgType, body []byte) (slurmproto.MsgType, slurmproto.Body, error) {
	cred, err := l.auth.Credential(t, body)
	if err != nil {
		return 0, nil, err
	}
	raw, err := slurmproto.AppendFrame(nil, slurmproto.Header{Version: slurmproto.ProtocolVersion, MsgType: t}, cred, body)
	if err != nil {
		return 0, nil, err
	}
	c, err := net.DialTimeout("tcp", l.addr(id), time.Second)
	if err != nil {
		return 0, nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(15 * time.Second))
	if _, err := c.Write(raw); err != nil {
		return 0, nil, err
	}
	f, err := slurmproto.ReadFrame(c, 0)
	if err != nil {
		return 0, nil, err
	}
	env, err := slurmproto.DecodeEnvelope(f)
	if err != nil {
		return 0, nil, err
	}
	if _, err := l.auth.Verify(env); err != nil {
		return 0, nil, fmt.Errorf("reply credential: %w", err)
	}
	b, err := slurmproto.DecodeBody(env.Header.MsgType, env.Body)
	return env.Header.MsgType, b, err
}

// callUntil sends a request to the controllers in turn until one gives
// the wanted reply type (the others answer "standby") and returns it and
// the controller that answered.
func (l *lab) callUntil(want slurmproto.MsgType, t slurmproto.MsgType, body []byte) (slurmproto.Body, int) {
	l.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		for id := range l.procs {
			got, b, err := l.call(id, t, body)
			if err == nil && got == want {
				return b, id
			}
			if time.Now().After(deadline) {
				l.t.Fatalf("%v: got %v %+v, %v\n%s", t, got, b, err, l.logText(id))
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (l *lab) submit(body []byte) (*slurmproto.SubmitBatchJobResponse, int) {
	l.t.Helper()
	b, id := l.callUntil(slurmproto.ResponseSubmitBatchJob, slurmproto.RequestSubmitBatchJob, body)
	rep := b.(*slurmproto.SubmitBatchJobResponse)
	// The captured sbatch holds its job, which slurmctld reports so.
	if rep.JobID == 0 || (rep.ErrorCode != 0 && rep.ErrorCode != slurmproto.RCJobHeld) {
		l.t.Fatalf("submit: %+v", rep)
	}
	return rep, id
}

func (l *lab) jobExists(id uint32) bool {
	body, err := slurmproto.EncodeBody(slurmproto.RequestJobInfoSingle, &slurmproto.JobIDRequest{JobID: id})
	if err != nil {
		l.t.Fatal(err)
	}
	b, _ := l.callUntil(slurmproto.ResponseJobInfo, slurmproto.RequestJobInfoSingle, body)
	rep := b.(*slurmproto.JobInfoResponse)
	return len(rep.Jobs) == 1 && rep.Jobs[0].JobID == id
}

func readSubmit(t *testing.T) []byte {
	b, err := os.ReadFile(capturedSubmit)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDaemonSurvivesKill9AndReconfigures(t *testing.T) {
	l := newLab(t, 1)
	submit := readSubmit(t)
	l.start(1)
	rep, _ := l.submit(submit)

	// kill -9 right after the acknowledgement: the job must survive.
	l.signal(1, syscall.SIGKILL)
	l.waitExit(1)
	l.start(1)
	if !l.jobExists(rep.JobID) {
		t.Fatalf("acknowledged job %d lost after kill -9", rep.JobID)
	}
	rep2, _ := l.submit(submit)
	if rep2.JobID <= rep.JobID {
		t.Fatalf("job id %d after restart, first was %d", rep2.JobID, rep.JobID)
	}

	// SIGHUP with an unchanged cluster is taken; with a new node it is
	// refused and the daemon keeps running.
	l.signal(1, syscall.SIGHUP)
	waitLog(t, l, 1, "msg=reconfigured")
	conf, _ := os.ReadFile(l.conf)
	l.writeConf(strings.Replace(string(conf), "n[001-016]", "n[001-017]", 2))
	l.signal(1, syscall.SIGHUP)
	waitLog(t, l, 1, "reconfigure refused")
	if !l.jobExists(rep2.JobID) {
		t.Fatal("daemon not serving after a refused reconfigure")
	}

	// SIGTERM is a clean exit, after which the state is still there.
	l.signal(1, syscall.SIGTERM)
	if err := l.waitExit(1); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, l.logText(1))
	}
	l.writeConf(string(conf))
	l.start(1)
	if !l.jobExists(rep.JobID) || !l.jobExists(rep2.JobID) {
		t.Fatal("jobs lost after a clean restart")
	}
	l.signal(1, syscall.SIGTERM)
	if err := l.waitExit(1); err != nil {
		t.Fatal(err)
	}
}

func TestThreeControllersFailOver(t *testing.T) {
	l := newLab(t, 3)
	submit := readSubmit(t)
	for id := 1; id <= 3; id++ {
		l.start(id)
	}
	rep, leader := l.submit(submit)

	// kill -9 the leader; the other two elect one that has the job.
	l.signal(leader, syscall.SIGKILL)
	l.waitExit(leader)
	delete(l.procs, leader)
	if !l.jobExists(rep.JobID) {
		t.Fatalf("job %d lost with leader %d", rep.JobID, leader)
	}
	rep2, leader2 := l.submit(submit)
	if leader2 == leader || rep2.JobID <= rep.JobID {
		t.Fatalf("after failover: leader %d (was %d), job %d (first %d)", leader2, leader, rep2.JobID, rep.JobID)
	}
	// The old leader rejoins. Once the third controller is gone, the
	// group can commit only with it, and must still know both jobs.
	l.start(leader)
	third := 6 - leader - leader2
	l.signal(third, syscall.SIGKILL)
	l.waitExit(third)
	delete(l.procs, third)
	rep3, _ := l.submit(submit)
	if rep3.JobID <= rep2.JobID || !l.jobExists(rep.JobID) || !l.jobExists(rep2.JobID) {
		t.Fatalf("with the rejoined controller: job %d, earlier %d and %d", rep3.JobID, rep.JobID, rep2.JobID)
	}
	for id := range l.procs {
		l.signal(id, syscall.SIGTERM)
		if err := l.waitExit(id); err != nil {
			t.Fatalf("controller %d: %v", id, err)
		}
	}
}

func waitLog(t *testing.T, l *lab, id int, s string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(l.logText(id), s) {
		if time.Now().After(deadline) {
			t.Fatalf("log lacks %q:\n%s", s, l.logText(id))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRefusesBadStartup(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "slurm.conf")
	os.WriteFile(conf, []byte("ClusterName=x\nSlurmctldHost=nothere\n"+nodeLines), 0o644)
	cmd := exec.Command(os.Args[0], "-f", conf)
	cmd.Env = append(os.Environ(), "FLURMCTLD_RUN_MAIN=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "not a SlurmctldHost") {
		t.Fatalf("start on a host that is no controller: %v\n%s", err, out)
	}
}

// TestLoneControllerServesAtOnce: the first request a client sends once the
// port accepts must be served, not answered "standby" while the only
// controller is still electing itself (clients have no backup to try).
func TestLoneControllerServesAtOnce(t *testing.T) {
	l := newLab(t, 1)
	l.start(1) // returns as soon as the port accepts a connection
	got, b, err := l.call(1, slurmproto.RequestSubmitBatchJob, readSubmit(t))
	if err != nil || got != slurmproto.ResponseSubmitBatchJob {
		t.Fatalf("first request after start: %v %+v %v", got, b, err)
	}
}
