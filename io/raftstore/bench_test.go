package raftstore

import (
	"testing"

	"github.com/flurm/flurm/core/controller"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// benchApply measures a leader's steady state on the real disk: each Apply
// appends perWrite entries of 256 bytes and a hard state, synced.
func benchApply(b *testing.B, perWrite int) {
	s, err := Open(b.TempDir(), Options{Cluster: "bench", NodeID: 1, Logf: func(string, ...any) {}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	data := make([]byte, 256)
	next := uint64(2)
	b.SetBytes(int64(perWrite * len(data)))
	b.ResetTimer()
	for range b.N {
		w := controller.Persist{Token: next, HardState: hard(2, 1, next-1)}
		for range perWrite {
			w.Entries = append(w.Entries, &pb.Entry{Index: proto.Uint64(next), Term: proto.Uint64(2), Data: data})
			next++
		}
		if err := s.Apply(w); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkApply1Entry(b *testing.B)     { benchApply(b, 1) }
func BenchmarkApply100Entries(b *testing.B) { benchApply(b, 100) }
