package peerwire

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/io/munge"
)

// Node frames. A KindNode payload is
//
//	uint32 big-endian n | n bytes of seal | JSON {"type": T, "msg": {...}}
//
// where T names one of the node protocol's core/msg types (nodeTypes). The
// seal authenticates the JSON bytes; with MUNGE it is a credential whose
// payload is their SHA-256, so munged vouches for the sender's uid and
// refuses a replayed frame.

// maxSealBytes bounds the seal of one frame (a MUNGE credential of a
// 32-byte payload is about 150 bytes).
const maxSealBytes = 8 << 10

// nodeTypes are the messages allowed on a node connection, in both
// directions; anything else is refused before it reaches a state machine.
var nodeTypes = map[string]func() msg.Message{
	"Heartbeat":     func() msg.Message { return &msg.Heartbeat{} },
	"HeartbeatAck":  func() msg.Message { return &msg.HeartbeatAck{} },
	"Launch":        func() msg.Message { return &msg.Launch{} },
	"Kill":          func() msg.Message { return &msg.Kill{} },
	"LaunchRefused": func() msg.Message { return &msg.LaunchRefused{} },
}

func nodeTypeName(m msg.Message) (string, bool) {
	switch m.(type) {
	case msg.Heartbeat:
		return "Heartbeat", true
	case msg.HeartbeatAck:
		return "HeartbeatAck", true
	case msg.Launch:
		return "Launch", true
	case msg.Kill:
		return "Kill", true
	case msg.LaunchRefused:
		return "LaunchRefused", true
	}
	return "", false
}

type nodeEnvelope struct {
	Type string          `json:"type"`
	Msg  json.RawMessage `json:"msg"`
}

// Sealer authenticates node frames. Seal returns the seal of body; Open
// checks a seal against body and fails unless the sender is trusted.
type Sealer interface {
	Seal(ctx context.Context, body []byte) ([]byte, error)
	Open(ctx context.Context, seal, body []byte) error
}

// MungeSealer seals with MUNGE credentials. Trusted decides which uids may
// send node frames: root and SlurmUser, as slurmd and slurmctld accept
// only those for their daemon-to-daemon messages.
type MungeSealer struct {
	Munge   *munge.Client
	Trusted func(uid uint32) bool
}

// Seal implements Sealer.
func (s MungeSealer) Seal(ctx context.Context, body []byte) ([]byte, error) {
	sum := sha256.Sum256(body)
	cred, err := s.Munge.Encode(ctx, sum[:], munge.EncodeOptions{})
	return []byte(cred), err
}

// Open implements Sealer.
func (s MungeSealer) Open(ctx context.Context, seal, body []byte) error {
	c, err := s.Munge.Decode(ctx, string(seal))
	if err != nil {
		return fmt.Errorf("node frame credential: %w", err)
	}
	sum := sha256.Sum256(body)
	if !bytes.Equal(c.Payload, sum[:]) {
		return errors.New("node frame credential does not match the message")
	}
	if !s.Trusted(c.UID) {
		return fmt.Errorf("node frame from uid %d, which is neither root nor SlurmUser", c.UID)
	}
	return nil
}

// EncodeNode seals m into a KindNode frame.
func EncodeNode(ctx context.Context, s Sealer, m msg.Message) ([]byte, error) {
	name, ok := nodeTypeName(m)
	if !ok {
		return nil, fmt.Errorf("peerwire: %T is not a node protocol message", m)
	}
	inner, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(nodeEnvelope{Type: name, Msg: inner})
	if err != nil {
		return nil, err
	}
	seal, err := s.Seal(ctx, body)
	if err != nil {
		return nil, err
	}
	if len(seal) > maxSealBytes {
		return nil, fmt.Errorf("peerwire: seal of %d bytes", len(seal))
	}
	payload := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(seal)+len(body)), uint32(len(seal)))
	payload = append(append(payload, seal...), body...)
	return AppendFrame(nil, KindNode, payload)
}

// DecodeNode opens a KindNode payload and returns the message it carries.
// Any defect (bad seal, untrusted sender, unknown type, malformed JSON) is
// an error; the caller drops the connection.
func DecodeNode(ctx context.Context, s Sealer, payload []byte) (msg.Message, error) {
	if len(payload) < 4 {
		return nil, errors.New("peerwire: short node frame")
	}
	n := binary.BigEndian.Uint32(payload)
	if n > maxSealBytes || int(n) > len(payload)-4 {
		return nil, fmt.Errorf("peerwire: node frame seal of %d bytes", n)
	}
	seal, body := payload[4:4+n], payload[4+n:]
	if err := s.Open(ctx, seal, body); err != nil {
		return nil, err
	}
	var env nodeEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("peerwire: node frame: %w", err)
	}
	mk, ok := nodeTypes[env.Type]
	if !ok {
		return nil, fmt.Errorf("peerwire: unknown node message type %q", env.Type)
	}
	p := mk()
	dec := json.NewDecoder(bytes.NewReader(env.Msg))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		return nil, fmt.Errorf("peerwire: %s: %w", env.Type, err)
	}
	switch v := p.(type) {
	case *msg.Heartbeat:
		return *v, nil
	case *msg.HeartbeatAck:
		return *v, nil
	case *msg.Launch:
		return *v, nil
	case *msg.Kill:
		return *v, nil
	case *msg.LaunchRefused:
		return *v, nil
	}
	return nil, fmt.Errorf("peerwire: unhandled node message type %q", env.Type)
}
