// Package slurmproto is a pure codec for the Slurm 22.05 RPC wire protocol
// (protocol version 38, 0x2600), the one unmodified Slurm 22.05.8 clients
// (sbatch, squeue, sinfo, scancel, scontrol, sdiag, srun, salloc) speak to
// slurmctld. It does no I/O beyond reading frames from an io.Reader, no
// networking and no authentication: the TCP server, the clients and the
// MUNGE verifier live in other packages and call into this one.
//
// The reference for every layout is shared/docs/slurm-protocol-22.05.md;
// each body type names the Slurm packer it mirrors.
//
// # Layout of a message
//
//	u32 length                      counts everything after itself (ReadFrame, SplitFrame)
//	header                          Header: version, flags, msg_type, body_length,
//	                                forward (cnt [+ nodelist, timeout, tree_width]),
//	                                ret_cnt (must be 0), orig_addr
//	auth                            Auth: u32 plugin id (101 = MUNGE) + credential str
//	body                            body_length bytes, layout chosen by msg_type
//
// DecodeEnvelope splits a frame into Header, Auth and the raw body bytes.
// Envelope.Body is exactly the byte range the MUNGE payload hash covers,
// 0x02 || KangarooTwelve(body, customization = big-endian u16 msg_type), so
// a verifier can check the credential before the body is interpreted.
// DecodeBody then turns the bytes into a Go struct; DecodeMessage does both.
//
// # Responsibilities of a server
//
//  1. ReadFrame with a size limit, then DecodeEnvelope. A *VersionError
//     (errors.Is(err, ErrUnsupportedVersion)) means: close the connection
//     without replying, as slurmctld does. Any other error: close too.
//  2. Verify Auth.Credential against Envelope.Body and Header.MsgType
//     (another package).
//  3. DecodeBody. ErrUnknownMessageType means the type has no codec here;
//     slurmctld answers such requests with RESPONSE_SLURM_RC = EINVAL (22).
//  4. Reply: EncodeBody, create the credential over those bytes, then
//     AppendFrame with ReplyHeader(request header, reply type), which keeps
//     the requester's version, flags and orig_addr.
//
// # Body structs
//
// A body is a pointer to one of this package's structs; the registry maps
// each supported MsgType to one (several types share a layout, e.g. JobDesc
// for REQUEST_SUBMIT_BATCH_JOB, REQUEST_RESOURCE_ALLOCATION,
// REQUEST_JOB_WILL_RUN and REQUEST_UPDATE_JOB). SupportedTypes lists them.
// Fields are packed in declaration order and a field's Go type chooses its
// wire encoding (codec.go has the table); types whose layout depends on
// their own values implement the encoding by hand. Distinctions the wire
// makes are kept: Str separates NULL from "", Bitmap keeps Slurm's mask
// text, a nil list is NO_VAL while an empty one is a zero count. Empty
// arrays and string arrays decode as nil, because the wire cannot tell.
// Doubles carry value×1e6 as Slurm does; decoding divides again, so a
// fraction may come back one ulp away.
//
// Every RPC message in the real captures (testdata/*.pcap) has a codec,
// decodes with no byte left over and re-encodes byte-identically.
//
// Covered, both directions: the controller RPCs of sbatch, squeue, sinfo,
// scancel, scontrol (show job/node/partition/config/step/reservation/
// licenses, ping, update job/node/partition, shutdown, reconfigure,
// takeover, hold/requeue/suspend/top, reboot) and sdiag; salloc/srun
// allocation (also het jobs), step creation and completion; the srun-side
// messages (launch response, task exit, SRUN_*); and the slurmd side (node
// registration, batch launch, launch tasks, signal/terminate, step and
// batch completion, epilog complete). SupportedTypes is the authoritative
// list.
//
// # Job credentials
//
// JobCredential.SignedBytes returns the exact bytes cred/munge signs; the
// signature (a MUNGE credential text) follows them on the wire. srun uses
// the signature as the key of the task I/O stream, whose init message and
// frame headers are encoded by AppendIOInit/DecodeIOInit and
// AppendIOHeader/DecodeIOHeader (stdio.go).
//
// # Versions
//
// Only ProtocolVersion is spoken. Slurm answers a peer in the peer's
// version and 22.05 accepts 21.08 and 20.11 too, but their layouts differ
// (even the header has an extra u16); this package refuses them with
// *VersionError both when decoding and encoding, so a caller cannot emit a
// 38 layout under another version number. The DBD variant of the header
// (flag SLURMDBD_CONNECTION, preceded by an extra u16) and aggregated
// replies (ret_cnt > 0) are not supported.
//
// # Limits
//
// A frame is at most MaxMessageSize (1 GiB, Slurm's MAX_MSG_SIZE); ReadFrame
// takes a lower limit and grows its buffer only as bytes arrive. One string
// or mem field is at most MaxStringLen, one array or list at most
// MaxArrayLen elements, a credential at most MaxCredentialLen. Before any
// count is used to allocate, count × (smallest encoding of one element)
// must fit in the bytes that remain, so hostile counts fail with
// ErrTruncated or ErrTooLarge without allocating. Nesting depth is fixed by
// the Go types, so there is no recursion driven by input.
//
// # Errors
//
// Decoding errors are *DecodeError (offset and field path) or *VersionError
// and wrap exactly one sentinel: ErrTruncated, ErrTooLarge, ErrMalformed,
// ErrUnsupportedVersion, ErrUnknownMessageType, ErrTrailingBytes,
// ErrUnsupported (valid Slurm data this package does not implement). Encoding
// refuses values the wire cannot carry with ErrInvalidValue. Nothing
// panics on input; FuzzDecode guards that.
package slurmproto
