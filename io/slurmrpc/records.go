package slurmrpc

import (
	"strconv"
	"strings"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/core/hostlist"
	"github.com/flurm/flurm/io/slurmproto"
)

// Helpers shared by the job, node and partition records.

// optStr is a Slurm string that is NULL when empty, as slurmctld packs
// unset char pointers.
func optStr(s string) slurmproto.Str {
	if s == "" {
		return slurmproto.Str{}
	}
	return slurmproto.S(s)
}

// nodeSet is the names and the bitmap (over the node table order) of a set
// of node indexes.
func nodeSet(names []string, idx []int) (list slurmproto.Str, inx slurmproto.Bitmap) {
	if len(idx) == 0 {
		return slurmproto.Str{}, slurmproto.Bitmap{}
	}
	sel := make([]string, 0, len(idx))
	bits := make([]uint32, 0, len(idx))
	for _, i := range idx {
		if i < 0 || i >= len(names) {
			continue
		}
		sel = append(sel, names[i])
		bits = append(bits, uint32(i))
	}
	if len(sel) == 0 {
		return slurmproto.Str{}, slurmproto.Bitmap{}
	}
	b, err := slurmproto.NewBitmap(uint32(len(names)), bits...)
	if err != nil {
		b = slurmproto.Bitmap{}
	}
	return slurmproto.S(hostlist.Compress(sel)), b
}

// memString formats megabytes as Slurm's TRES strings do: the largest unit
// that divides the value exactly (convert_num_unit with CONVERT_NUM_UNIT_EXACT).
func memString(mb int64) string {
	units := "MGTPE"
	u := 0
	for mb != 0 && mb%1024 == 0 && u < len(units)-1 {
		mb /= 1024
		u++
	}
	return strconv.FormatInt(mb, 10) + units[u:u+1]
}

// tresString builds "cpu=N[,mem=XM][,node=N],billing=N"; billing is the
// CPU count (no TRESBillingWeights support).
func tresString(cpus int64, memMB int64, nodes int64, withNode bool) string {
	var b strings.Builder
	b.WriteString("cpu=")
	b.WriteString(strconv.FormatInt(cpus, 10))
	if memMB > 0 {
		b.WriteString(",mem=")
		b.WriteString(memString(memMB))
	}
	if withNode {
		b.WriteString(",node=")
		b.WriteString(strconv.FormatInt(nodes, 10))
	}
	b.WriteString(",billing=")
	b.WriteString(strconv.FormatInt(cpus, 10))
	return b.String()
}

// selectPluginID is the select plugin id packed in job and node records; the
// client loads the plugin it names, so it must be one Debian ships.
func selectPluginID(c *conf.Config) uint32 {
	if c != nil {
		switch strings.ToLower(c.SelectType) {
		case "select/cons_res":
			return slurmproto.SelectPluginConsRes
		case "select/linear":
			return slurmproto.SelectPluginLinear
		}
	}
	return slurmproto.SelectPluginConsTRES
}

// minutes converts a limit in seconds to Slurm's minutes, 0 meaning
// unlimited (INFINITE). Partial minutes round up so a limit never shrinks.
func minutes(sec int64) uint32 {
	if sec <= 0 {
		return slurmproto.Infinite
	}
	m := (sec + 59) / 60
	if m >= int64(slurmproto.NoVal) {
		return slurmproto.NoVal - 1
	}
	return uint32(m)
}

// confNodes indexes the slurm.conf node lines by name.
func confNodes(c *conf.Config) map[string]*conf.Node {
	if c == nil {
		return nil
	}
	m := make(map[string]*conf.Node, len(c.Nodes))
	for i := range c.Nodes {
		m[c.Nodes[i].Name] = &c.Nodes[i]
	}
	return m
}

func clusterName(c *conf.Config) string {
	if c == nil {
		return ""
	}
	return c.ClusterName
}
