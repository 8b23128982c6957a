// Package scenarios runs the readable scenario files in testdata/ against
// the simulator. Each file is a datadriven script: commands and their
// golden output. After changing behaviour on purpose, regenerate with
//
//	go test ./scenarios -rewrite
//
// and review the diff like code.
package scenarios

import (
	"path/filepath"
	"testing"
	"testing/cryptotest"

	"github.com/cockroachdb/datadriven"
	"github.com/flurm/flurm/sim"
)

func TestScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenario files: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			cryptotest.SetGlobalRandom(t, 1) // etcd raft's election jitter
			s := &sim.Script{}
			datadriven.RunTest(t, f, func(t *testing.T, d *datadriven.TestData) string {
				args := make([]sim.Arg, len(d.CmdArgs))
				for i, a := range d.CmdArgs {
					args[i] = sim.Arg{Key: a.Key, Vals: a.Vals}
				}
				out, err := s.Exec(d.Cmd, args, d.Input)
				if err != nil {
					if d.Expected != "" && d.Expected[0:min(6, len(d.Expected))] == "error:" {
						return "error: " + err.Error() + "\n"
					}
					t.Fatalf("%s: %s: %v", d.Pos, d.Cmd, err)
				}
				return out + "\n"
			})
		})
	}
}
