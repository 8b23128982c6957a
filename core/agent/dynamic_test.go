package agent

import (
	"testing"
	"time"

	"github.com/flurm/flurm/core/msg"
)

// TestDynamicHeartbeat: a dynamic node's agent sends its node description
// with every heartbeat, a copy of its configuration; a static node's sends
// none.
func TestDynamicHeartbeat(t *testing.T) {
	d := &msg.DynamicNode{CPUs: 8, MemMB: 2000, Addr: "10.0.0.7", Hostname: "h7", Port: 6818}
	a := New(Config{Name: "d1", CPUs: 4, MemMB: 1000, Controllers: []msg.Addr{"ctl/1", "ctl/2"},
		Incarnation: 7, HeartbeatInterval: 5 * time.Second, KillWait: 10 * time.Second, Dynamic: d})
	var hbs []msg.Heartbeat
	for _, e := range a.Handle(t0.Add(time.Minute), Tick{}) {
		if s, ok := e.(Send); ok {
			if hb, ok := s.Msg.(msg.Heartbeat); ok {
				hbs = append(hbs, hb)
			}
		}
	}
	if len(hbs) != 2 {
		t.Fatalf("%d heartbeats", len(hbs))
	}
	for _, hb := range hbs {
		if hb.Dynamic == nil || *hb.Dynamic != *d || hb.Dynamic == d {
			t.Fatalf("heartbeat's dynamic node %+v (shared: %v)", hb.Dynamic, hb.Dynamic == d)
		}
	}
	for _, e := range newTestAgent().Handle(t0.Add(time.Minute), Tick{}) {
		if s, ok := e.(Send); ok {
			if hb, ok := s.Msg.(msg.Heartbeat); ok && hb.Dynamic != nil {
				t.Error("a static node's heartbeat describes a dynamic node")
			}
		}
	}
}
