// Package hostlist expands and compresses Slurm hostlist expressions such as
// "node[001-100,200]" or "n[1-2]-ib[0-3]".
//
// # Expansion
//
// Expand turns an expression into the ordered list of host names it denotes.
// An expression is a list of terms separated by commas, spaces or tabs; a
// separator inside brackets does not split a term. A term is literal text
// mixed with bracket groups. A bracket group holds a comma-separated list of
// numbers and ranges "lo-hi". Every term expands to the cartesian product of
// its groups, the leftmost group varying slowest: "n[1-2]-ib[0-1]" gives
// n1-ib0, n1-ib1, n2-ib0, n2-ib1, the order Slurm's recursive prefix
// expansion produces.
//
// The zero padding of a range is the number of digits written for its low
// bound, as in Slurm: "n[08-10]" gives n08, n09, n10 and "n[8-10]" gives n8,
// n9, n10.
//
// Slurm itself only accepts a bracket group at the very end of a term (and
// recursively in front of it), and refuses a single range of more than
// 65536 hosts; brackets elsewhere, such as "n[1-2]-ib", and larger ranges
// (up to MaxHosts) are accepted here as pure extensions. Everything Slurm accepts expands the
// same way here, except for its tolerance of malformed input, which is an
// error here: an unbalanced or nested bracket, an empty group or item, a
// non-numeric bound, a reversed range, whitespace inside brackets, and an
// expression that names no host at all.
//
// # Limits
//
// Expansion never allocates more than MaxHosts names, and expressions longer
// than MaxExprLen bytes are refused before any work is done. Count reports how
// many names an expression denotes without building them.
//
// # Compression
//
// Compress is the inverse of Expand. It keeps the order of its input and
// merges a name into the preceding range when the names share a prefix, the
// numbers are consecutive and the zero padding agrees, exactly as Slurm's
// hostlist_push does. Consecutive ranges with the same prefix share one
// bracket, so the output is what "scontrol show hostlist" prints:
// "n[1-3,5],gpu01". Because order is kept, Expand(Compress(x)) == x for every
// list of names that contain no separator or bracket characters, sorted or
// not.
//
// The package is pure: it performs no I/O and keeps no state.
package hostlist
