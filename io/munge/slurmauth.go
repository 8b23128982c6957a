package munge

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/cloudflare/circl/xof/k12"

	"github.com/flurm/flurm/io/slurmproto"
	"github.com/flurm/flurm/io/slurmrpc"
)

// PluginID is auth/munge's id in the auth section (AUTH_PLUGIN_MUNGE).
const PluginID = slurmproto.AuthPluginMunge

// PayloadLen is the length of the payload Slurm 22.05 puts in a message's
// credential: one hash-type byte and a 32-byte KangarooTwelve digest.
const PayloadLen = 1 + 32

// Hash types of the payload's first byte (slurm.h enum hash_plugin_type).
const (
	hashTypeNone = 1 // HASH_PLUGIN_NONE: 0x01 || BE16(msg_type), no digest
	hashTypeK12  = 2 // HASH_PLUGIN_K12
)

var (
	// ErrPayloadMismatch: the credential's payload does not bind it to
	// this message: the digest differs (body or message type changed),
	// the form is unknown, or it is a weak form the PayloadPolicy refuses.
	ErrPayloadMismatch = errors.New("munge: credential payload does not match the message")
	// ErrWrongPlugin: the auth section names another plugin than
	// auth/munge (101).
	ErrWrongPlugin = errors.New("munge: auth plugin is not auth/munge")
	// ErrUnsupported: a valid Slurm feature this package does not
	// implement (the SLURM_GLOBAL_AUTH_KEY header flag).
	ErrUnsupported = errors.New("munge: unsupported")
)

// Payload returns the payload Slurm 22.05 binds a message with:
// 0x02 || KangarooTwelve(body, customization = big-endian uint16 msgType),
// 33 bytes (spa.c _compute_hash with the hash/k12 plugin).
func Payload(msgType slurmproto.MsgType, body []byte) []byte {
	var custom [2]byte
	binary.BigEndian.PutUint16(custom[:], uint16(msgType))
	out := make([]byte, PayloadLen)
	out[0] = hashTypeK12
	k12.Draft10Sum(out[1:], body, custom[:])
	return out
}

// PayloadPolicy says which weaker payload forms a receiver accepts besides
// the K12 digest. Slurm 22.05 accepts both unless CommunicationParameters
// has block_null_hash or block_zero_hash; the zero value here accepts
// neither, since every 22.05 client sends the digest and only the digest
// ties a credential to its message.
type PayloadPolicy struct {
	AllowEmpty    bool // no payload at all (what Slurm before 22.05 sent)
	AllowTypeOnly bool // 0x01 || BE16(msgType): the type, no digest
}

// CheckPayload checks a decoded credential's payload against a message
// the way Slurm 22.05's receiver does (spa.c _check_hash), with policy in
// place of the two CommunicationParameters switches. The digest must match
// exactly: hash type 2, 33 bytes, K12 over all of body.
func CheckPayload(payload []byte, msgType slurmproto.MsgType, body []byte, policy PayloadPolicy) error {
	switch {
	case len(payload) == 0:
		if policy.AllowEmpty {
			return nil
		}
		return fmt.Errorf("%w: credential has no payload (allowed only by PayloadPolicy.AllowEmpty)", ErrPayloadMismatch)
	case payload[0] == hashTypeNone:
		var want [3]byte
		want[0] = hashTypeNone
		binary.BigEndian.PutUint16(want[1:], uint16(msgType))
		if !policy.AllowTypeOnly {
			return fmt.Errorf("%w: type-only payload (allowed only by PayloadPolicy.AllowTypeOnly)", ErrPayloadMismatch)
		}
		// Slurm also takes the byte-swapped type, but only from peers of
		// protocol 21.08 or older, which slurmproto refuses anyway.
		if !bytes.Equal(payload, want[:]) {
			return fmt.Errorf("%w: type-only payload % x, message type %d", ErrPayloadMismatch, payload, msgType)
		}
		return nil
	case payload[0] != hashTypeK12:
		return fmt.Errorf("%w: payload hash type %d (only K12, 2, is supported)", ErrPayloadMismatch, payload[0])
	case len(payload) != PayloadLen:
		return fmt.Errorf("%w: K12 payload of %d bytes, want %d", ErrPayloadMismatch, len(payload), PayloadLen)
	}
	if subtle.ConstantTimeCompare(payload, Payload(msgType, body)) != 1 {
		return fmt.Errorf("%w: K12 digest differs for message type %d with a %d-byte body", ErrPayloadMismatch, msgType, len(body))
	}
	return nil
}

// SlurmAuth is auth/munge for FLURM's side of the Slurm 22.05 protocol:
// it verifies incoming messages' credentials and makes credentials for
// replies, through munged. The zero value uses munged's default socket,
// TTL and the strict PayloadPolicy. It is safe for concurrent use.
type SlurmAuth struct {
	Client Client // munged socket and per-request timeout (AuthInfo=socket=)
	// TTL of outgoing credentials; 0 = munged's default (AuthInfo=ttl=).
	TTL    time.Duration
	Policy PayloadPolicy
}

var _ slurmrpc.Authenticator = (*SlurmAuth)(nil)

// Verify implements slurmrpc.Authenticator: munged must decode the
// credential (right key, within its TTL, never decoded before, decodable
// by this process's uid) and its payload must bind it to env.Header.MsgType
// and env.Body. The identity is munged's word on who encoded it.
func (a *SlurmAuth) Verify(env *slurmproto.Envelope) (slurmrpc.Identity, error) {
	cred, err := a.VerifyCredential(context.Background(), env)
	if err != nil {
		return slurmrpc.Identity{}, err
	}
	return slurmrpc.Identity{UID: cred.UID, GID: cred.GID, Origin: cred.Origin}, nil
}

// VerifyCredential is Verify with a context and the whole decoded
// credential (encode time, origin address, TTL) for callers that log it.
func (a *SlurmAuth) VerifyCredential(ctx context.Context, env *slurmproto.Envelope) (*Credential, error) {
	if env == nil {
		return nil, fmt.Errorf("%w: nil envelope", ErrInvalidArgument)
	}
	if env.Auth.PluginID != PluginID {
		return nil, fmt.Errorf("%w: plugin id %d", ErrWrongPlugin, env.Auth.PluginID)
	}
	if env.Header.Flags&slurmproto.FlagGlobalAuthKey != 0 {
		// Slurm would decode with the munged named by
		// AccountingStoragePass instead (slurmdbd, multi-cluster).
		return nil, fmt.Errorf("%w: SLURM_GLOBAL_AUTH_KEY header flag", ErrUnsupported)
	}
	cred, err := a.Client.Decode(ctx, env.Auth.Credential.String())
	if err != nil {
		return nil, err
	}
	if err := CheckPayload(cred.Payload, env.Header.MsgType, env.Body, a.Policy); err != nil {
		return nil, err
	}
	return cred, nil
}

// Credential implements slurmrpc.Authenticator: a credential whose payload
// binds it to an outgoing body of msgType, decodable by anyone.
func (a *SlurmAuth) Credential(msgType slurmproto.MsgType, body []byte) (slurmproto.Auth, error) {
	return a.CredentialFor(context.Background(), msgType, body, Restriction{})
}

// CredentialFor is Credential restricted to one decoding uid, as
// slurmctld restricts a reply to the requester's uid unless the requester
// is SlurmUser or SlurmdUser (spa.c _resp_msg_setup).
func (a *SlurmAuth) CredentialFor(ctx context.Context, msgType slurmproto.MsgType, body []byte, uid Restriction) (slurmproto.Auth, error) {
	if len(body) > slurmproto.MaxMessageSize {
		return slurmproto.Auth{}, fmt.Errorf("%w: body of %d bytes", ErrTooLarge, len(body))
	}
	cred, err := a.Client.Encode(ctx, Payload(msgType, body), EncodeOptions{TTL: a.TTL, UID: uid})
	if err != nil {
		return slurmproto.Auth{}, err
	}
	if len(cred) >= slurmproto.MaxCredentialLen {
		return slurmproto.Auth{}, fmt.Errorf("%w: credential of %d bytes > slurmproto.MaxCredentialLen", ErrTooLarge, len(cred))
	}
	return slurmproto.Auth{PluginID: PluginID, Credential: slurmproto.S(cred)}, nil
}
