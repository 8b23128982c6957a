package taskd

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"
	"unsafe"
)

// openPTY allocates a pseudo-terminal through /dev/ptmx and gives its
// slave to the task's user, as openpty(3) run with the user's uid does
// for slurmstepd. The master stays non-blocking so closing it ends reads.
func openPTY(uid, gid uint32) (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			master.Close()
		}
	}()
	var n uint32
	if err = ioctlPtr(master, syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		return nil, nil, fmt.Errorf("TIOCGPTN: %w", err)
	}
	var unlock int32
	if err = ioctlPtr(master, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		return nil, nil, fmt.Errorf("TIOCSPTLCK: %w", err)
	}
	name := "/dev/pts/" + strconv.FormatUint(uint64(n), 10)
	slave, err = os.OpenFile(name, os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	if os.Geteuid() == 0 {
		if err = slave.Chown(int(uid), int(gid)); err == nil {
			err = slave.Chmod(0o620)
		}
		if err != nil {
			slave.Close()
			return nil, nil, err
		}
	}
	return master, slave, nil
}

func ioctlPtr(f *os.File, req uint, arg unsafe.Pointer) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, uintptr(req), uintptr(arg))
	}); err != nil {
		return err
	}
	if errno != 0 {
		return errno
	}
	return nil
}

type winsize struct{ rows, cols, x, y uint16 }

func setWinsize(f *os.File, rows, cols uint16) error {
	ws := winsize{rows: rows, cols: cols}
	return ioctlPtr(f, syscall.TIOCSWINSZ, unsafe.Pointer(&ws))
}

// windowManager follows srun's terminal size for a --pty task (the
// initial size was set by prepareStdio): 4-byte updates (u16 cols, u16
// rows, network order) from srun's SLURM_PTY_PORT, each followed by
// SIGWINCH to the task (slurmstepd's _window_manager). It returns when
// srun closes the connection or stop is closed.
func (st *step) windowManager(t *task, env *envList, stop <-chan struct{}) {
	port := env.get("SLURM_PTY_PORT")
	if port == "" {
		return
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort(st.srunIP.String(), port), st.srv.cfg.MessageTimeout)
	if err != nil {
		st.srv.log.Info("taskd: pty window connection", "step", fmtStep(st.id), "err", err)
		return
	}
	go func() {
		<-stop
		c.Close()
	}()
	var buf [4]byte
	for {
		if _, err := io.ReadFull(c, buf[:]); err != nil {
			return
		}
		cols := binary.BigEndian.Uint16(buf[:2])
		rows := binary.BigEndian.Uint16(buf[2:])
		_ = setWinsize(t.pty, rows, cols)
		if t.pid > 0 {
			_ = syscall.Kill(t.pid, syscall.SIGWINCH)
		}
	}
}
