package taskd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/flurm/flurm/io/munge"
	"github.com/flurm/flurm/io/slurmproto"
)

// maxReplyFrame bounds a reply read from srun or a controller: both
// answer with RESPONSE_SLURM_RC(_MSG).
const maxReplyFrame = 64 << 10

// reply answers r the way slurmd does: RESPONSE_SLURM_RC_MSG for a
// launch (what slurm_send_rc_err_msg sends, with an optional text the
// client prints), RESPONSE_SLURM_RC otherwise. The credential is
// restricted to the requester unless it is root or SlurmUser
// (_resp_msg_setup).
func (s *Server) reply(r *request, rc uint32, text string) error {
	var msgType slurmproto.MsgType
	var body slurmproto.Body
	if r.header.MsgType == slurmproto.RequestLaunchTasks {
		m := &slurmproto.ReturnCodeMsg{ReturnCode: rc}
		if text != "" {
			m.ErrMsg = slurmproto.S(text)
		}
		msgType, body = slurmproto.ResponseSlurmRCMsg, m
	} else {
		msgType, body = slurmproto.ResponseSlurmRC, &slurmproto.ReturnCode{ReturnCode: rc}
	}
	raw, err := slurmproto.EncodeBody(msgType, body)
	if err != nil {
		return err
	}
	restrict := munge.Only(r.uid)
	if s.superUser(r.uid) {
		restrict = munge.Restriction{}
	}
	auth, err := s.auth.CredentialFor(r.ctx, msgType, raw, restrict)
	if err != nil {
		s.log.Warn("taskd: reply credential", "type", r.header.MsgType, "err", err)
		return err
	}
	h := slurmproto.ReplyHeader(r.header, msgType)
	if h.OrigAddr.Family == slurmproto.AFUnspec {
		// slurmd records the peer as the origin of a request that names
		// none and echoes it.
		if ap, err := netip.ParseAddrPort(r.peer.String()); err == nil {
			h.OrigAddr = slurmproto.AddrFromAddrPort(ap)
		}
	}
	out, err := slurmproto.AppendFrame(nil, h, auth, raw)
	if err != nil {
		return err
	}
	if _, err := r.conn.Write(out); err != nil {
		s.log.Info("taskd: reply not sent", "peer", r.peer, "type", r.header.MsgType, "err", err)
		return err
	}
	return nil
}

// errRC is a RESPONSE_SLURM_RC carrying a non-zero code.
type errRC struct{ rc uint32 }

func (e *errRC) Error() string { return fmt.Sprintf("return code %d", e.rc) }

// call sends one message to addr and waits for its RESPONSE_SLURM_RC. The
// outgoing credential may be restricted to one decoder (slurmstepd
// restricts messages to srun to srun's uid). The reply's own credential
// is verified as every Slurm client does; who made it is not checked.
func (s *Server) call(ctx context.Context, addr string, msgType slurmproto.MsgType, body slurmproto.Body, restrict munge.Restriction) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.MessageTimeout)
	defer cancel()
	raw, err := slurmproto.EncodeBody(msgType, body)
	if err != nil {
		return err
	}
	auth, err := s.auth.CredentialFor(ctx, msgType, raw, restrict)
	if err != nil {
		return fmt.Errorf("credential: %w", err)
	}
	out, err := slurmproto.AppendFrame(nil, slurmproto.Header{Version: slurmproto.ProtocolVersion, MsgType: msgType}, auth, raw)
	if err != nil {
		return err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	if _, err := c.Write(out); err != nil {
		return err
	}
	frame, err := slurmproto.ReadFrame(c, maxReplyFrame)
	if err != nil {
		return fmt.Errorf("reading reply: %w", err)
	}
	env, err := slurmproto.DecodeEnvelope(frame)
	if err != nil {
		return fmt.Errorf("reply: %w", err)
	}
	if _, err := s.auth.VerifyCredential(ctx, env); err != nil {
		return fmt.Errorf("reply authentication: %w", err)
	}
	rb, err := slurmproto.DecodeBody(env.Header.MsgType, env.Body)
	if err != nil {
		return fmt.Errorf("reply body: %w", err)
	}
	var rc uint32
	switch b := rb.(type) {
	case *slurmproto.ReturnCode:
		rc = b.ReturnCode
	case *slurmproto.ReturnCodeMsg:
		rc = b.ReturnCode
	default:
		return fmt.Errorf("unexpected reply %v", env.Header.MsgType)
	}
	if rc != slurmproto.RCSuccess {
		return &errRC{rc}
	}
	return nil
}

// callRetry is call with a few retries on transport errors, as
// slurmstepd's _send_srun_resp_msg does; a reply with an error code is
// final.
func (s *Server) callRetry(ctx context.Context, addr string, msgType slurmproto.MsgType, body slurmproto.Body, restrict munge.Restriction) error {
	var err error
	delay := 100 * time.Millisecond
	for attempt := 0; attempt < 4; attempt++ {
		if attempt > 0 {
			select {
			case <-time.After(delay):
			case <-ctx.Done():
				return errors.Join(err, ctx.Err())
			}
			delay *= 3
		}
		err = s.call(ctx, addr, msgType, body, restrict)
		var rcErr *errRC
		if err == nil || errors.As(err, &rcErr) {
			return err
		}
	}
	return err
}

// sendStepComplete tells a controller that this node's part of a step
// ended: each SlurmctldHost in order until one accepts; all of them again
// with growing pauses until CompleteRetry has passed. A controller in
// standby (or that cannot be reached) sends us to the next one; any other
// answer is final (e.g. the job is already gone).
func (s *Server) sendStepComplete(msg *slurmproto.StepCompleteRequest) error {
	if len(s.cfg.Controllers) == 0 {
		return errors.New("no controller configured")
	}
	// Not tied to s.ctx: a server closing still reports the steps it
	// killed, within the bound.
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.CompleteRetry)
	defer cancel()
	delay := 500 * time.Millisecond
	var errs []error
	for {
		errs = errs[:0]
		for _, addr := range s.cfg.Controllers {
			err := s.call(ctx, addr, slurmproto.RequestStepComplete, msg, munge.Restriction{})
			if err == nil {
				return nil
			}
			var rcErr *errRC
			if errors.As(err, &rcErr) && rcErr.rc != slurmproto.RCInStandbyMode && rcErr.rc != slurmproto.RCInStandbyUseBackup {
				return fmt.Errorf("controller %s: %w", addr, err)
			}
			errs = append(errs, fmt.Errorf("%s: %w", addr, err))
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return errors.Join(append(errs, ctx.Err())...)
		}
		delay = min(2*delay, 10*time.Second)
	}
}
