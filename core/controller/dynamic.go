package controller

import (
	"fmt"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

// dynamicJoin handles a heartbeat from a node the state does not have (or
// has deleted). A daemon started as a dynamic node (flurmnd -Z) gets the
// node created; the registration follows with its next heartbeat, as for
// any node. Anything else is ignored, as before: a daemon of an unknown
// static node, or any daemon when MaxNodeCount is unset (Slurm needs it
// for dynamic nodes; flurmnd refuses to start -Z without it and says so,
// and Apply would reject the NodeCreate with that reason).
func (c *Controller) dynamicJoin(from msg.Addr, hb msg.Heartbeat, out []Effect) []Effect {
	d := hb.Dynamic
	if d == nil || c.sm.Options().MaxNodeCount <= 0 || !state.ValidNodeName(hb.Node) {
		return out
	}
	if n, ok := c.sm.NodeIndex(hb.Node); ok && c.sm.Nodes()[n].Incarnation == hb.Incarnation {
		return out // deleted while this daemon ran: only its next start registers it again
	}
	c.proposeDuty(fmt.Sprintf("create/%s/%d", hb.Node, hb.Incarnation), state.NodeCreate{
		Time: c.now.Unix(), Name: hb.Node, CPUs: d.CPUs, MemMB: d.MemMB,
		Addr: d.Addr, Hostname: d.Hostname, Port: d.Port,
	})
	return append(out, Send{To: from, Msg: msg.HeartbeatAck{Term: c.term, Leader: msg.ControllerAddr(c.cfg.ID)}})
}
