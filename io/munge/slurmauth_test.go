package munge_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/flurm/flurm/io/munge"
	"github.com/flurm/flurm/io/munge/mungetest"
	"github.com/flurm/flurm/io/slurmproto"
	"github.com/flurm/flurm/io/slurmrpc"
)

// frame builds a message the way a Slurm client does and decodes it the
// way the server does, so Verify sees a real Envelope.
func frame(t *testing.T, msgType slurmproto.MsgType, auth slurmproto.Auth, body []byte) *slurmproto.Envelope {
	t.Helper()
	h := slurmproto.Header{Version: slurmproto.ProtocolVersion, MsgType: msgType}
	b, err := slurmproto.AppendFrame(nil, h, auth, body)
	if err != nil {
		t.Fatal(err)
	}
	f, rest, err := slurmproto.SplitFrame(b)
	if err != nil || len(rest) != 0 {
		t.Fatal(err)
	}
	env, err := slurmproto.DecodeEnvelope(f)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func self() slurmrpc.Identity {
	return slurmrpc.Identity{UID: uint32(os.Getuid()), GID: uint32(os.Getgid())}
}

func TestSlurmAuthRoundTrip(t *testing.T) {
	d := mungetest.Start(t)
	a := &munge.SlurmAuth{Client: d.Client}
	body := []byte{0, 0, 0, 0} // RESPONSE_SLURM_RC rc=0
	auth, err := a.Credential(slurmproto.ResponseSlurmRC, body)
	if err != nil {
		t.Fatal(err)
	}
	if auth.PluginID != 101 {
		t.Fatalf("plugin id %d", auth.PluginID)
	}
	id, err := a.Verify(frame(t, slurmproto.ResponseSlurmRC, auth, body))
	if err != nil || id.UID != self().UID || id.GID != self().GID || !id.Origin.IsValid() {
		t.Fatalf("Verify = %+v, %v; want %+v from munged's address", id, err, self())
	}
	// An empty body (REQUEST_PING) is hashed too.
	auth, err = a.Credential(slurmproto.RequestPing, nil)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := a.Verify(frame(t, slurmproto.RequestPing, auth, nil)); err != nil || id.UID != self().UID {
		t.Fatalf("ping: %+v, %v", id, err)
	}
}

func TestSlurmAuthPayloadIsSlurms(t *testing.T) {
	// What Credential puts in the credential is exactly 0x02||K12.
	d := mungetest.Start(t)
	a := &munge.SlurmAuth{Client: d.Client}
	auth, err := a.Credential(slurmproto.RequestPing, nil)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := d.Client.Decode(context.Background(), auth.Credential.String())
	if err != nil {
		t.Fatal(err)
	}
	want := munge.Payload(slurmproto.RequestPing, nil)
	if len(cred.Payload) != 33 || !bytes.Equal(cred.Payload, want) {
		t.Fatalf("payload %x, want %x", cred.Payload, want)
	}
}

func TestSlurmAuthRejects(t *testing.T) {
	d := mungetest.Start(t)
	a := &munge.SlurmAuth{Client: d.Client}
	body := []byte("job description bytes")
	const typ = slurmproto.RequestSubmitBatchJob
	fresh := func() slurmproto.Auth {
		auth, err := a.Credential(typ, body)
		if err != nil {
			t.Fatal(err)
		}
		return auth
	}
	tampered := bytes.Clone(body)
	tampered[0] ^= 1
	if _, err := a.Verify(frame(t, typ, fresh(), tampered)); !errors.Is(err, munge.ErrPayloadMismatch) {
		t.Errorf("tampered body: %v", err)
	}
	if _, err := a.Verify(frame(t, typ, fresh(), body[:len(body)-1])); !errors.Is(err, munge.ErrPayloadMismatch) {
		t.Errorf("truncated body: %v", err)
	}
	if _, err := a.Verify(frame(t, slurmproto.RequestUpdateJob, fresh(), body)); !errors.Is(err, munge.ErrPayloadMismatch) {
		t.Errorf("other message type: %v", err)
	}
	wrongPlugin := fresh()
	wrongPlugin.PluginID = slurmproto.AuthPluginJWT
	if _, err := a.Verify(frame(t, typ, wrongPlugin, body)); !errors.Is(err, munge.ErrWrongPlugin) {
		t.Errorf("jwt plugin id: %v", err)
	}
	// The wrong-plugin credential was not sent to munged: still usable.
	if _, err := a.Verify(frame(t, typ, slurmproto.Auth{PluginID: 101, Credential: wrongPlugin.Credential}, body)); err != nil {
		t.Errorf("credential after refused plugin id: %v", err)
	}
	env := frame(t, typ, fresh(), body)
	env.Header.Flags |= slurmproto.FlagGlobalAuthKey
	if _, err := a.Verify(env); !errors.Is(err, munge.ErrUnsupported) {
		t.Errorf("global auth key flag: %v", err)
	}
	for name, cred := range map[string]slurmproto.Str{
		"NULL": {}, "empty": slurmproto.S(""), "garbage": slurmproto.S("MUNGE:notacredential:"),
	} {
		_, err := a.Verify(frame(t, typ, slurmproto.Auth{PluginID: 101, Credential: cred}, body))
		if !errors.Is(err, munge.ErrInvalidArgument) && !errors.Is(err, munge.ErrBadCredential) {
			t.Errorf("%s credential: %v", name, err)
		}
	}
	if _, err := a.Verify(nil); err == nil {
		t.Error("nil envelope accepted")
	}
}

func TestSlurmAuthRefusesReplay(t *testing.T) {
	d := mungetest.Start(t)
	a := &munge.SlurmAuth{Client: d.Client}
	body := []byte{1, 2, 3}
	auth, err := a.Credential(slurmproto.RequestCancelJobStep, body)
	if err != nil {
		t.Fatal(err)
	}
	env := frame(t, slurmproto.RequestCancelJobStep, auth, body)
	if _, err := a.Verify(env); err != nil {
		t.Fatal(err)
	}
	// The same message again, as an eavesdropper would resend it.
	if id, err := a.Verify(env); !errors.Is(err, munge.ErrReplayed) || id != (slurmrpc.Identity{}) {
		t.Fatalf("replayed message: %+v, %v", id, err)
	}
	// And the credential moved onto another body is refused as replayed
	// before its payload is even looked at.
	if _, err := a.Verify(frame(t, slurmproto.RequestCancelJobStep, auth, []byte{9})); !errors.Is(err, munge.ErrReplayed) {
		t.Fatalf("replayed credential on a new body: %v", err)
	}
}

func TestSlurmAuthRefusesExpired(t *testing.T) {
	t.Parallel() // waits two seconds
	d := mungetest.Start(t)
	a := &munge.SlurmAuth{Client: d.Client, TTL: time.Second}
	auth, err := a.Credential(slurmproto.RequestPing, nil)
	if err != nil {
		t.Fatal(err)
	}
	waitUntilUnix(time.Now().Unix() + 2)
	if _, err := a.Verify(frame(t, slurmproto.RequestPing, auth, nil)); !errors.Is(err, munge.ErrExpired) {
		t.Fatalf("%v", err)
	}
}

func TestSlurmAuthPayloadPolicy(t *testing.T) {
	d := mungetest.Start(t)
	ctx := context.Background()
	body := []byte("body")
	const typ = slurmproto.RequestJobInfo
	forms := map[string][]byte{
		"empty":     nil,
		"type-only": {1, byte(uint16(typ) >> 8), byte(uint16(typ) & 0xff)},
	}
	for name, payload := range forms {
		for _, policy := range []munge.PayloadPolicy{{}, {AllowEmpty: true, AllowTypeOnly: true}} {
			cred, err := d.Client.Encode(ctx, payload, munge.EncodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			a := &munge.SlurmAuth{Client: d.Client, Policy: policy}
			_, err = a.Verify(frame(t, typ, slurmproto.Auth{PluginID: 101, Credential: slurmproto.S(cred)}, body))
			lenient := policy.AllowEmpty
			if lenient && err != nil || !lenient && !errors.Is(err, munge.ErrPayloadMismatch) {
				t.Errorf("%s payload, policy %+v: %v", name, policy, err)
			}
		}
	}
}

func TestSlurmAuthCredentialFor(t *testing.T) {
	d := mungetest.Start(t)
	a := &munge.SlurmAuth{Client: d.Client}
	ctx := context.Background()
	uid := uint32(os.Getuid())
	mine, err := a.CredentialFor(ctx, slurmproto.ResponseSlurmRC, nil, munge.Only(uid))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Verify(frame(t, slurmproto.ResponseSlurmRC, mine, nil)); err != nil {
		t.Fatalf("restricted to us: %v", err)
	}
	theirs, err := a.CredentialFor(ctx, slurmproto.ResponseSlurmRC, nil, munge.Only(uid+1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Verify(frame(t, slurmproto.ResponseSlurmRC, theirs, nil)); !errors.Is(err, munge.ErrUnauthorized) {
		t.Fatalf("restricted to another uid: %v", err)
	}
}

func TestSlurmAuthNoDaemon(t *testing.T) {
	a := &munge.SlurmAuth{Client: munge.Client{Socket: t.TempDir() + "/munge.socket.2"}}
	_, err := a.Credential(slurmproto.RequestPing, nil)
	if !errors.Is(err, munge.ErrNoDaemon) {
		t.Fatalf("Credential: %v", err)
	}
	_, err = a.Verify(frame(t, slurmproto.RequestPing, slurmproto.Auth{PluginID: 101, Credential: slurmproto.S("MUNGE:x:")}, nil))
	if !errors.Is(err, munge.ErrNoDaemon) {
		t.Fatalf("Verify: %v", err)
	}
}
