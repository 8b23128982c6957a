package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"os/user"
	"slices"
	"strconv"
	"time"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/daemons/benchsubmit/loadgen"
	"github.com/flurm/flurm/io/munge"
)

type options struct {
	confPath  string
	addr      string
	socket    string
	jobs      int
	conc      int
	warmup    int
	compare   bool
	slurmctld string
	template  string
	timeout   time.Duration
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("benchsubmit", flag.ContinueOnError)
	fs.StringVar(&o.confPath, "conf", os.Getenv("SLURM_CONF"), "slurm.conf of the controller under test")
	fs.StringVar(&o.addr, "addr", "", "controller `host:port` (overrides -conf)")
	fs.StringVar(&o.socket, "socket", "", "munged socket `path` (overrides -conf's AuthInfo)")
	fs.IntVar(&o.jobs, "n", 2000, "jobs to submit")
	fs.IntVar(&o.conc, "c", 8, "concurrent connections")
	fs.IntVar(&o.warmup, "warmup", 50, "uncounted submissions before each run")
	fs.BoolVar(&o.compare, "compare", false, "also run the load against a real slurmctld and print the ratio")
	fs.StringVar(&o.slurmctld, "slurmctld", "/usr/sbin/slurmctld", "real slurmctld `binary` for -compare")
	fs.StringVar(&o.template, "template", "", "captured sbatch REQUEST_SUBMIT_BATCH_JOB body (default: the embedded one)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.jobs < 1 || o.jobs > loadgen.MaxJobs || o.conc < 1 || o.conc > loadgen.MaxConcurrency {
		return o, fmt.Errorf("-n must be 1..%d and -c 1..%d", loadgen.MaxJobs, loadgen.MaxConcurrency)
	}
	if o.warmup < 0 || o.warmup > loadgen.MaxJobs {
		return o, fmt.Errorf("-warmup out of range")
	}
	if o.confPath == "" && (o.addr == "" || o.socket == "") {
		return o, errors.New("need -conf (or SLURM_CONF), or both -addr and -socket")
	}
	return o, nil
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "benchsubmit:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	err = run(ctx, o)
	stop()
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchsubmit:", err)
		os.Exit(1)
	}
}

// target is one controller to load.
type target struct {
	name   string
	client *loadgen.Client
}

func run(ctx context.Context, o options) error {
	var c *conf.Config
	if o.confPath != "" {
		var err error
		if c, err = conf.Parse(o.confPath, os.ReadFile); err != nil {
			return err
		}
	}
	client, err := clientFor(c, o.addr, o.socket)
	if err != nil {
		return err
	}
	body, err := submitBody(o.template)
	if err != nil {
		return err
	}
	flurm, err := measure(ctx, target{"controller", client}, body, o)
	if err != nil {
		return err
	}
	if !o.compare {
		return nil
	}
	if _, err := os.Stat(o.slurmctld); err != nil {
		fmt.Printf("compare: no real slurmctld (%v); install Debian's slurmctld to compare\n", err)
		return nil
	}
	real, err := startSlurmctld(ctx, o.slurmctld, c, client.Auth.Client.Socket)
	if err != nil {
		return err
	}
	defer real.stop()
	fmt.Printf("compare: %s on %s (log %s)\n", o.slurmctld, real.client.Addr, real.logPath)
	slurm, err := measure(ctx, target{"slurmctld", real.client}, body, o)
	if err != nil {
		return err
	}
	fmt.Printf("ratio controller/slurmctld: %.2fx jobs/s; p50 latency %.2fx, p99 latency %.2fx (below 1 = faster)\n",
		flurm.JobsPerSecond()/slurm.JobsPerSecond(),
		ratio(flurm.Percentile(50), slurm.Percentile(50)), ratio(flurm.Percentile(99), slurm.Percentile(99)))
	return nil
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func submitBody(template string) ([]byte, error) {
	wd, err := os.Getwd()
	if err != nil {
		wd = ""
	}
	if template != "" {
		return loadgen.SubmitBodyFromFile(template, wd)
	}
	return loadgen.SubmitBody(wd)
}

// clientFor takes the controller and munged from c, overridden by addr and
// socket.
func clientFor(c *conf.Config, addr, socket string) (*loadgen.Client, error) {
	auth := &munge.SlurmAuth{Client: munge.Client{Socket: munge.DefaultSocket}}
	var restrict munge.Restriction
	if c != nil {
		if len(c.ControlHosts) == 0 {
			return nil, errors.New("slurm.conf has no SlurmctldHost")
		}
		h := c.ControlHosts[0]
		host := h.Addr
		if host == "" {
			host = h.Name
		}
		if addr == "" {
			addr = hostPort(host, c.SlurmctldPort)
		}
		if s := authSocket(c.AuthInfo); s != "" {
			auth.Client.Socket = s
		}
		uid, err := lookupUID(c.SlurmUser)
		if err != nil {
			return nil, err
		}
		restrict = munge.Only(uid)
	}
	if socket != "" {
		auth.Client.Socket = socket
	}
	return &loadgen.Client{Addr: addr, Auth: auth, Restrict: restrict}, nil
}

func lookupUID(name string) (uint32, error) {
	if u, err := user.Lookup(name); err == nil {
		id, err := strconv.ParseUint(u.Uid, 10, 32)
		return uint32(id), err
	}
	id, err := strconv.ParseUint(name, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("SlurmUser %q: no such user", name)
	}
	return uint32(id), nil
}

func measure(ctx context.Context, t target, body []byte, o options) (loadgen.Result, error) {
	if err := t.client.WaitReady(ctx, nil); err != nil {
		return loadgen.Result{}, err
	}
	if o.warmup > 0 {
		w, err := loadgen.Run(ctx, t.client, body, o.warmup, o.conc)
		if err != nil {
			return w, err
		}
		if w.Failed > 0 {
			return w, fmt.Errorf("%s: warm-up: %d of %d submissions failed: %v", t.name, w.Failed, w.Jobs, w.Errors)
		}
	}
	r, err := loadgen.Run(ctx, t.client, body, o.jobs, o.conc)
	if err != nil {
		return r, err
	}
	fmt.Printf("%-10s %s: %d jobs over %d connections in %.2fs: %.0f jobs/s, latency p50 %s p99 %s max %s, job ids %d..%d, %d failed\n",
		t.name, t.client.Addr, r.Jobs, r.Concurrency, r.Elapsed.Seconds(), r.JobsPerSecond(),
		ms(r.Percentile(50)), ms(r.Percentile(99)), ms(r.Percentile(100)), r.FirstJobID, r.LastJobID, r.Failed)
	for _, code := range slices.Sorted(maps.Keys(r.ErrorCodes)) {
		fmt.Printf("  %d accepted with error_code %d (a pending reason, as sbatch accepts it)\n", r.ErrorCodes[code], code)
	}
	for _, e := range r.Errors {
		fmt.Printf("  failure: %s\n", e)
	}
	if r.Failed > 0 {
		return r, fmt.Errorf("%s: %d of %d submissions failed", t.name, r.Failed, r.Jobs)
	}
	return r, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }
