package loadgen

import (
	"context"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flurm/flurm/io/munge"
	"github.com/flurm/flurm/io/munge/mungetest"
	"github.com/flurm/flurm/io/slurmproto"
)

func TestSubmitBodyIsSbatchsNotHeld(t *testing.T) {
	b, err := SubmitBody("/some/dir")
	if err != nil {
		t.Fatal(err)
	}
	d, err := slurmproto.DecodeBody(slurmproto.RequestSubmitBatchJob, b)
	if err != nil {
		t.Fatal(err)
	}
	j := d.(*slurmproto.JobDesc)
	if j.Priority != slurmproto.NoVal || j.UserID != uint32(os.Getuid()) || j.GroupID != uint32(os.Getgid()) ||
		j.WorkDir.String() != "/some/dir" || j.StdOut.String() != "/dev/null" || !strings.Contains(j.Script.String(), "--wrap") {
		t.Fatalf("unexpected job: prio %d uid %d gid %d wd %v out %v", j.Priority, j.UserID, j.GroupID, j.WorkDir, j.StdOut)
	}
	if _, err := submitBodyFrom([]byte{1, 2, 3}, ""); err == nil {
		t.Fatal("garbage template accepted")
	}
}

func TestPercentile(t *testing.T) {
	r := Result{}
	if r.Percentile(50) != 0 || r.JobsPerSecond() != 0 {
		t.Fatal("empty result")
	}
	for i := 1; i <= 100; i++ {
		r.Latencies = append(r.Latencies, time.Duration(i))
	}
	r.OK, r.Elapsed = 100, time.Second
	if r.Percentile(50) != 50 || r.Percentile(99) != 99 || r.Percentile(100) != 100 || r.Percentile(0) != 1 || r.JobsPerSecond() != 100 {
		t.Fatalf("p50 %d p99 %d p100 %d p0 %d", r.Percentile(50), r.Percentile(99), r.Percentile(100), r.Percentile(0))
	}
}

func TestRunRejectsBadSizes(t *testing.T) {
	c := &Client{Addr: "127.0.0.1:1", Auth: &munge.SlurmAuth{}}
	for _, tc := range [][2]int{{0, 1}, {1, 0}, {MaxJobs + 1, 1}, {1, MaxConcurrency + 1}} {
		if _, err := Run(context.Background(), c, nil, tc[0], tc[1]); err == nil {
			t.Errorf("Run(%d, %d) accepted", tc[0], tc[1])
		}
	}
}

// fakeCtld answers submissions with increasing job ids, except that every
// refuseEvery-th one gets RESPONSE_SLURM_RC, and checks each request's
// credential as slurmctld would.
func fakeCtld(t *testing.T, auth *munge.SlurmAuth, refuseEvery int64) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var n atomic.Int64
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				f, err := slurmproto.ReadFrame(conn, 1<<20)
				if err != nil {
					return
				}
				env, err := slurmproto.DecodeEnvelope(f)
				if err != nil {
					return
				}
				if _, err := auth.Verify(env); err != nil {
					t.Errorf("request credential: %v", err)
					return
				}
				i := n.Add(1)
				typ, rep := slurmproto.ResponseSubmitBatchJob, slurmproto.Body(&slurmproto.SubmitBatchJobResponse{JobID: uint32(i)})
				if i%refuseEvery == 0 {
					typ, rep = slurmproto.ResponseSlurmRC, &slurmproto.ReturnCode{ReturnCode: 2042}
				}
				body, _ := slurmproto.EncodeBody(typ, rep)
				cred, err := auth.Credential(typ, body)
				if err != nil {
					t.Errorf("reply credential: %v", err)
					return
				}
				raw, _ := slurmproto.AppendFrame(nil, slurmproto.ReplyHeader(env.Header, typ), cred, body)
				conn.Write(raw)
			}()
		}
	}()
	return ln.Addr().String()
}

func TestRunCountsSuccessesAndRefusals(t *testing.T) {
	d := mungetest.Start(t)
	auth := &munge.SlurmAuth{Client: d.Client}
	c := &Client{Addr: fakeCtld(t, auth, 10), Auth: auth}
	body, err := SubmitBody("")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(context.Background(), c, body, 100, 4)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK != 90 || r.Failed != 10 || len(r.Latencies) != 90 || len(r.Errors) != maxKeptErrors || r.Concurrency != 4 {
		t.Fatalf("ok %d failed %d latencies %d errors %v", r.OK, r.Failed, len(r.Latencies), r.Errors)
	}
	if !strings.Contains(r.Errors[0], "rc 2042") || r.FirstJobID < 1 || r.LastJobID > 100 {
		t.Fatalf("errors %v, ids %d..%d", r.Errors, r.FirstJobID, r.LastJobID)
	}
	// Nothing listens: every call fails with a connect error.
	c.Addr = "127.0.0.1:1"
	if r, err := Run(context.Background(), c, body, 3, 2); err != nil || r.Failed != 3 || r.OK != 0 {
		t.Fatalf("no listener: %+v %v", r, err)
	}
}
