package slurmproto

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDeleteNodeRoundTrip checks REQUEST_DELETE_NODE's body is the update
// node layout: the same bytes as REQUEST_UPDATE_NODE for the same message,
// decoding back to what scontrol delete nodename=d[1-2] sends.
func TestDeleteNodeRoundTrip(t *testing.T) {
	req := &UpdateNodeRequest{NodeNames: S("d[1-2]")} // scontrol sends a zeroed update_node_msg_t
	enc, err := EncodeBody(RequestDeleteNode, req)
	if err != nil {
		t.Fatal(err)
	}
	asUpdate, err := EncodeBody(RequestUpdateNode, req)
	if err != nil || !bytes.Equal(enc, asUpdate) {
		t.Fatalf("delete body differs from the update body (err %v)", err)
	}
	got, err := DecodeBody(RequestDeleteNode, enc)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(req, got); diff != "" {
		t.Fatalf("round trip (-sent +decoded):\n%s", diff)
	}
	if _, err := DecodeBody(RequestDeleteNode, enc[:len(enc)-1]); err == nil {
		t.Error("truncated body accepted")
	}
}
