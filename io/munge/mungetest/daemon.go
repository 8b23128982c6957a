package mungetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/flurm/flurm/io/munge"
)

// MungedPath is where Debian's munge package installs the daemon. The
// environment variable FLURM_MUNGED overrides it.
const MungedPath = "/usr/sbin/munged"

// ErrNotInstalled means the munged binary was not found.
var ErrNotInstalled = errors.New("mungetest: munged is not installed (apt-get install -y munge)")

// Files under a daemon's directory.
const (
	SocketName = "munged.sock"
	KeyName    = "munge.key"
	LogName    = "munged.log"
	pidName    = "munged.pid"
	seedName   = "munged.seed"
)

// keyLen is the size of a generated key (munge's maximum, MUNGE_KEY_LEN_MAX_BYTES).
const keyLen = 1024

// Startup and shutdown bounds.
const (
	readyTimeout = 10 * time.Second
	stopTimeout  = 5 * time.Second
	// maxSocketPath is sizeof(sun_path) less the NUL.
	maxSocketPath = 107
)

// MungedBinary returns the munged to run, or ErrNotInstalled.
func MungedBinary() (string, error) {
	path := MungedPath
	if p := os.Getenv("FLURM_MUNGED"); p != "" {
		path = p
	}
	if _, err := os.Stat(path); err != nil {
		if p, lerr := exec.LookPath("munged"); lerr == nil {
			return p, nil
		}
		return "", fmt.Errorf("%w: %v", ErrNotInstalled, err)
	}
	return path, nil
}

// StartDaemon runs a private munged in the foreground with everything it
// needs under dir: the key (KeyName, 1024 random bytes, mode 0600, kept if
// it already exists so several daemons can share one key), the socket
// (SocketName), the pid, seed and log files (LogName holds its stderr).
// It returns once the daemon has encoded a credential through the socket.
// stop sends SIGTERM, waits up to 5 s (then kills) and is idempotent.
//
// munged refuses a socket whose directory or any ancestor is not
// executable by everyone, which a test's temporary directory is not; the
// daemon is therefore started with --force, which turns those checks into
// warnings. dir is made mode 0755. It runs as the calling user, root
// included (munged accepts root).
func StartDaemon(dir string) (socket string, stop func(), err error) {
	bin, err := MungedBinary()
	if err != nil {
		return "", nil, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return "", nil, err
	}
	socket = filepath.Join(dir, SocketName)
	if len(socket) > maxSocketPath {
		return "", nil, fmt.Errorf("mungetest: socket path %q is %d bytes, more than %d: use a shorter directory", socket, len(socket), maxSocketPath)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", nil, err
	}
	key := filepath.Join(dir, KeyName)
	if err := ensureKey(key); err != nil {
		return "", nil, err
	}
	logFile, err := os.OpenFile(filepath.Join(dir, LogName), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return "", nil, err
	}
	defer logFile.Close() // the child keeps its own descriptor

	cmd := exec.Command(bin, "--foreground", "--force",
		"--socket="+socket,
		"--key-file="+key,
		"--pid-file="+filepath.Join(dir, pidName),
		"--log-file="+filepath.Join(dir, LogName),
		"--seed-file="+filepath.Join(dir, seedName),
		"--num-threads=4",
	)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Own process group: a terminal's ^C goes to the caller, which stops
	// the daemon in order. Pdeathsig: a caller that dies without calling
	// stop does not leave a daemon behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("mungetest: starting %s: %w", bin, err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()

	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(stopTimeout):
				_ = cmd.Process.Kill()
				<-exited
			}
		})
	}
	if err := waitReady(socket, exited); err != nil {
		stop()
		logText, _ := os.ReadFile(filepath.Join(dir, LogName))
		if len(logText) > 4096 {
			logText = logText[len(logText)-4096:]
		}
		select {
		case <-exited:
			err = fmt.Errorf("%w (munged exited: %v)", err, waitErr)
		default:
		}
		return "", nil, fmt.Errorf("mungetest: munged at %s: %w\nlog:\n%s", socket, err, bytes.TrimSpace(logText))
	}
	return socket, stop, nil
}

// ensureKey writes a random key unless the file already exists.
func ensureKey(path string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	key := make([]byte, keyLen)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	return os.WriteFile(path, key, 0o600)
}

// waitReady polls until an encode through the socket succeeds.
func waitReady(socket string, exited <-chan struct{}) error {
	client := munge.Client{Socket: socket, Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	var lastErr error
	for delay := 5 * time.Millisecond; time.Now().Before(deadline); delay = min(2*delay, 200*time.Millisecond) {
		select {
		case <-exited:
			return errors.New("daemon exited during startup")
		default:
		}
		_, lastErr = client.Encode(context.Background(), nil, munge.EncodeOptions{})
		if lastErr == nil {
			return nil
		}
		time.Sleep(delay)
	}
	return fmt.Errorf("not answering after %v: %w", readyTimeout, lastErr)
}
