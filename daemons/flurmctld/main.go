// Command flurmctld is FLURM's controller daemon, a drop-in for slurmctld:
// it reads slurm.conf, keeps the cluster state in a Raft group of the
// SlurmctldHost controllers (io/ctld), stores its log under
// StateSaveLocation (io/raftstore) and answers Slurm 22.05 clients on
// SlurmctldPort (io/slurmrpc) with auth/munge (io/munge).
//
// Usage:
//
//	flurmctld [-D] [-f slurm.conf] [-id N] [-listen-host HOST] [-L logfile] [-v ...]
//
// The configuration is -f, else $SLURM_CONF, else /etc/slurm/slurm.conf.
// The daemon always runs in the foreground (-D is accepted for slurmctld
// compatibility and also copies the log to stderr when a log file is set).
// SIGTERM and SIGINT stop it gracefully; SIGHUP re-reads slurm.conf.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/core/controller"
	"github.com/flurm/flurm/io/ctld"
	"github.com/flurm/flurm/io/munge"
	"github.com/flurm/flurm/io/peerwire"
	"github.com/flurm/flurm/io/raftstore"
	"github.com/flurm/flurm/io/slurmconf"
	"github.com/flurm/flurm/io/slurmrpc"
)

// Limits on shutdown: requests in progress get this long to finish, and
// the controller this long to flush its queued writes.
const (
	rpcDrainTimeout = 5 * time.Second
	flushTimeout    = 30 * time.Second
	maxRPCPorts     = 64 // SlurmctldPort ranges wider than this are refused
)

type options struct {
	confPath   string
	foreground bool
	id         uint64
	listenHost string
	logFile    string
	verbose    int
}

// counter is a flag that counts its occurrences (-v -v).
type counter int

func (c *counter) String() string   { return strconv.Itoa(int(*c)) }
func (c *counter) Set(string) error { *c++; return nil }
func (c *counter) IsBoolFlag() bool { return true }

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("flurmctld", flag.ContinueOnError)
	fs.StringVar(&o.confPath, "f", "", "slurm.conf `path` (default $SLURM_CONF or "+slurmconf.DefaultPath+")")
	fs.BoolVar(&o.foreground, "D", false, "run in the foreground (always); also log to stderr")
	fs.Uint64Var(&o.id, "id", 0, "this controller's `number`: its SlurmctldHost line, 1 = primary (default: match the host name)")
	fs.StringVar(&o.listenHost, "listen-host", "", "`address` to listen on (default: all; with -id, that SlurmctldHost's address)")
	fs.StringVar(&o.logFile, "L", "", "log `file` (default SlurmctldLogFile, else stderr)")
	fs.Var((*counter)(&o.verbose), "v", "more verbose logging (repeatable)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	o.confPath = slurmconf.Path(o.confPath)
	return o, nil
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "flurmctld:", err)
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "flurmctld:", err)
		os.Exit(1)
	}
}

// daemon is everything run starts, for shutdown and reconfigure.
type daemon struct {
	o        options
	log      *slog.Logger
	conf     *conf.Config
	slurmUID uint32
	store    *raftstore.Store
	rt       *ctld.Runtime
	srv      *slurmrpc.Server
	stop     chan string // reasons to shut down gracefully
	reconfMu sync.Mutex  // SIGHUP and scontrol reconfigure may race
}

func run(o options) error {
	c, err := slurmconf.Load(o.confPath)
	if err != nil {
		return err
	}
	log, closeLog, err := openLog(o, c)
	if err != nil {
		return err
	}
	defer closeLog()
	for _, w := range c.Warnings {
		log.Warn("slurm.conf", "warning", w.Error())
	}
	d := &daemon{o: o, log: log, conf: c, stop: make(chan string, 1)}
	if err := d.start(); err != nil {
		log.Error("startup failed", "err", err)
		d.closeStore()
		return err
	}
	return d.wait()
}

func (d *daemon) start() error {
	c := d.conf
	uid, err := slurmconf.SlurmUID(c.SlurmUser)
	if err != nil {
		return err
	}
	d.slurmUID = uid
	ids := ctld.ControllerIDs(c)
	id := d.o.id
	if id == 0 {
		host, err := os.Hostname()
		if err != nil {
			return err
		}
		if id, err = ctld.SelfID(c, host); err != nil {
			return err
		}
	} else if id > uint64(len(ids)) {
		return fmt.Errorf("-id %d: slurm.conf has %d SlurmctldHost lines", id, len(ids))
	}
	listenHost := d.o.listenHost
	if listenHost == "" && d.o.id != 0 {
		listenHost = c.ControlHosts[id-1].Addr
	}
	cfg, err := controller.ConfigFromConf(id, ids, c, uid)
	if err != nil {
		return err
	}
	auth, err := slurmconf.MungeAuth(c.AuthInfo)
	if err != nil {
		return err
	}

	dir := filepath.Join(c.StateSaveLocation, fmt.Sprintf("flurm-raft-%d", id))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	storeLog := d.log.With("component", "raftstore")
	d.store, err = raftstore.Open(dir, raftstore.Options{Cluster: c.ClusterName, NodeID: id,
		Logf: func(f string, a ...any) { storeLog.Info(fmt.Sprintf(f, a...)) }})
	if err != nil {
		return err
	}

	// Listen before starting the controller, so a taken port fails fast.
	var rpcLns []net.Listener
	closeAll := func() {
		for _, ln := range rpcLns {
			ln.Close()
		}
	}
	if c.SlurmctldPortCount > maxRPCPorts {
		return fmt.Errorf("SlurmctldPort range of %d ports exceeds %d", c.SlurmctldPortCount, maxRPCPorts)
	}
	for p := c.SlurmctldPort; p < c.SlurmctldPort+max(c.SlurmctldPortCount, 1); p++ {
		ln, err := net.Listen("tcp", net.JoinHostPort(listenHost, strconv.Itoa(p)))
		if err != nil {
			closeAll()
			return err
		}
		rpcLns = append(rpcLns, ln)
	}
	opts := ctld.Options{Controller: cfg, Storage: d.store, Conf: c, ConfPath: d.o.confPath, Logger: d.log,
		NodeSealer: peerwire.MungeSealer{Munge: &auth.Client, Trusted: func(u uint32) bool { return u == 0 || u == uid }}}
	// The peer port carries Raft between controllers and the node
	// agents' connections, so even a lone controller listens on it.
	peerPort := strconv.Itoa(c.SlurmctldPort + ctld.RaftPortOffset)
	if opts.PeerListener, err = net.Listen("tcp", net.JoinHostPort(listenHost, peerPort)); err != nil {
		closeAll()
		return err
	}
	if len(ids) > 1 {
		addrs, err := ctld.PeerAddrs(c, ctld.RaftPortOffset)
		if err != nil {
			closeAll()
			opts.PeerListener.Close()
			return err
		}
		opts.Peers = addrs
	}
	if d.rt, err = ctld.Start(opts); err != nil {
		closeAll()
		opts.PeerListener.Close()
		return err
	}

	if len(ids) == 1 {
		// A lone controller elects itself within about one election
		// timeout. Serving before that would answer "backup controller in
		// standby mode" to clients that have no backup to try; the
		// listeners already accept, so clients just wait a moment.
		d.waitLeader(5 * time.Second)
	}
	d.srv = &slurmrpc.Server{Backend: d.rt, Auth: auth, Logger: d.log.With("component", "rpc"),
		MessageTimeout: c.MessageTimeout, ControllerIndex: uint16(id - 1),
		OnShutdown:    func(uint16) { d.requestStop("scontrol shutdown") },
		OnReconfigure: func(context.Context) error { return d.reconfigure() },
		// Job credentials for srun are signed as Slurm's cred/munge signs
		// them: a MUNGE credential over the packed fields.
		Signer: slurmrpc.SignerFunc(func(ctx context.Context, p []byte) (string, error) {
			return auth.Client.Encode(ctx, p, munge.EncodeOptions{})
		})}
	for _, ln := range rpcLns {
		go func() {
			if err := d.srv.Serve(ln); !errors.Is(err, slurmrpc.ErrServerClosed) {
				d.log.Error("rpc listener failed", "addr", ln.Addr(), "err", err)
				d.requestStop("rpc listener failed")
			}
		}()
	}
	d.log.Info("flurmctld started", "id", id, "controllers", len(ids), "cluster", c.ClusterName,
		"rpc", c.SlurmctldPort, "state", dir, "munge", auth.Client.Socket, "slurm_uid", uid)
	return nil
}

func (d *daemon) requestStop(reason string) {
	select {
	case d.stop <- reason:
	default:
	}
}

// wait serves until a signal, a shutdown request or a controller failure.
func (d *daemon) wait() error {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	for {
		select {
		case s := <-sigs:
			if s == syscall.SIGHUP {
				if err := d.reconfigure(); err != nil {
					d.log.Error("reconfigure refused", "err", err)
				}
				continue
			}
			return d.shutdown("signal " + s.String())
		case reason := <-d.stop:
			return d.shutdown(reason)
		case <-d.rt.Done():
			// Storage failed or the controller broke: stop serving and
			// exit; the restart recovers from what is durable.
			ctx, cancel := context.WithTimeout(context.Background(), rpcDrainTimeout)
			d.srv.Shutdown(ctx)
			cancel()
			d.closeStore()
			return fmt.Errorf("controller stopped: %w", d.rt.Err())
		}
	}
}

// shutdown stops accepting requests, lets those in progress finish, stops
// the controller (flushing queued writes) and closes the store.
func (d *daemon) shutdown(reason string) error {
	d.log.Info("shutting down", "reason", reason)
	ctx, cancel := context.WithTimeout(context.Background(), rpcDrainTimeout)
	d.srv.Shutdown(ctx)
	cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- d.rt.Stop() }()
	select {
	case err := <-stopped:
		if cerr := d.closeStore(); err == nil {
			err = cerr
		}
		return err
	case <-time.After(flushTimeout):
		// Storage is hung. Exiting without closing it is safe: nothing
		// unsynced was ever acknowledged.
		return fmt.Errorf("storage did not finish within %v; exiting without closing it", flushTimeout)
	}
}

func (d *daemon) closeStore() error {
	if d.store == nil {
		return nil
	}
	err := d.store.Close()
	d.store = nil
	return err
}

// reconfigure re-reads slurm.conf. Only changes that need no new cluster
// or controller set are taken; readers see the new file at once, daemon
// settings take effect at the next restart.
func (d *daemon) reconfigure() error {
	d.reconfMu.Lock()
	defer d.reconfMu.Unlock()
	next, err := slurmconf.Load(d.o.confPath)
	if err != nil {
		return fmt.Errorf("reconfigure: %w", err)
	}
	if err := reconfigurable(d.currentConf(), next, d.slurmUID); err != nil {
		return fmt.Errorf("reconfigure: %w", err)
	}
	if keys := restartOnly(d.currentConf(), next); len(keys) > 0 {
		d.log.Warn("reconfigure: these settings take effect at restart", "keys", strings.Join(keys, ","))
	}
	d.rt.SetConf(next, d.o.confPath)
	d.log.Info("reconfigured", "conf", d.o.confPath)
	return nil
}

// currentConf is the slurm.conf readers see now.
func (d *daemon) currentConf() *conf.Config {
	var c *conf.Config
	d.rt.Read(func(v slurmrpc.View) { c = v.Conf })
	return c
}

// openLog logs to -L, else SlurmctldLogFile, else stderr; with -D and a
// file, to both.
func openLog(o options, c *conf.Config) (*slog.Logger, func(), error) {
	level := logLevel(c, o.verbose)
	path := o.logFile
	if path == "" {
		path = c.SlurmctldLogFile
	}
	var w io.Writer = os.Stderr
	closeFn := func() {}
	if path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
		if err != nil {
			return nil, nil, err
		}
		w, closeFn = f, func() { f.Close() }
		if o.foreground {
			w = io.MultiWriter(f, os.Stderr)
		}
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})), closeFn, nil
}

// logLevel maps SlurmctldDebug (default info) and -v flags to a level.
func logLevel(c *conf.Config, verbose int) slog.Level {
	level := slog.LevelInfo
	if v, ok := c.Lookup("SlurmctldDebug"); ok {
		switch strings.ToLower(v) {
		case "quiet", "fatal", "error", "0", "1", "2":
			level = slog.LevelError
		case "info", "verbose", "3", "4":
			level = slog.LevelInfo
		default: // debug, debug2..debug5, 5..9
			level = slog.LevelDebug
		}
	}
	if verbose > 0 {
		level = min(level, slog.LevelInfo) - slog.Level(4*(verbose-1))
	}
	return level
}

// waitLeader returns once this controller leads, or after limit.
func (d *daemon) waitLeader(limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		leader := false
		d.rt.Read(func(v slurmrpc.View) { leader = v.Leader })
		if leader {
			return
		}
		select {
		case <-d.rt.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
	d.log.Warn("not leader yet; serving anyway", "waited", limit)
}
