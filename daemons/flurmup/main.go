package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

const defaultDir = ".flurm/cluster"

// exitNotRunning is status's exit code for a cluster that does not serve,
// as an LSB init script's status.
const exitNotRunning = 3

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		fmt.Fprintln(stderr, "usage: flurmup up|down|status [-dir .flurm/cluster] [-bin DIR]")
		return 2
	}
	cmd := args[0]
	fs := flag.NewFlagSet("flurmup "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", defaultDir, "cluster `directory`: key, slurm.conf, state, logs, pid files")
	bin := fs.String("bin", "", "`directory` holding flurmctld (default: flurmup's own)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "flurmup: unexpected arguments %q\n", fs.Args())
		return 2
	}
	c, err := newCluster(*dir, *bin)
	if err != nil {
		fmt.Fprintln(stderr, "flurmup:", err)
		return 1
	}
	ctx := context.Background()
	switch cmd {
	case "up":
		err = c.up(ctx, stdout)
	case "down":
		err = c.down(stdout)
	case "status":
		if !c.status(ctx, stdout) {
			return exitNotRunning
		}
	default:
		fmt.Fprintf(stderr, "flurmup: unknown command %q (up, down, status)\n", cmd)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "flurmup:", err)
		return 1
	}
	return 0
}

// binDir is where flurmctld is looked for when -bin is not given.
func binDir(flagValue string) (string, error) {
	if flagValue != "" {
		return filepath.Abs(flagValue)
	}
	exe, err := os.Executable()
	if err != nil {
		return "", errors.New("cannot find flurmup's own directory; pass -bin")
	}
	return filepath.Dir(exe), nil
}
