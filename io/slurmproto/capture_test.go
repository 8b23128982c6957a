package slurmproto

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/flurm/flurm/io/slurmproto/internal/pcapstream"
)

// captured is one Slurm RPC frame taken from a pcap in testdata/, or
// (ioStream set) the whole task I/O stream starting at its init message.
type captured struct {
	file     string
	index    int    // position within its file
	frame    []byte // bytes after the length prefix
	ioStream []byte
}

// slurmdbdPort carries persist-framed messages (no Slurm header) after the
// first; those streams are not this package's business.
const slurmdbdPort = 6819

// loadCaptures returns every length-prefixed Slurm RPC frame in the pcaps
// under testdata/. Streams that are not RPC (the srun task I/O stream, whose
// first frame has msg_type 0) are skipped, as shared/slurm-lab/slurmpcap.py
// does.
func loadCaptures(t testing.TB) []captured {
	rpcs, _ := loadCaptureStreams(t)
	return rpcs
}

// loadCaptureStreams returns the RPC frames and the task I/O streams.
func loadCaptureStreams(t testing.TB) (rpcs, ioStreams []captured) {
	t.Helper()
	files, err := filepath.Glob("testdata/*.pcap")
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures in testdata: %v", err)
	}
	sort.Strings(files)
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		streams, err := pcapstream.Read(raw)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		n := 0
		for _, s := range streams {
			if s.SrcPort == slurmdbdPort || s.DstPort == slurmdbdPort {
				continue
			}
			rest := s.Data
			for len(rest) > 0 {
				frame, more, err := SplitFrame(rest)
				if err != nil {
					t.Fatalf("%s stream %d: %v", file, s.Index, err)
				}
				if len(frame) >= 6 && frame[4] == 0 && frame[5] == 0 && frame[0] == 0x26 {
					// io_init_msg of the task I/O stream: not RPC.
					ioStreams = append(ioStreams, captured{file: filepath.Base(file), ioStream: rest})
					break
				}
				rpcs = append(rpcs, captured{file: filepath.Base(file), index: n, frame: frame})
				n++
				rest = more
			}
		}
	}
	return rpcs, ioStreams
}

// TestCapturesDecodeAndReencode decodes every RPC frame of the real Slurm
// 22.05.8 captures. The envelope must decode and re-frame byte-identically;
// every body whose type has a codec must decode with nothing left over and
// re-encode to the identical bytes.
func TestCapturesDecodeAndReencode(t *testing.T) {
	caps := loadCaptures(t)
	decoded := map[MsgType]int{}
	opaque := map[MsgType]int{}
	for _, c := range caps {
		env, err := DecodeEnvelope(c.frame)
		if err != nil {
			t.Errorf("%s #%d: envelope: %v", c.file, c.index, err)
			continue
		}
		refr, err := AppendFrame(nil, env.Header, env.Auth, env.Body)
		if err != nil {
			t.Errorf("%s #%d: reframe: %v", c.file, c.index, err)
			continue
		}
		if !bytes.Equal(refr[4:], c.frame) {
			t.Errorf("%s #%d %v: re-framed bytes differ", c.file, c.index, env.Header.MsgType)
		}
		if env.Auth.PluginID != AuthPluginMunge || !bytes.HasPrefix([]byte(env.Auth.Credential.String()), []byte("MUNGE:")) {
			t.Errorf("%s #%d: unexpected auth %d %.10q", c.file, c.index, env.Auth.PluginID, env.Auth.Credential.String())
		}
		typ := env.Header.MsgType
		body, err := DecodeBody(typ, env.Body)
		if errors.Is(err, ErrUnknownMessageType) {
			opaque[typ]++
			continue
		}
		if err != nil {
			t.Errorf("%s #%d %v: body: %v", c.file, c.index, typ, err)
			continue
		}
		again, err := EncodeBody(typ, body)
		if err != nil {
			t.Errorf("%s #%d %v: re-encode: %v", c.file, c.index, typ, err)
			continue
		}
		if !bytes.Equal(again, env.Body) {
			t.Errorf("%s #%d %v: re-encoded body differs (%d vs %d bytes)\n got %x\nwant %x",
				c.file, c.index, typ, len(again), len(env.Body), again, env.Body)
		}
		decoded[typ]++
	}
	// Everything the controller-facing client tools send or receive in the
	// captures must be covered.
	for _, typ := range []MsgType{
		RequestPing, ResponseSlurmRC, ResponseSlurmRCMsg, RequestSubmitBatchJob, ResponseSubmitBatchJob,
		RequestJobInfo, ResponseJobInfo, RequestJobInfoSingle, RequestPartitionInfo, ResponsePartitionInfo,
		RequestNodeInfo, ResponseNodeInfo, RequestKillJob, RequestStatsInfo, ResponseStatsInfo,
		RequestFedInfo, ResponseFedInfo, RequestResourceAllocation, ResponseResourceAllocation,
		RequestJobReady, ResponseJobReady, RequestJobStepCreate, ResponseJobStepCreate,
		RequestCompleteJobAllocation, ResponseLaunchTasks, MessageTaskExit, SrunJobComplete,
		RequestLaunchTasks, RequestStepComplete, RequestCompleteBatchScript, RequestBatchJobLaunch,
		RequestTerminateJob,
	} {
		if decoded[typ] == 0 {
			t.Errorf("no captured %v decoded", typ)
		}
	}
	if len(opaque) != 0 {
		t.Errorf("captured types without a body codec: %v", opaque)
	}
	t.Logf("decoded and re-encoded byte-identically: %v", decoded)
	t.Logf("framing only (no body codec): %v", opaque)
}
