package taskd

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/flurm/flurm/io/munge"
	"github.com/flurm/flurm/io/munge/mungetest"
	"github.com/flurm/flurm/io/slurmproto"
)

const (
	testNode     = "n1"
	testSlurmUID = 64030 // not the test's uid: root signs as root
	nobody       = 65534
)

// fakeHost knows which jobs are allocated here.
type fakeHost struct {
	mu   sync.Mutex
	jobs map[uint32]uint32
}

func (h *fakeHost) JobOnNode(id uint32) (uint32, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	uid, ok := h.jobs[id]
	return uid, ok
}

func (h *fakeHost) add(id, uid uint32) {
	h.mu.Lock()
	h.jobs[id] = uid
	h.mu.Unlock()
}

// received is one message a fake peer got.
type received struct {
	typ  slurmproto.MsgType
	body slurmproto.Body
	uid  uint32
}

// harness runs a Server against a private munged, a fake controller and
// fake sruns.
type harness struct {
	t      *testing.T
	dir    string
	socket string
	client munge.Client
	auth   *munge.SlurmAuth
	host   *fakeHost
	srv    *Server
	addr   string
	ctld   *peer
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newHarness(t *testing.T, tweak func(*harness, *Config)) *harness {
	t.Helper()
	if _, err := mungetest.MungedBinary(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skipf("!!! SKIPPING: %v !!!", err)
	}
	if os.Geteuid() != 0 {
		t.Skip("!!! SKIPPING: taskd tests run tasks as other users and need root !!!")
	}
	// Under /tmp, world-searchable: the munge CLI run as nobody must
	// reach the socket and tasks run as nobody write here.
	dir, err := os.MkdirTemp("/tmp", "taskd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	socket, stop, err := mungetest.StartDaemon(dir + "/munge")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	h := &harness{t: t, dir: dir, socket: socket, host: &fakeHost{jobs: map[uint32]uint32{}}, logs: &syncBuffer{}}
	h.client = munge.Client{Socket: socket, Timeout: 5 * time.Second}
	h.auth = &munge.SlurmAuth{Client: h.client}
	h.ctld = h.startPeer()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.addr = ln.Addr().String()
	cfg := Config{
		NodeName:       testNode,
		Listener:       ln,
		Munge:          &h.client,
		SlurmUID:       testSlurmUID,
		Controllers:    []string{h.ctld.addr()},
		Host:           h.host,
		Log:            slog.New(slog.NewTextHandler(h.logs, nil)),
		AllocationWait: 200 * time.Millisecond,
		KillWait:       time.Second,
	}
	if tweak != nil {
		tweak(h, &cfg)
	}
	h.srv, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- h.srv.Serve(context.Background()) }()
	t.Cleanup(func() {
		h.srv.Close()
		if err := <-served; !errors.Is(err, ErrClosed) {
			t.Errorf("Serve: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", h.logs.String())
		}
	})
	return h
}

// peer is a fake srun response port or controller: it answers every
// message with RESPONSE_SLURM_RC rc and reports it.
type peer struct {
	ln   net.Listener
	msgs chan received
	rc   uint32
}

func (h *harness) startPeer() *peer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.t.Fatal(err)
	}
	p := &peer{ln: ln, msgs: make(chan received, 64)}
	h.t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go h.servePeer(p, c)
		}
	}()
	return p
}

func (p *peer) addr() string { return p.ln.Addr().String() }

func (p *peer) port() uint16 { return uint16(p.ln.Addr().(*net.TCPAddr).Port) }

func (h *harness) servePeer(p *peer, c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	frame, err := slurmproto.ReadFrame(c, 1<<20)
	if err != nil {
		h.t.Errorf("peer read: %v", err)
		return
	}
	env, err := slurmproto.DecodeEnvelope(frame)
	if err != nil {
		h.t.Errorf("peer envelope: %v", err)
		return
	}
	cred, err := h.auth.VerifyCredential(context.Background(), env)
	if err != nil {
		h.t.Errorf("peer auth: %v", err)
		return
	}
	body, err := slurmproto.DecodeBody(env.Header.MsgType, env.Body)
	if err != nil {
		h.t.Errorf("peer body %v: %v", env.Header.MsgType, err)
		return
	}
	p.msgs <- received{typ: env.Header.MsgType, body: body, uid: cred.UID}
	h.writeMsg(c, slurmproto.ResponseSlurmRC, &slurmproto.ReturnCode{ReturnCode: p.rc}, "")
}

// writeMsg sends one message, signed by this process (root) or, with
// asUser, by the munge CLI run as that uid.
func (h *harness) writeMsg(w io.Writer, t slurmproto.MsgType, body slurmproto.Body, asUser string) {
	h.t.Helper()
	raw, err := slurmproto.EncodeBody(t, body)
	if err != nil {
		h.t.Fatal(err)
	}
	var auth slurmproto.Auth
	if asUser == "" {
		auth, err = h.auth.Credential(t, raw)
		if err != nil {
			h.t.Fatal(err)
		}
	} else {
		auth = slurmproto.Auth{PluginID: munge.PluginID, Credential: slurmproto.S(h.encodeAs(nobody, munge.Payload(t, raw)))}
	}
	out, err := slurmproto.AppendFrame(nil, slurmproto.Header{Version: slurmproto.ProtocolVersion, MsgType: t}, auth, raw)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := w.Write(out); err != nil {
		h.t.Errorf("write %v: %v", t, err)
	}
}

// encodeAs makes a MUNGE credential in the name of uid with the munge
// command-line tool.
func (h *harness) encodeAs(uid uint32, payload []byte) string {
	cmd := exec.Command("/usr/bin/munge", "--socket", h.socket)
	cmd.Stdin = bytes.NewReader(payload)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
	out, err := cmd.Output()
	if err != nil {
		h.t.Fatalf("munge as uid %d: %v", uid, err)
	}
	return strings.TrimSpace(string(out))
}

// rpc sends a request to the server and returns the reply's code and text.
func (h *harness) rpc(t slurmproto.MsgType, body slurmproto.Body, asUser string) (uint32, string) {
	h.t.Helper()
	c, err := net.DialTimeout("tcp", h.addr, 5*time.Second)
	if err != nil {
		h.t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	h.writeMsg(c, t, body, asUser)
	frame, err := slurmproto.ReadFrame(c, 1<<20)
	if err != nil {
		h.t.Fatalf("%v: no reply: %v", t, err)
	}
	env, err := slurmproto.DecodeEnvelope(frame)
	if err != nil {
		h.t.Fatal(err)
	}
	// A reply to another user is restricted to that user, so this
	// process (root) cannot decode it; check replies to root only.
	if asUser == "" {
		if _, err := h.auth.VerifyCredential(context.Background(), env); err != nil {
			h.t.Fatalf("reply auth: %v", err)
		}
	}
	rb, err := slurmproto.DecodeBody(env.Header.MsgType, env.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	switch b := rb.(type) {
	case *slurmproto.ReturnCodeMsg:
		return b.ReturnCode, b.ErrMsg.String()
	case *slurmproto.ReturnCode:
		return b.ReturnCode, ""
	}
	h.t.Fatalf("reply %v", env.Header.MsgType)
	return 0, ""
}

// fakeSrun is the srun side of one step: response and I/O ports.
type fakeSrun struct {
	h    *harness
	resp *peer
	io   net.Listener
}

func (h *harness) newSrun() *fakeSrun {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { ln.Close() })
	return &fakeSrun{h: h, resp: h.startPeer(), io: ln}
}

// launchSpec describes a test launch.
type launchSpec struct {
	job, stepID uint32
	uid, gid    uint32
	argv        []string
	tasks       []uint32 // global ids on this node
	ntasks      uint32
	cwd         string
	ctime       time.Time
	flags       uint32
	ofname      slurmproto.Str
	env         []string
}

// request builds a REQUEST_LAUNCH_TASKS with a credential signed through
// munged by this process (root), as the controller does.
func (s *fakeSrun) request(sp launchSpec) *slurmproto.LaunchTasksRequest {
	h := s.h
	if sp.ctime.IsZero() {
		sp.ctime = time.Now()
	}
	if sp.ntasks == 0 {
		sp.ntasks = uint32(len(sp.tasks))
	}
	if sp.cwd == "" {
		sp.cwd = h.dir
	}
	id := slurmproto.StepID{JobID: sp.job, StepID: sp.stepID, StepHetComp: slurmproto.NoVal}
	cred := slurmproto.JobCredential{Fields: slurmproto.JobCredentialFields{
		StepID: id, UID: sp.uid, GID: sp.gid, PwName: slurmproto.S(userName(sp.uid)),
		GIDs: []uint32{sp.gid}, StepHostList: slurmproto.S(testNode), JobHostList: slurmproto.S(testNode),
		CTime: slurmproto.Time(sp.ctime.Unix()), JobNHosts: 1, JobNTasks: sp.ntasks, JobPartition: slurmproto.S("debug"),
	}}
	h.sign(&cred)
	m := &slurmproto.LaunchTasksRequest{
		CredVersion:   slurmproto.CredVersion(slurmproto.ProtocolVersion),
		Credential:    cred,
		GlobalTaskIDs: [][]uint32{sp.tasks},
	}
	m.StepID, m.UID, m.GID, m.NTasks = id, sp.uid, sp.gid, sp.ntasks
	m.HetJobID, m.HetJobNodeOffset, m.HetJobOffset, m.HetJobStepCnt, m.HetJobTaskOffset = slurmproto.NoVal, slurmproto.NoVal, slurmproto.NoVal, slurmproto.NoVal, slurmproto.NoVal
	m.NodeCPUs = 2
	m.RespPorts = slurmproto.U16Ports{s.resp.port()}
	m.IOPorts = slurmproto.U16Ports{uint16(s.io.Addr().(*net.TCPAddr).Port)}
	m.Env = append([]string{"PATH=/usr/bin:/bin", "SLURM_STEP_NODELIST=" + testNode, "SLURM_RLIMIT_NOFILE=123", "SLURM_RLIMIT_CORE=U0",
		"SLURM_RLIMIT_STACK=18446744073709551615", "SLURM_RLIMIT_CPU=junk"}, sp.env...)
	m.Cwd = slurmproto.S(sp.cwd)
	m.Argv = sp.argv
	m.Flags = sp.flags
	m.OFName = sp.ofname
	m.CompleteNodes = slurmproto.S(testNode)
	m.SwitchPluginID = slurmproto.SwitchPluginNone
	m.SelectPluginID = 109
	return m
}

func (h *harness) sign(cred *slurmproto.JobCredential) {
	payload, err := cred.SignedBytes()
	if err != nil {
		h.t.Fatal(err)
	}
	sig, err := h.client.Encode(context.Background(), payload, munge.EncodeOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	cred.Signature = append([]byte(sig), 0)
}

func userName(uid uint32) string {
	switch uid {
	case 0:
		return "root"
	case nobody:
		return "nobody"
	}
	return ""
}

// stream is what the fake srun read from one node's I/O connection.
type stream struct {
	init slurmproto.IOInitMsg
	conn net.Conn
	mu   sync.Mutex
	out  map[uint16]*bytes.Buffer // by type<<8 | gtid
	eofs int
	done chan struct{}
}

// acceptIO takes the node's I/O connection, checks its init message and
// collects output frames until every announced stream sent its EOF.
func (s *fakeSrun) acceptIO() *stream {
	h := s.h
	h.t.Helper()
	_ = s.io.(*net.TCPListener).SetDeadline(time.Now().Add(10 * time.Second))
	c, err := s.io.Accept()
	if err != nil {
		h.t.Fatalf("no I/O connection: %v", err)
	}
	h.t.Cleanup(func() { c.Close() })
	frame, err := slurmproto.ReadFrame(c, 1<<16)
	if err != nil {
		h.t.Fatal(err)
	}
	init, err := slurmproto.DecodeIOInit(frame)
	if err != nil {
		h.t.Fatal(err)
	}
	st := &stream{init: init, conn: c, out: map[uint16]*bytes.Buffer{}, done: make(chan struct{})}
	go func() {
		defer close(st.done)
		want := int(init.StdoutObjs + init.StderrObjs)
		var hdr [slurmproto.IOHeaderSize]byte
		for st.eofs < want {
			if _, err := io.ReadFull(c, hdr[:]); err != nil {
				return
			}
			fh, err := slurmproto.DecodeIOHeader(hdr[:])
			if err != nil {
				h.t.Errorf("I/O header: %v", err)
				return
			}
			data := make([]byte, fh.Length)
			if _, err := io.ReadFull(c, data); err != nil {
				return
			}
			st.mu.Lock()
			if fh.Length == 0 {
				st.eofs++
			}
			k := fh.Type<<8 | fh.GTaskID
			if st.out[k] == nil {
				st.out[k] = &bytes.Buffer{}
			}
			st.out[k].Write(data)
			st.mu.Unlock()
		}
	}()
	return st
}

func (st *stream) wait(t *testing.T) {
	t.Helper()
	select {
	case <-st.done:
	case <-time.After(10 * time.Second):
		t.Fatal("I/O stream did not end")
	}
}

func (st *stream) text(typ uint16, gtid uint16) string {
	st.mu.Lock()
	defer st.mu.Unlock()
	if b := st.out[typ<<8|gtid]; b != nil {
		return b.String()
	}
	return ""
}

func (st *stream) send(t *testing.T, typ uint16, gtid uint16, data string) {
	t.Helper()
	buf := slurmproto.AppendIOHeader(nil, slurmproto.IOHeader{Type: typ, GTaskID: gtid, LTaskID: 0xffff, Length: uint32(len(data))})
	if _, err := st.conn.Write(append(buf, data...)); err != nil {
		t.Fatal(err)
	}
}

// exits collects MESSAGE_TASK_EXIT messages (several tasks may share
// one) until n tasks were reported, and returns each task's status.
func exits(t *testing.T, p *peer, n int) map[uint32]uint32 {
	t.Helper()
	out := map[uint32]uint32{}
	for len(out) < n {
		m := next(t, p, slurmproto.MessageTaskExit).body.(*slurmproto.TaskExitMsg)
		if int(m.NumTasks) != len(m.TaskIDs) {
			t.Fatalf("task exit %+v", m)
		}
		for _, id := range m.TaskIDs {
			if _, dup := out[id]; dup {
				t.Fatalf("task %d reported twice", id)
			}
			out[id] = m.ReturnCode
		}
	}
	return out
}

// next returns the next message of a peer, failing after a timeout.
func next(t *testing.T, p *peer, want slurmproto.MsgType) received {
	t.Helper()
	select {
	case m := <-p.msgs:
		if m.typ != want {
			t.Fatalf("got %v, want %v", m.typ, want)
		}
		return m
	case <-time.After(10 * time.Second):
		t.Fatalf("no %v", want)
	}
	return received{}
}
