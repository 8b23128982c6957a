package controller

import (
	"encoding/binary"
	"errors"

	"github.com/flurm/flurm/core/state"
)

// An envelope is the data of one Raft entry: the command plus the client
// request it answers, so whichever replica holds the waiting client can
// reply once the entry is applied.
type envelope struct {
	client string
	seq    uint64
	cmd    state.Command
}

const envelopeVersion = 1

var errEnvelope = errors.New("controller: corrupt log entry")

func encodeEnvelope(client string, seq uint64, cmd state.Command) []byte {
	b := make([]byte, 0, 32+len(client))
	b = append(b, envelopeVersion)
	b = binary.AppendUvarint(b, uint64(len(client)))
	b = append(b, client...)
	b = binary.AppendUvarint(b, seq)
	return append(b, state.Encode(cmd)...)
}

func decodeEnvelope(b []byte) (envelope, error) {
	if len(b) < 1 || b[0] != envelopeVersion {
		return envelope{}, errEnvelope
	}
	b = b[1:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) || n > 1024 {
		return envelope{}, errEnvelope
	}
	client := string(b[k : k+int(n)])
	b = b[k+int(n):]
	seq, k := binary.Uvarint(b)
	if k <= 0 {
		return envelope{}, errEnvelope
	}
	cmd, err := state.Decode(b[k:])
	if err != nil {
		return envelope{}, err
	}
	return envelope{client: client, seq: seq, cmd: cmd}, nil
}
