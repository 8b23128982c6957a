package raftstore

import (
	"errors"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

func mustMarshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCorruptDataRefused writes the base state, damages it behind the
// store's back, and checks that Open refuses it with ErrCorrupt and a
// message naming the damage.
func TestCorruptDataRefused(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, db *pebble.DB) error
		want   string
	}{
		{"entry does not decode", func(t *testing.T, db *pebble.DB) error {
			return db.Set(logKey(13), []byte{0xff, 0xff}, nil)
		}, "entry at index 13 does not decode"},
		{"entry under wrong key", func(t *testing.T, db *pebble.DB) error {
			return db.Set(logKey(13), mustMarshal(t, ent(14, 3)), nil)
		}, "the record under index 13 holds entry 14"},
		{"hole in log", func(t *testing.T, db *pebble.DB) error {
			return db.Delete(logKey(13), nil)
		}, "entry 14 follows entry 12"},
		{"term goes back", func(t *testing.T, db *pebble.DB) error {
			return db.Set(logKey(14), mustMarshal(t, ent(14, 1)), nil)
		}, "below the previous entry's term"},
		{"entries below snapshot", func(t *testing.T, db *pebble.DB) error {
			return db.Set(logKey(10), mustMarshal(t, ent(10, 2)), nil)
		}, "log entry 10 is covered by the snapshot at index 10"},
		{"log starts after snapshot", func(t *testing.T, db *pebble.DB) error {
			return db.Delete(logKey(11), nil)
		}, "gap: the snapshot ends at index 10 but the log starts at index 12"},
		{"commit beyond log", func(t *testing.T, db *pebble.DB) error {
			return db.Set(hardStateKey, mustMarshal(t, hard(3, 1, 99)), nil)
		}, "hard state commit 99 is beyond the last log index 15"},
		{"commit below snapshot", func(t *testing.T, db *pebble.DB) error {
			return db.Set(hardStateKey, mustMarshal(t, hard(3, 1, 5)), nil)
		}, "hard state commit 5 is below the snapshot index 10"},
		{"hard state does not decode", func(t *testing.T, db *pebble.DB) error {
			return db.Set(hardStateKey, []byte{0x0a}, nil)
		}, "hard state does not decode"},
		{"snapshot does not decode", func(t *testing.T, db *pebble.DB) error {
			return db.Set(snapshotKey, []byte{0x12, 0x40}, nil)
		}, "snapshot does not decode"},
		{"snapshot index 0", func(t *testing.T, db *pebble.DB) error {
			return db.Set(snapshotKey, mustMarshal(t, &pb.Snapshot{Metadata: &pb.SnapshotMetadata{Term: proto.Uint64(2)}}), nil)
		}, "snapshot has index 0"},
		{"unknown key", func(t *testing.T, db *pebble.DB) error {
			return db.Set([]byte("meta/other"), []byte("x"), nil)
		}, `unknown key "meta/other"`},
		{"malformed log key", func(t *testing.T, db *pebble.DB) error {
			return db.Set([]byte("log/12"), []byte("x"), nil)
		}, "malformed log key"},
		{"identity from a future format", func(t *testing.T, db *pebble.DB) error {
			return db.Set(identityKey, append([]byte{9}, encodeIdentity("test", 1)[1:]...), nil)
		}, "format 9"},
		{"identity missing", func(t *testing.T, db *pebble.DB) error {
			return db.Delete(identityKey, nil)
		}, "data without an identity record"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := vfs.NewMem()
			writeBase(t, fs)
			db, err := pebble.Open("data", &pebble.Options{FS: fs, Logger: fatalPanicLogger{logf: t.Logf}})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.damage(t, db); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			opts := testIdentity
			opts.FS, opts.Logf = fs, t.Logf
			s, err := Open("data", opts)
			if err == nil {
				s.Close()
				t.Fatal("Open accepted damaged data")
			}
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Open = %v, want ErrCorrupt containing %q", err, c.want)
			}
		})
	}
}

func writeBase(t *testing.T, fs vfs.FS) {
	t.Helper()
	s := openTest(t, fs)
	if err := s.Apply(baseWrite); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestIdentityMismatch checks a directory is refused to another cluster or
// node, and still opens for its own.
func TestIdentityMismatch(t *testing.T) {
	fs := vfs.NewMem()
	writeBase(t, fs)
	for _, o := range []Options{{Cluster: "other", NodeID: 1}, {Cluster: "test", NodeID: 2}} {
		o.FS, o.Logf = fs, t.Logf
		s, err := Open("data", o)
		if err == nil {
			s.Close()
			t.Fatalf("Open as %s/%d accepted test/1's directory", o.Cluster, o.NodeID)
		}
		if !errors.Is(err, ErrIdentity) || !strings.Contains(err.Error(), `cluster "test" node 1`) {
			t.Fatalf("Open as %s/%d = %v, want ErrIdentity naming test/1", o.Cluster, o.NodeID, err)
		}
	}
	s := openTest(t, fs)
	defer s.Close()
	if got := mustLoad(t, s); len(got.Entries) != 5 {
		t.Fatalf("own directory loaded %d entries, want 5", len(got.Entries))
	}
}

func TestOptionsRequired(t *testing.T) {
	for _, o := range []Options{{NodeID: 1}, {Cluster: "test"}, {Cluster: strings.Repeat("x", 256), NodeID: 1}} {
		o.FS = vfs.NewMem()
		if s, err := Open("data", o); err == nil {
			s.Close()
			t.Fatalf("Open(%+v) succeeded", o)
		}
	}
}

func TestSecondOpenRefused(t *testing.T) {
	fs := vfs.NewMem()
	s := openTest(t, fs)
	defer s.Close()
	opts := testIdentity
	opts.FS, opts.Logf = fs, t.Logf
	if s2, err := Open("data", opts); err == nil {
		s2.Close()
		t.Fatal("a second Open of an open directory succeeded")
	}
}

func TestMaxLoadBytes(t *testing.T) {
	fs := vfs.NewMem()
	writeBase(t, fs)
	opts := testIdentity
	opts.FS, opts.Logf, opts.MaxLoadBytes = fs, t.Logf, 64
	s, err := Open("data", opts)
	if err == nil {
		s.Close()
		t.Fatal("Open read more than MaxLoadBytes")
	}
	if !strings.Contains(err.Error(), "MaxLoadBytes") {
		t.Fatalf("Open = %v, want a MaxLoadBytes error", err)
	}
}
