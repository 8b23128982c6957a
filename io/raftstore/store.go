package raftstore

import (
	"errors"
	"fmt"
	"log"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/flurm/flurm/core/controller"
)

// ErrCorrupt marks errors about stored data that breaks the store's
// invariants: test with errors.Is.
var ErrCorrupt = errors.New("raftstore: corrupt data")

// ErrInvalidWrite marks an Apply refused before anything was written
// because the write breaks Raft's rules; the store is unchanged and usable,
// but the caller has a bug.
var ErrInvalidWrite = errors.New("raftstore: invalid write")

// ErrFailed marks every call after a write failed: the store must be closed
// and reopened (in practice, the process restarts).
var ErrFailed = errors.New("raftstore: store failed")

// ErrIdentity marks a data directory that belongs to another cluster or
// node.
var ErrIdentity = errors.New("raftstore: data directory belongs to another identity")

// Default limits; see Options.
const (
	DefaultMaxWriteBytes = 1 << 30
	DefaultMaxLoadBytes  = 4 << 30

	maxWriteBytesLimit = 3 << 30
)

// Options configure Open.
type Options struct {
	// Cluster and NodeID name the controller the directory belongs to. Both
	// are required. The first Open records them; later Opens with other
	// values fail with ErrIdentity, so a directory copied from another node
	// or cluster is never mistaken for this one's log.
	Cluster string
	NodeID  uint64

	// FS is the file system; nil means the operating system's. Tests pass
	// pebble's in-memory, crashable or error-injecting file systems.
	FS vfs.FS

	// MaxWriteBytes bounds the encoded size of one Apply (default
	// DefaultMaxWriteBytes); MaxLoadBytes bounds what Load reads (default
	// DefaultMaxLoadBytes).
	MaxWriteBytes int
	MaxLoadBytes  int64

	// Logf receives Pebble's informational and error messages; nil means
	// the standard library's log.Printf.
	Logf func(format string, args ...any)
}

// Store is a controller's durable Raft state. Its methods are safe for
// concurrent use, but a controller's writes are ordered, so one goroutine
// normally owns it.
type Store struct {
	mu     sync.Mutex
	db     *pebble.DB
	opts   Options
	state  logState
	failed error // sticky: set when a write may have been lost
	closed bool

	// opened is what Open read and validated, handed to the first Load
	// unless an Apply came in between.
	opened *controller.Persisted
}

// Open opens (creating if needed) the store in dir, checks its identity and
// reads and validates everything in it: a store that opens is one Load can
// return.
func Open(dir string, opts Options) (*Store, error) {
	if opts.Cluster == "" || len(opts.Cluster) > maxClusterName {
		return nil, fmt.Errorf("raftstore: Options.Cluster must be 1 to %d bytes, got %d", maxClusterName, len(opts.Cluster))
	}
	if opts.NodeID == 0 {
		return nil, errors.New("raftstore: Options.NodeID must be non-zero")
	}
	if opts.MaxWriteBytes <= 0 {
		opts.MaxWriteBytes = DefaultMaxWriteBytes
	}
	if opts.MaxLoadBytes <= 0 {
		opts.MaxLoadBytes = DefaultMaxLoadBytes
	}
	if opts.Logf == nil {
		opts.Logf = log.Printf
	}
	if opts.MaxWriteBytes > maxWriteBytesLimit {
		return nil, fmt.Errorf("raftstore: Options.MaxWriteBytes %d exceeds %d (Pebble's batch limit is 4 GiB)", opts.MaxWriteBytes, maxWriteBytesLimit)
	}
	popts := &pebble.Options{FS: opts.FS, Logger: fatalPanicLogger{logf: opts.Logf}}
	var db *pebble.DB
	err := recoverFatal(func() (err error) {
		db, err = pebble.Open(dir, popts)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("raftstore: open %s: %w", dir, err)
	}
	s := &Store{db: db, opts: opts}
	if err := s.checkIdentity(); err != nil {
		_ = s.closeDB()
		return nil, fmt.Errorf("raftstore: open %s: %w", dir, err)
	}
	p, st, err := s.read()
	if err != nil {
		_ = s.closeDB()
		return nil, fmt.Errorf("raftstore: open %s: %w", dir, err)
	}
	s.state, s.opened = st, &p
	return s, nil
}

// checkIdentity records the identity in an empty store and compares it in
// any other.
func (s *Store) checkIdentity() error {
	want := encodeIdentity(s.opts.Cluster, s.opts.NodeID)
	v, closer, err := s.db.Get(identityKey)
	if errors.Is(err, pebble.ErrNotFound) {
		empty, err := s.isEmpty()
		if err != nil {
			return err
		}
		if !empty {
			return fmt.Errorf("%w: data without an identity record", ErrCorrupt)
		}
		b := s.db.NewBatch()
		defer b.Close()
		if err := b.Set(identityKey, want, nil); err != nil {
			return err
		}
		return commitSynced(b)
	}
	if err != nil {
		return err
	}
	defer closer.Close()
	cluster, node, err := decodeIdentity(v)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if cluster != s.opts.Cluster || node != s.opts.NodeID {
		return fmt.Errorf("%w: it holds cluster %q node %d, this is cluster %q node %d",
			ErrIdentity, cluster, node, s.opts.Cluster, s.opts.NodeID)
	}
	return nil
}

func (s *Store) isEmpty() (bool, error) {
	it, err := s.db.NewIter(nil)
	if err != nil {
		return false, err
	}
	empty := !it.First()
	if err := it.Close(); err != nil {
		return false, err
	}
	return empty, nil
}

// Close releases the store. After a failed write Close still releases the
// files, but may report the failure again.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("raftstore: already closed")
	}
	s.closed = true
	s.opened = nil
	return s.closeDB()
}

// closeDB closes Pebble, which after a fatal commit error may itself fail
// fatally; that is reported, not raised.
func (s *Store) closeDB() error {
	if err := recoverFatal(s.db.Close); err != nil {
		return fmt.Errorf("raftstore: close: %w", err)
	}
	return nil
}

// recoverFatal runs f, turning a Pebble fatal error raised on this
// goroutine (see fatalPanicLogger) into an error.
func recoverFatal(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			fe, ok := r.(fatalError)
			if !ok {
				panic(r)
			}
			err = fe
		}
	}()
	return f()
}

// usable reports why the store cannot be used, if it cannot.
func (s *Store) usable() error {
	if s.closed {
		return errors.New("raftstore: store is closed")
	}
	return s.failed
}

// fatalError is what fatalPanicLogger raises.
type fatalError struct{ msg string }

func (f fatalError) Error() string { return "pebble fatal error: " + f.msg }

// fatalPanicLogger routes Pebble's messages to Logf. Pebble reports a failed
// WAL write or sync by calling Fatalf on the committing goroutine (its
// default logger exits the process); panicking instead lets Apply recover
// and return the error. A Fatalf on one of Pebble's background goroutines
// (a failed flush or MANIFEST write) still ends the process, by an
// unrecovered panic: Pebble cannot continue after those either.
type fatalPanicLogger struct {
	logf func(format string, args ...any)
}

func (l fatalPanicLogger) Infof(format string, args ...any) { l.logf("pebble: "+format, args...) }
func (l fatalPanicLogger) Errorf(format string, args ...any) {
	l.logf("pebble error: "+format, args...)
}
func (l fatalPanicLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	l.logf("pebble fatal: %s", msg)
	panic(fatalError{msg: msg})
}
