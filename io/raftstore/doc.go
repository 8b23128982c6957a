// Package raftstore is a controller's durable Raft state, kept in a Pebble
// database: the hard state, the latest snapshot and the log entries after
// it. It carries out controller.Persist effects and gives a restarting
// controller its controller.Persisted.
//
// # Contract
//
// Open(dir, opts) opens or creates the store in dir. Options.Cluster and
// Options.NodeID are required: the first Open records them, and an Open
// with other values fails with ErrIdentity, so a data directory copied from
// another node or cluster is never used as this node's log. Open reads and
// validates everything stored; Pebble's directory lock refuses a second
// Open of the same directory.
//
// Load returns what a restarting controller needs: the hard state and the
// snapshot (each nil if never written) and the stored entries in index
// order. Stored data that breaks an invariant below gives an error wrapping
// ErrCorrupt that names what is wrong; the store never repairs, drops or
// panics on such data.
//
// Apply(p) stores p with Persist's rules, exactly as the simulator's disk
// model (controller.ApplyPersist, which the simulator's disk uses) does:
//   - HardState, if non-nil, replaces the stored one;
//   - Snapshot, if non-empty and newer than the stored one, replaces it, and
//     the entries up to its index are deleted (later ones stay, unless
//     Restore says the snapshot came from the leader: then all go);
//   - Entries replace every stored entry at or after the first one's index
//     and are appended.
//
// # Durability
//
// Each Apply is one Pebble batch committed with pebble.Sync: when Apply
// returns nil the write is on stable storage, and a crash at any moment
// leaves each write wholly present or wholly absent, in order. So the host
// may deliver DiskDone{Token} as soon as Apply returns nil.
//
// An Apply that returns any error other than ErrInvalidWrite may or may not
// have reached the disk. The store is then failed: every later call returns
// ErrFailed, and the host must stop the controller, Close the store and
// restart from Open and Load, which return whatever did reach the disk. A
// failed WAL write or sync is reported this way (Pebble treats it as fatal;
// the store turns Pebble's fatal callback into the error). A fatal error on
// one of Pebble's background goroutines (a failed flush, compaction or
// MANIFEST write) ends the process with a panic, as Pebble cannot continue
// after it either; run the daemon under a supervisor.
//
// # Validation
//
// Beyond Persist's rules, Apply refuses, with ErrInvalidWrite and before
// writing anything, writes Raft cannot produce; the store is then unchanged
// and usable, but the caller has a bug. A write is refused if it would
//   - leave a gap after the last stored index, rewrite entries the snapshot
//     covers, or rewrite entries at or below the stored commit index;
//   - hold entries that are not contiguous, have index or term 0, or whose
//     terms go back (within the write or from the preceding stored entry);
//   - move the hard state's term or commit back, or change a vote already
//     cast in the same term;
//   - store a snapshot with term 0, or exceed Options.MaxWriteBytes;
//   - break one of the invariants Load checks.
//
// Load (and Open) check that every record decodes, each entry is stored
// under its own index, entries are contiguous with non-decreasing, non-zero
// terms, the log starts right after the snapshot, the hard state's commit
// lies between the snapshot index and the last index and its term is at
// least the snapshot's and the last entry's. Before any snapshot is stored
// the store cannot know where the log begins (the controller starts from a
// bootstrap snapshot it rebuilds from configuration, never written), so
// the commit index is then checked against the last entry only, if any.
// Entries after a snapshot may have terms below the snapshot's: Persist
// keeps them, and Raft replaces them when the leader sends the real ones.
//
// # Key layout
//
//	log/<index: 8 bytes big-endian>  raftpb.Entry (proto)
//	meta/hardstate                   raftpb.HardState (proto)
//	meta/identity                    format byte (1), uvarint node id, cluster name
//	meta/snapshot                    raftpb.Snapshot (proto)
//
// Big-endian indexes sort entries by index, so truncating the log is one
// range deletion (log/<first> up to log/<last+1>), dropping entries under a
// snapshot is another (log/0 up to log/<snapshot+1>), and an append costs
// O(entries written), not O(log). Load reads every key in one ordered
// pass, log first; any other key is reported as corrupt. The format byte in
// the identity record versions the layout: a store of another format is
// refused, not misread.
//
// # Limits
//
// Options.MaxWriteBytes (default 1 GiB) bounds one Apply's encoded size,
// under Pebble's 4 GiB batch limit; Options.MaxLoadBytes (default 4 GiB)
// bounds what Load reads. Indexes above 2^62 are refused.
package raftstore
