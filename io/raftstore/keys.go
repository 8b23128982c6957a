package raftstore

import (
	"encoding/binary"
	"fmt"
)

// Keys. Log entries sort before the metadata keys and by index, so a
// truncation is one range deletion and the first and last entries are one
// seek each. See doc.go for the layout.
var (
	logPrefix    = []byte("log/")
	logPrefixEnd = []byte("log0") // '/'+1: the first key after every log key

	identityKey  = []byte("meta/identity")
	hardStateKey = []byte("meta/hardstate")
	snapshotKey  = []byte("meta/snapshot")
)

const logKeyLen = 4 + 8

// maxIndex bounds every index the store accepts, so index+1 never wraps.
const maxIndex = 1 << 62

// logKey is the key of the entry at index: the prefix, then the index
// big-endian so that byte order is index order.
func logKey(index uint64) []byte {
	k := make([]byte, logKeyLen)
	copy(k, logPrefix)
	binary.BigEndian.PutUint64(k[len(logPrefix):], index)
	return k
}

// parseLogKey is logKey's inverse; it rejects keys logKey cannot produce.
func parseLogKey(k []byte) (uint64, error) {
	if len(k) != logKeyLen || string(k[:len(logPrefix)]) != string(logPrefix) {
		return 0, fmt.Errorf("malformed log key %q", k)
	}
	return binary.BigEndian.Uint64(k[len(logPrefix):]), nil
}

// identityFormat versions the whole layout; a store written by a future
// layout is refused rather than misread.
const identityFormat = 1

// maxClusterName bounds the cluster name kept in the identity record.
const maxClusterName = 255

// encodeIdentity is: format byte, uvarint node id, cluster name.
func encodeIdentity(cluster string, node uint64) []byte {
	b := []byte{identityFormat}
	b = binary.AppendUvarint(b, node)
	return append(b, cluster...)
}

func decodeIdentity(b []byte) (cluster string, node uint64, err error) {
	if len(b) == 0 {
		return "", 0, fmt.Errorf("empty identity record")
	}
	if b[0] != identityFormat {
		return "", 0, fmt.Errorf("identity record has format %d, this build reads format %d", b[0], identityFormat)
	}
	node, n := binary.Uvarint(b[1:])
	if n <= 0 {
		return "", 0, fmt.Errorf("identity record has a malformed node id")
	}
	name := b[1+n:]
	if len(name) == 0 || len(name) > maxClusterName {
		return "", 0, fmt.Errorf("identity record has a cluster name of %d bytes", len(name))
	}
	return string(name), node, nil
}
