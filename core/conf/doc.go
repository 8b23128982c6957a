// Package conf parses a Slurm 22.05 slurm.conf into typed values.
//
// # Contract
//
// Parse(path, readFile) reads path, and every file it includes, through
// readFile; the package itself performs no I/O, so a daemon passes
// os.ReadFile and a test passes a map. ParseBytes does the same for
// contents already in memory. On success the result is a *Config whose
// typed fields hold either the configured value or Slurm's default. On
// failure the result is nil and the error is a *ParseError whose Error()
// reads "file:line: key: message". Parsing is deterministic: the same
// input always gives the same Config, Warnings and error.
//
// Nothing is dropped silently. Every key=value read is kept, in file
// order, in Config.Raw (Config.Lookup returns the last value of a
// top-level key). Keys that slurm.conf does not define are listed in
// Config.Unknown and otherwise ignored. Problems that Slurm corrects with a
// logged error, such as CPUs matching no socket layout or a key given
// twice, are corrected the same way and listed in Config.Warnings.
//
// # Syntax
//
// The lexical rules are those of Slurm's parse_config.c:
//
//   - '#' starts a comment unless preceded by an odd number of
//     backslashes; "\#" is a literal '#'.
//   - A line ending in an odd number of backslashes (trailing whitespace
//     allowed) continues on the next line; the text is joined where the
//     backslash was. Errors name the first line of a continued line.
//   - After joining, each backslash escapes the next character, so a
//     literal backslash is written "\\".
//   - Keys are case-insensitive; node and partition names are not.
//   - A value is a run of non-blank characters or a double-quoted string,
//     which may hold blanks but not quotes.
//   - "Include file" at the start of a line reads another file in place.
//     A relative name is resolved against the directory of the including
//     file, "%c" is replaced by the lower-cased ClusterName set so far, and
//     glob patterns are refused (Slurm 22.05 does not expand them either).
//     Cycles and nesting deeper than MaxIncludeDepth are errors.
//
// Only NodeName, PartitionName, NodeSet, DownNodes and SlurmctldHost lines
// take several pairs; any other line must hold exactly one key=value.
// Operator assignments such as "Key+=value" are refused.
//
// On multi-pair lines two deliberate deviations make blank values
// explicit: "Key=" at the end of the line and "Key= Other=..." give Key an
// empty value (as in "PartitionName=p Nodes= "), where Slurm fails or takes
// the next pair as the value. A single-pair line with a blank value is an
// error, as in Slurm; write Key="" for an empty value. Numbers follow C's strtoul with base
// 0 as Slurm does, so "010" is octal 8 and "0x10" is 16; 32 and 64 bit
// fields accept a "k" suffix (times 1024); UNLIMITED and INFINITE give the
// Infinite16/32/64 markers.
//
// # Nodes and partitions
//
// A NodeName line is expanded with package hostlist; NodeHostname,
// NodeAddr, BcastAddr and Port expand in parallel and must give one entry
// for all nodes or one per node. NodeName=DEFAULT values apply to the
// lines that follow and accumulate. When CPUs, Sockets or Boards are
// missing they are derived as slurmctld does (see cpuLayout.resolve).
// A Port list such as "17001-17016" is read as if bracketed. Nodes
// without a Port use SlurmdPort, wherever that key appears.
//
// Partition Nodes lists, NodeSets and DownNodes are resolved after every
// file is read: "ALL" means every node, a NodeSet name stands for its
// nodes, and every other name must be a defined node. Resolved lists are
// in node definition order without duplicates. DownNodes lines set the
// State and Reason of their nodes.
//
// Time limits (MaxTime, DefaultTime, PriorityMaxAge) accept "mm", "mm:ss",
// "hh:mm:ss", "days-hh", "days-hh:mm", "days-hh:mm:ss", and UNLIMITED,
// INFINITE or -1 (Unlimited); like Slurm they are rounded up to whole
// minutes. An unset DefaultTime is NoValue.
//
// # Limits
//
// Files, bytes, lines, pairs, nodes, partitions, nodesets, warnings and the
// total number of host names produced by expansions are bounded by the
// Max* constants, so hostile input fails fast with a ParseError.
package conf
