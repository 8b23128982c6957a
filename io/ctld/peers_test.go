package ctld

import (
	"testing"
)

func TestPeerAddrsAndSelfID(t *testing.T) {
	c := parseTestConf(t)
	addrs, err := PeerAddrs(c, RaftPortOffset)
	if err != nil {
		t.Fatal(err)
	}
	if len(addrs) != 3 || addrs[1] != "127.0.0.1:17817" || addrs[3] != "127.0.0.3:17817" {
		t.Fatalf("addrs %v", addrs)
	}
	if ids := ControllerIDs(c); len(ids) != 3 || ids[2] != 3 {
		t.Fatalf("ids %v", ids)
	}
	if id, err := SelfID(c, "ctl2.cluster.example"); err != nil || id != 2 {
		t.Fatalf("SelfID = %d, %v", id, err)
	}
	if _, err := SelfID(c, "login1"); err == nil {
		t.Fatal("unknown host matched")
	}
	c.ControlHosts = append(c.ControlHosts, c.ControlHosts[0])
	if _, err := SelfID(c, "ctl1"); err == nil {
		t.Fatal("ambiguous host matched")
	}
	if _, err := PeerAddrs(c, 60000); err == nil {
		t.Fatal("port out of range accepted")
	}
}
