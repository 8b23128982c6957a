package compat

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/flurm/flurm/io/slurmproto"
)

// Raw TCP clients that send what no real client sends. Each must get a
// closed connection without a reply (slurmctld's slurm_receive_msg
// failure path), never a hang, and the daemon must keep serving.

// rawTimeout bounds one raw exchange: the daemon closes a bad request
// at once, so waiting for the close must not take long.
const rawTimeout = 5 * time.Second

// exchange writes raw to the daemon, half-closes, and returns what came
// back before the daemon closed the connection.
func exchange(t *testing.T, c *cluster, raw []byte) []byte {
	t.Helper()
	conn, err := net.DialTimeout("tcp", c.addr(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(rawTimeout))
	if _, err := conn.Write(raw); err != nil && !errors.Is(err, net.ErrClosed) && !strings.Contains(err.Error(), "reset") {
		t.Fatal(err)
	}
	_ = conn.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("daemon neither answered nor closed within %v", rawTimeout)
	}
	return got
}

// frame builds a request frame with a real credential over body.
func frame(t *testing.T, c *cluster, h slurmproto.Header, body []byte) []byte {
	t.Helper()
	cred, err := c.auth.Credential(h.MsgType, body)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := slurmproto.AppendFrame(nil, h, cred, body)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func pingHeader() slurmproto.Header {
	return slurmproto.Header{Version: slurmproto.ProtocolVersion, MsgType: slurmproto.RequestPing}
}

// expectReply checks that raw gets a RESPONSE_SLURM_RC with rc 0 and a
// credential the daemon made.
func expectReply(t *testing.T, c *cluster, got []byte) {
	t.Helper()
	f, err := slurmproto.ReadFrame(strings.NewReader(string(got)), 0)
	if err != nil {
		t.Fatalf("no reply frame: %v (%d bytes)", err, len(got))
	}
	env, err := slurmproto.DecodeEnvelope(f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.auth.Verify(env); err != nil {
		t.Fatalf("reply credential: %v", err)
	}
	if env.Header.MsgType != slurmproto.ResponseSlurmRC {
		t.Fatalf("reply type %v", env.Header.MsgType)
	}
}

func expectClosed(t *testing.T, got []byte) {
	t.Helper()
	if len(got) != 0 {
		t.Fatalf("got %d reply bytes, want the connection closed without a reply", len(got))
	}
}

func badInput(t *testing.T, c *cluster) {
	good := frame(t, c, pingHeader(), nil)
	t.Run("valid-ping", func(t *testing.T) { expectReply(t, c, exchange(t, c, good)) })
	t.Run("replayed-credential", func(t *testing.T) { expectClosed(t, exchange(t, c, good)) })
	t.Run("truncated", func(t *testing.T) {
		raw := frame(t, c, pingHeader(), nil)
		expectClosed(t, exchange(t, c, raw[:len(raw)-7]))
	})
	t.Run("length-only", func(t *testing.T) { expectClosed(t, exchange(t, c, []byte{0, 0, 1, 0})) })
	t.Run("oversized", func(t *testing.T) {
		raw := []byte{0xff, 0xff, 0xff, 0xf0}
		expectClosed(t, exchange(t, c, append(raw, make([]byte, 4096)...)))
	})
	t.Run("wrong-version", func(t *testing.T) {
		// A valid 22.05 frame relabelled 21.08 (0x2500): the codec
		// cannot build one, so patch the version after the length.
		raw := frame(t, c, pingHeader(), nil)
		binary.BigEndian.PutUint16(raw[4:], 0x2500)
		expectClosed(t, exchange(t, c, raw))
	})
	t.Run("garbage", func(t *testing.T) {
		raw := make([]byte, 4+200)
		binary.BigEndian.PutUint32(raw, 200)
		for i := 4; i < len(raw); i++ {
			raw[i] = byte(i*131 + 7)
		}
		expectClosed(t, exchange(t, c, raw))
	})
	t.Run("bad-credential", func(t *testing.T) {
		raw, err := slurmproto.AppendFrame(nil, pingHeader(),
			slurmproto.Auth{PluginID: slurmproto.AuthPluginMunge, Credential: slurmproto.S("MUNGE:AwQDAACnotacredential:")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		expectClosed(t, exchange(t, c, raw))
	})
	t.Run("credential-for-another-body", func(t *testing.T) {
		// A real credential for an empty REQUEST_JOB_INFO body, spliced
		// onto a shutdown request: the payload hash must not match.
		cred, err := c.auth.Credential(slurmproto.RequestPing, nil)
		if err != nil {
			t.Fatal(err)
		}
		h := slurmproto.Header{Version: slurmproto.ProtocolVersion, MsgType: slurmproto.RequestShutdown}
		raw, err := slurmproto.AppendFrame(nil, h, cred, []byte{0, 0})
		if err != nil {
			t.Fatal(err)
		}
		expectClosed(t, exchange(t, c, raw))
	})
	t.Run("body-does-not-decode", func(t *testing.T) {
		h := slurmproto.Header{Version: slurmproto.ProtocolVersion, MsgType: slurmproto.RequestSubmitBatchJob}
		expectClosed(t, exchange(t, c, frame(t, c, h, []byte{1, 2, 3})))
	})
	t.Run("silent-then-close", func(t *testing.T) { expectClosed(t, exchange(t, c, nil)) })
	// The daemon still serves the real clients.
	runCases(t, c, []clientCase{
		{name: "clients-still-served", args: cmd("sinfo -h -o %P|%D"), want: lines("debug*|4", "long|2")},
		{name: "queue-intact", args: cmd("squeue -h -o %i -S i"), want: lines("1", "2", "3", "4", "5", "6", "7", "8")},
	})
	if !c.running() {
		t.Fatalf("flurmctld exited:\n%s", c.logTail(4000))
	}
}

// restart kills the daemon with SIGKILL and starts it again on the same
// StateSaveLocation: every job must be back as it was.
func restart(t *testing.T, c *cluster) {
	listing := []string{"squeue", "-h", "-t", "all", "-S", "i", "-o", "%i|%j|%u|%T|%P|%D|%C|%l|%Q|%y|%r"}
	before, rc := c.run("", listing...)
	if rc != 0 || strings.Count(before, "\n") != 8 {
		t.Fatalf("before restart (rc %d):\n%s", rc, before)
	}
	if err := c.kill9(); err != nil && !strings.Contains(err.Error(), "killed") {
		t.Fatal(err)
	}
	if err := c.start(); err != nil {
		t.Fatal(err)
	}
	// The pending reasons come back with the new leader's first
	// scheduling pass, a tick after it is elected.
	after, rc := c.run("", listing...)
	for deadline := time.Now().Add(3 * time.Second); after != before && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		after, rc = c.run("", listing...)
	}
	if rc != 0 || after != before {
		t.Fatalf("jobs after kill -9 and restart differ (rc %d):\nbefore:\n%s\nafter:\n%s", rc, before, after)
	}
	runCases(t, c, []clientCase{
		{name: "submit-after-restart", args: cmd("sbatch -J after --wrap=true"), want: "Submitted batch job 9\n"},
		{name: "queue-after-restart", args: cmd("squeue -h -o %i -S i"), want: lines("1", "2", "3", "4", "5", "6", "7", "8", "9")},
	})
}

// shutdown stops the daemon with scontrol shutdown, as the last case.
func shutdown(t *testing.T, c *cluster) {
	runCases(t, c, []clientCase{{name: "scontrol-shutdown", args: cmd("scontrol shutdown")}})
	if err := c.waitExit(); err != nil {
		t.Fatalf("after scontrol shutdown: %v\n%s", err, c.logTail(4000))
	}
	runCases(t, c, []clientCase{{name: "ping-down", args: cmd("scontrol ping"), rc: 1, match: []string{`^Slurmctld\(primary\) at \S+ is DOWN$`}}})
}
