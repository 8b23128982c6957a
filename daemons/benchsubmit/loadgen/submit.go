package loadgen

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flurm/flurm/io/slurmproto"
)

// sbatchBody is REQUEST_SUBMIT_BATCH_JOB as sent by `sbatch -H
// --wrap=hostname` (Slurm 22.05.8, captured in the lab; the same bytes as
// io/slurmrpc/testdata/captured/sbatch.0.4003.body).
//
//go:embed sbatch.4003.body
var sbatchBody []byte

// Limits of one Run.
const (
	MaxJobs        = 10_000_000
	MaxConcurrency = 4096
	maxKeptErrors  = 5
)

// SubmitBody returns sbatch's captured body changed for this machine and
// user: not held (priority unset), stdout /dev/null, uid and gid of this
// process, working directory workDir (os.TempDir() when empty).
func SubmitBody(workDir string) ([]byte, error) {
	return submitBodyFrom(sbatchBody, workDir)
}

// SubmitBodyFromFile is SubmitBody with another captured sbatch body.
func SubmitBodyFromFile(path, workDir string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return submitBodyFrom(b, workDir)
}

func submitBodyFrom(template []byte, workDir string) ([]byte, error) {
	b, err := slurmproto.DecodeBody(slurmproto.RequestSubmitBatchJob, template)
	if err != nil {
		return nil, fmt.Errorf("sbatch template: %w", err)
	}
	job, ok := b.(*slurmproto.JobDesc)
	if !ok {
		return nil, fmt.Errorf("sbatch template decoded as %T", b)
	}
	if workDir == "" {
		workDir = os.TempDir()
	}
	job.Priority = slurmproto.NoVal // -H sent 0; unset means "not held"
	job.StdOut = slurmproto.S("/dev/null")
	job.WorkDir = slurmproto.S(workDir)
	job.UserID, job.GroupID = uint32(os.Getuid()), uint32(os.Getgid())
	return slurmproto.EncodeBody(slurmproto.RequestSubmitBatchJob, job)
}

// Result is what one Run measured.
type Result struct {
	Jobs, OK, Failed int
	Concurrency      int
	Elapsed          time.Duration
	Latencies        []time.Duration // of the successful submissions, sorted
	Errors           []string        // the first few failures
	FirstJobID       uint32
	LastJobID        uint32
	// ErrorCodes counts accepted submissions whose reply carried a
	// nonzero error_code. slurmctld accepts a job it cannot place yet
	// with its pending reason there (2068, "Required node not
	// available", when no slurmd runs; 2042 for a held job), and sbatch
	// reports such a job as submitted.
	ErrorCodes map[uint32]int
}

// JobsPerSecond is successful submissions per second of wall time.
func (r Result) JobsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// Percentile returns the p-th percentile (0..100) latency, nearest rank.
func (r Result) Percentile(p float64) time.Duration {
	n := len(r.Latencies)
	if n == 0 {
		return 0
	}
	i := int(p/100*float64(n)+0.999999) - 1
	return r.Latencies[max(0, min(i, n-1))]
}

// Run submits jobs copies of body over concurrency workers, each one call
// (one connection, one fresh credential) at a time, and times them. Each
// latency runs from credential creation to the verified reply, what a
// client's submit RPC costs; the wall time covers the whole run. It stops
// early only when ctx ends.
func Run(ctx context.Context, c *Client, body []byte, jobs, concurrency int) (Result, error) {
	if jobs < 1 || jobs > MaxJobs {
		return Result{}, fmt.Errorf("jobs %d out of 1..%d", jobs, MaxJobs)
	}
	if concurrency < 1 || concurrency > MaxConcurrency {
		return Result{}, fmt.Errorf("concurrency %d out of 1..%d", concurrency, MaxConcurrency)
	}
	concurrency = min(concurrency, jobs)
	var (
		next  atomic.Int64
		mu    sync.Mutex
		res   = Result{Jobs: jobs, Concurrency: concurrency, Latencies: make([]time.Duration, 0, jobs)}
		wg    sync.WaitGroup
		minID = ^uint32(0)
		maxID uint32
	)
	record := func(lat time.Duration, id, code uint32, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			res.Failed++
			if len(res.Errors) < maxKeptErrors {
				res.Errors = append(res.Errors, err.Error())
			}
			return
		}
		res.OK++
		if code != 0 {
			if res.ErrorCodes == nil {
				res.ErrorCodes = map[uint32]int{}
			}
			res.ErrorCodes[code]++
		}
		res.Latencies = append(res.Latencies, lat)
		minID, maxID = min(minID, id), max(maxID, id)
	}
	start := time.Now()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(jobs) && ctx.Err() == nil {
				t0 := time.Now()
				id, code, err := submitOne(ctx, c, body)
				record(time.Since(t0), id, code, err)
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	slices.Sort(res.Latencies)
	if res.OK > 0 {
		res.FirstJobID, res.LastJobID = minID, maxID
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	return res, nil
}

// errSubmit marks a reply that is not a successful submission.
var errSubmit = errors.New("submit refused")

// submitOne returns the new job's id and the reply's error_code. A
// submission is accepted when the reply is RESPONSE_SUBMIT_BATCH_JOB with
// a job id, as sbatch judges it; RESPONSE_SLURM_RC is a refusal.
func submitOne(ctx context.Context, c *Client, body []byte) (id, code uint32, err error) {
	t, b, err := c.Call(ctx, slurmproto.RequestSubmitBatchJob, body)
	if err != nil {
		return 0, 0, err
	}
	switch r := b.(type) {
	case *slurmproto.SubmitBatchJobResponse:
		if t != slurmproto.ResponseSubmitBatchJob || r.JobID == 0 {
			return 0, 0, fmt.Errorf("%w: %v job %d error_code %d", errSubmit, t, r.JobID, r.ErrorCode)
		}
		return r.JobID, r.ErrorCode, nil
	case *slurmproto.ReturnCode:
		return 0, 0, fmt.Errorf("%w: %v rc %d", errSubmit, t, r.ReturnCode)
	default:
		return 0, 0, fmt.Errorf("%w: %v %T", errSubmit, t, b)
	}
}

// Submit sends one submission and returns the job id and the reply's
// error_code (0, or the pending reason of an accepted job).
func (c *Client) Submit(ctx context.Context, body []byte) (id, code uint32, err error) {
	return submitOne(ctx, c, body)
}
