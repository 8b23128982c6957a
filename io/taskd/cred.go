package taskd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/flurm/flurm/io/munge"
	"github.com/flurm/flurm/io/slurmproto"
)

// slurmd's error codes (slurm_errno.h, 22.05) that slurmproto does not
// name.
const (
	rcNotSupported         uint32 = 2036 // ESLURM_NOT_SUPPORTED
	rcInvalidJobCredential uint32 = 4004 // ESLURMD_INVALID_JOB_CREDENTIAL
	rcCredentialExpired    uint32 = 4007 // ESLURMD_CREDENTIAL_EXPIRED
	rcCredentialRevoked    uint32 = 4008 // ESLURMD_CREDENTIAL_REVOKED
	rcCredentialReplayed   uint32 = 4009 // ESLURMD_CREDENTIAL_REPLAYED
	rcSetupEnvironment     uint32 = 4014 // ESLURMD_SETUP_ENVIRONMENT_ERROR
	rcIOError              uint32 = 4021 // ESLURMD_IO_ERROR
	rcTooManySteps         uint32 = 4025 // ESLURMD_TOOMANYSTEPS
	rcStepExists           uint32 = 4026 // ESLURMD_STEP_EXISTS
	rcJobNotRunning        uint32 = 4027 // ESLURMD_JOB_NOTRUNNING
)

// maxCredEntries bounds the replay cache and the revocation list.
const maxCredEntries = 1 << 16

// refusal is a launch refused with a Slurm return code; text is logged
// and sent to srun, which prints it.
type refusal struct {
	rc   uint32
	text string
}

func (r *refusal) Error() string { return fmt.Sprintf("%s (rc %d)", r.text, r.rc) }

func refuse(rc uint32, format string, args ...any) *refusal {
	return &refusal{rc: rc, text: fmt.Sprintf(format, args...)}
}

// credKey identifies one credential as slurm_cred's replay cache does:
// the step and the creation time.
type credKey struct {
	step  stepKey
	ctime int64
}

// credCache is this node's memory of job credentials: the ones that
// already launched (replays are refused) and the jobs whose allocation
// ended (their older credentials are revoked). Entries are forgotten once
// any credential they could match has expired anyway.
type credCache struct {
	expire  time.Duration
	mu      sync.Mutex
	used    map[credKey]time.Time  // forget after
	revoked map[uint32]revokeEntry // job id
}

type revokeEntry struct {
	at     int64 // credentials created at or before this second are revoked
	forget time.Time
}

func newCredCache(expire time.Duration) *credCache {
	return &credCache{expire: expire, used: make(map[credKey]time.Time), revoked: make(map[uint32]revokeEntry)}
}

func (c *credCache) prune(now time.Time) {
	for k, t := range c.used {
		if now.After(t) {
			delete(c.used, k)
		}
	}
	for k, e := range c.revoked {
		if now.After(e.forget) {
			delete(c.revoked, k)
		}
	}
}

// claim records a first use of the credential, or refuses it as revoked
// or replayed (the checks of slurm_cred_verify, in its order).
func (c *credCache) claim(k credKey, now time.Time) *refusal {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.prune(now)
	if e, ok := c.revoked[k.step.job]; ok && k.ctime <= e.at {
		return refuse(rcCredentialRevoked, "job %d was ended on this node: credential revoked", k.step.job)
	}
	if _, ok := c.used[k]; ok {
		return refuse(rcCredentialReplayed, "credential for step %d.%d already used on this node", k.step.job, k.step.step)
	}
	if len(c.used) >= maxCredEntries {
		return refuse(rcTooManySteps, "too many recent launches on this node")
	}
	c.used[k] = time.Unix(k.ctime, 0).Add(c.expire + time.Second)
	return nil
}

// release forgets a claim whose launch was not answered, so that srun may
// retry (slurmd's slurm_cred_rewind).
func (c *credCache) release(k credKey) {
	c.mu.Lock()
	delete(c.used, k)
	c.mu.Unlock()
}

// revoke refuses from now on the credentials of jobID created so far.
func (c *credCache) revoke(jobID uint32, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.prune(now)
	if len(c.revoked) >= maxCredEntries {
		return // every entry is younger than CredExpire; expiry still protects
	}
	c.revoked[jobID] = revokeEntry{at: now.Unix(), forget: now.Add(c.expire + time.Second)}
}

// verifyJobCredential checks a launch's job credential as cred/munge and
// slurm_cred_verify do: munged must decode the signature, the encoder
// must be root or SlurmUser, its payload must be exactly the packed
// credential fields, and the credential must be younger than CredExpire.
// Revocation and replay are checked by the caller (credCache.claim).
func (s *Server) verifyJobCredential(ctx context.Context, cred *slurmproto.JobCredential, now time.Time) *refusal {
	sig := cred.Signature
	// cred/munge signs with the NUL-terminated credential text.
	sig = bytes.TrimSuffix(sig, []byte{0})
	if len(sig) == 0 {
		return refuse(rcInvalidJobCredential, "job credential has no signature")
	}
	decoded, err := s.cfg.Munge.Decode(ctx, string(sig))
	if err != nil {
		var de *munge.DaemonError
		switch {
		case errors.Is(err, munge.ErrReplayed) && !s.cfg.StrictMungeReplay && errors.As(err, &de) && de.Credential != nil:
			// Another node daemon sharing this munged decoded it first
			// (multiple-slurmd mode). munged authenticated it before
			// noticing the replay; this server's own cache still
			// refuses a second launch here.
			decoded = de.Credential
		case errors.Is(err, munge.ErrExpired):
			return refuse(rcCredentialExpired, "job credential expired: %v", err)
		default:
			return refuse(rcInvalidJobCredential, "job credential signature: %v", err)
		}
	}
	if decoded.UID != 0 && decoded.UID != s.cfg.SlurmUID {
		return refuse(rcInvalidJobCredential, "job credential signed by uid %d, not root or SlurmUser (%d)", decoded.UID, s.cfg.SlurmUID)
	}
	signed, err := cred.SignedBytes()
	if err != nil {
		return refuse(rcInvalidJobCredential, "job credential does not encode: %v", err)
	}
	if !bytes.Equal(decoded.Payload, signed) {
		return refuse(rcInvalidJobCredential, "job credential fields do not match their signature")
	}
	created := time.Unix(int64(cred.Fields.CTime), 0)
	if now.After(created.Add(s.cfg.CredExpire)) {
		return refuse(rcCredentialExpired, "job credential expired: created %v ago, valid for %v", now.Sub(created).Truncate(time.Second), s.cfg.CredExpire)
	}
	return nil
}
