package taskd

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/flurm/flurm/io/slurmproto"
)

// I/O limits. srun and slurmstepd never put more than MAX_MSG_LEN (1024)
// bytes in a frame; larger stdin frames are refused.
const (
	outChunk        = 1024
	maxStdinFrame   = 64 << 10
	stdinQueue      = 16 // frames waiting for one task's stdin pipe
	ioWriteDeadline = 5 * time.Minute
)

// ioConn is the step's task I/O connection to srun (io.c's client): after
// the init message, output frames go one way and stdin frames the other.
// Writes are serialized; once a write fails the connection is dead and
// output is discarded (tasks keep running, as with slurmstepd).
type ioConn struct {
	c      net.Conn
	mu     sync.Mutex
	broken bool
}

// dialIO connects to srun's I/O port and sends the init message whose key
// is the credential signature srun got from the controller.
func dialIO(ctx context.Context, addr string, init slurmproto.IOInitMsg) (*ioConn, error) {
	msg, err := slurmproto.AppendIOInit(nil, init)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	_ = c.SetWriteDeadline(time.Now().Add(ioWriteDeadline))
	if _, err := c.Write(msg); err != nil {
		c.Close()
		return nil, err
	}
	return &ioConn{c: c}, nil
}

func (c *ioConn) writeFrame(typ uint16, gtid, ltid int, data []byte) {
	if c == nil {
		return
	}
	buf := slurmproto.AppendIOHeader(make([]byte, 0, slurmproto.IOHeaderSize+len(data)), slurmproto.IOHeader{
		Type: typ, GTaskID: uint16(gtid), LTaskID: uint16(ltid), Length: uint32(len(data)),
	})
	buf = append(buf, data...)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken {
		return
	}
	_ = c.c.SetWriteDeadline(time.Now().Add(ioWriteDeadline))
	if _, err := c.c.Write(buf); err != nil {
		c.broken = true
	}
}

func (c *ioConn) close() {
	if c != nil {
		c.c.Close()
	}
}

// readStdin routes srun's STDIN / ALLSTDIN frames to the tasks' stdin
// feeds and answers connection tests, until the connection ends; then
// every feed is closed (no more input can arrive).
func (c *ioConn) readStdin(tasks []*task) {
	defer func() {
		for _, t := range tasks {
			t.stdin.closeInput()
		}
	}()
	if c == nil {
		return
	}
	var hdr [slurmproto.IOHeaderSize]byte
	for {
		if _, err := io.ReadFull(c.c, hdr[:]); err != nil {
			return
		}
		h, err := slurmproto.DecodeIOHeader(hdr[:])
		if err != nil || h.Length > maxStdinFrame {
			return
		}
		data := make([]byte, h.Length)
		if _, err := io.ReadFull(c.c, data); err != nil {
			return
		}
		switch h.Type {
		case slurmproto.IOConnectionTest:
			c.writeFrame(slurmproto.IOConnectionTest, 0, 0, nil)
		case slurmproto.IOAllStdin:
			for _, t := range tasks {
				t.stdin.deliver(data)
			}
		case slurmproto.IOStdin:
			for _, t := range tasks {
				if t.gtid == uint32(h.GTaskID) {
					t.stdin.deliver(data)
				}
			}
		default:
			return // output frames do not flow toward the node
		}
	}
}

// stdinFeed writes the frames srun sends for one task into its stdin
// pipe. A zero-length frame is end of file. Only readStdin delivers and
// closes; the writer goroutine owns the pipe.
type stdinFeed struct {
	ch     chan []byte
	w      *os.File
	closed bool
	once   sync.Once
}

func newStdinFeed(w *os.File) *stdinFeed {
	f := &stdinFeed{ch: make(chan []byte, stdinQueue), w: w}
	go f.write()
	return f
}

func (f *stdinFeed) write() {
	broken := false
	for data := range f.ch {
		if !broken {
			if _, err := f.w.Write(data); err != nil {
				broken = true // the task closed its stdin or exited
			}
		}
	}
	f.w.Close()
}

func (f *stdinFeed) deliver(data []byte) {
	if f == nil || f.closed {
		return
	}
	if len(data) == 0 {
		f.closeInput()
		return
	}
	f.ch <- data
}

func (f *stdinFeed) closeInput() {
	if f == nil {
		return
	}
	f.once.Do(func() { f.closed = true; close(f.ch) })
}

// abort unblocks a writer stuck on a pipe nobody reads (step ended).
func (f *stdinFeed) abort() {
	if f != nil {
		f.w.Close()
	}
}

// pump forwards one task output stream to srun, then its end-of-file
// frame. With buffered I/O (srun's default, not --unbuffered) frames end
// at line boundaries unless a line exceeds the frame size, so srun's
// --label sees whole lines. A pty master reports the end as EIO.
func pump(c *ioConn, r *os.File, typ uint16, t *task, buffered bool) {
	defer r.Close()
	buf := make([]byte, outChunk)
	n := 0
	for {
		k, err := r.Read(buf[n:])
		n += k
		send := n
		if buffered && err == nil && n < len(buf) {
			send = bytes.LastIndexByte(buf[:n], '\n') + 1
		}
		if send > 0 {
			c.writeFrame(typ, int(t.gtid), t.local, buf[:send])
			n = copy(buf, buf[send:n])
		}
		if err != nil {
			if n > 0 {
				c.writeFrame(typ, int(t.gtid), t.local, buf[:n])
			}
			// EOF, EIO from a pty master whose slave closed, or a
			// read end closed at step end: the stream is over.
			c.writeFrame(typ, int(t.gtid), t.local, nil)
			return
		}
	}
}
