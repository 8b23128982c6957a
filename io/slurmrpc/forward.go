package slurmrpc

import (
	"encoding/binary"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/flurm/flurm/io/slurmproto"
)

// Forwarding to the leader. Slurm's clients try the SlurmctldHost entries
// in order and stop at the first that accepts a connection; a standby
// answer (ESLURM_IN_STANDBY_MODE) makes them sleep SlurmctldTimeout/2 and
// start again from the primary. With Raft any controller may lead, so a
// follower that answered "standby" would leave a client that reaches it
// first waiting a minute, or forever. Instead a follower that knows the
// leader relays the request's bytes to it unchanged and the reply's bytes
// back. It does not verify the credential itself: the leader does, and a
// MUNGE credential can be decoded only once.

// forwardTimeout bounds connecting to the leader.
const forwardTimeout = 2 * time.Second

// electionWait bounds how long a request waits for an election to end.
const electionWait = 5 * time.Second

// relayToLeader forwards a request this follower cannot serve. It reports
// false when the request is this controller's to answer: it leads, or no
// leader could be reached by the deadline or within electionWait (then
// dispatch answers ESLURM_IN_STANDBY_MODE). A leader that refuses the
// connection has probably just died: the follower waits for the next one
// rather than sending the client to sleep for SlurmctldTimeout/2.
func (s *Server) relayToLeader(client net.Conn, frame []byte, deadline time.Time) bool {
	until := time.Now().Add(electionWait)
	if deadline.Before(until) {
		until = deadline
	}
	for {
		addr, ok := s.leaderRPCAddr(until)
		if !ok {
			return false
		}
		if s.forward(client, frame, addr, deadline) {
			return true
		}
		if !time.Now().Add(electionPoll).Before(until) {
			return false
		}
		time.Sleep(electionPoll)
	}
}

// leaderRPCAddr decides where a request goes: this controller if it leads
// (ok false), or the leader's Slurm RPC address when this one follows a
// known leader (ok true). During an election it waits, until the deadline,
// for a leader to emerge.
func (s *Server) leaderRPCAddr(until time.Time) (addr string, ok bool) {
	for {
		self, known, blind := false, false, false
		s.Backend.Read(func(v View) {
			if v.Leader || v.Controller == nil || v.Conf == nil {
				self, blind = v.Leader, !v.Leader
				return
			}
			st := v.Controller.Status()
			lead := st.Lead
			if lead == 0 || lead == st.ID || lead > uint64(len(v.Conf.ControlHosts)) {
				return
			}
			h := v.Conf.ControlHosts[lead-1]
			host := h.Addr
			if host == "" {
				host = h.Name
			}
			addr, known = net.JoinHostPort(host, strconv.Itoa(v.Conf.SlurmctldPort)), true
		})
		if self || known || blind || !time.Now().Add(electionPoll).Before(until) {
			return addr, known
		}
		time.Sleep(electionPoll)
	}
}

const electionPoll = 50 * time.Millisecond

// forward relays one request frame to the leader and its reply back to
// the client. It reports false when the leader could not be reached, so
// the caller answers as a standby would.
func (s *Server) forward(client net.Conn, frame []byte, addr string, deadline time.Time) bool {
	d := net.Dialer{Timeout: forwardTimeout, Deadline: deadline}
	up, err := d.Dial("tcp", addr)
	if err != nil {
		s.Logger.Info("slurmrpc: leader unreachable for forwarding", "leader", addr, "err", err)
		return false
	}
	defer up.Close()
	_ = up.SetDeadline(deadline)
	if _, err := up.Write(prefixed(frame)); err != nil {
		return false
	}
	reply, err := slurmproto.ReadFrame(up, s.MaxFrameSize)
	if err != nil {
		if err != io.EOF {
			s.Logger.Info("slurmrpc: no reply from the leader", "leader", addr, "err", err)
		}
		return true // the leader may have acted: never answer "standby" now
	}
	if _, err := client.Write(prefixed(reply)); err != nil {
		s.Logger.Info("slurmrpc: forwarded reply not delivered", "err", err)
	}
	return true
}

// prefixed puts back the length prefix ReadFrame took off.
func prefixed(frame []byte) []byte {
	return append(binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(frame)), uint32(len(frame))), frame...)
}
