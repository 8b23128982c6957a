// Package munge authenticates FLURM's Slurm 22.05 traffic with MUNGE, the
// way Slurm's auth/munge plugin does, by talking to the local munged over
// its UNIX socket. It needs no cgo and no libmunge: Client speaks munged's
// own message format (munge 0.5.15, message version 4).
//
// # Client
//
// Client.Encode asks munged for a credential ("MUNGE:...:") carrying an
// optional payload, with an optional TTL and uid/gid restriction.
// Client.Decode asks munged to verify a credential and returns its
// Credential: the encoder's uid and gid, the payload, encode and decode
// times, TTL, origin address and restrictions. Every request uses a new
// connection, as libmunge does, so a Client is safe for concurrent use.
//
// A decode that munged rejects is a *DaemonError holding munged's error
// code and text; errors.Is sorts it into ErrExpired, ErrRewound,
// ErrReplayed, ErrUnauthorized, ErrBadCredential (garbage, tampered, or
// made with another key) or ErrDaemon. Failures on this side of the socket
// are ErrNoDaemon (socket file missing, not a socket, or connection
// refused), ErrTimeout, ErrProtocol (malformed reply or dropped
// connection), ErrTooLarge and ErrInvalidArgument.
//
// # Slurm authentication
//
// SlurmAuth implements slurmrpc.Authenticator with plugin id 101
// (auth/munge). Verify decodes the credential of a slurmproto.Envelope
// with munged, then requires its payload to bind it to the message:
// 0x02 || KangarooTwelve(Envelope.Body, customization = big-endian uint16
// msg_type), 33 bytes (Payload, CheckPayload). Credential makes the auth
// section of a reply with the same payload; CredentialFor restricts it to
// one uid, as slurmctld restricts replies to the requester.
//
// Slurm 22.05 also accepts an empty payload and the type-only form 0x01 ||
// BE16(msg_type) unless CommunicationParameters has block_null_hash /
// block_zero_hash. Every 22.05 client sends the K12 digest, so the zero
// PayloadPolicy refuses both weaker forms; set its fields to match Slurm's
// default leniency. Hash types other than K12 (2) are refused. A message
// with the SLURM_GLOBAL_AUTH_KEY header flag (slurmdbd, multi-cluster) is
// refused with ErrUnsupported rather than checked against another munged.
//
// # Trust model
//
// The identity comes only from munged. munged learns who asks for a
// credential from the kernel (the socket's peer credentials), seals uid,
// gid, payload and time under the cluster's shared key, and on decode
// checks the key, the TTL, the uid/gid restriction and that the credential
// was never decoded before. Nothing a client sends in a Slurm message
// names its uid. This package adds only the binding to the message: a
// credential whose payload does not hash to this body and message type is
// refused, so a credential lifted from one message cannot authorize
// another. Credential.UID/GID inside a *DaemonError (expired, rewound,
// replayed credentials) are for logs, never for authorization.
//
// Replays are refused by munged, which remembers every credential it
// decoded until it expires; Verify surfaces that as ErrReplayed. For that
// reason a decode request is never sent twice, and the request header's
// retry count, which makes munged let a replay through, is always 0.
// Replay detection is per munged: the same credential presented to two
// hosts decodes once on each, as in Slurm.
//
// The process must be able to decode what clients send it: credentials
// restricted to SlurmUser's uid (scontrol ping, shutdown, takeover) decode
// only when this process runs as that uid.
//
// # Limits
//
// A payload is at most MaxPayloadLen (512 KiB), a credential text at most
// MaxCredentialLen (just under munged's own 1 MiB request cap), a reply
// from munged at most 1 MiB plus headers. A TTL is at most MaxTTL (munged
// caps it further at its --max-ttl, 3600 s by default) and is rounded up
// to whole seconds. Each request, connect included, is bounded by
// Client.Timeout (DefaultTimeout, 5 s) and by its context; a connection
// refused while munged's listen queue is full is tried 5 times within
// about 100 ms, which is safe because nothing has been sent yet.
//
// Test helpers that run a private munged live in package mungetest.
package munge
