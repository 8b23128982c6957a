// Package pcapstream reads classic libpcap files (Ethernet, Linux cooked
// v1/v2, raw IPv4 or BSD loopback link types) and reassembles the TCP
// payload of each connection direction, in order of first appearance. It
// exists so slurmproto's tests can replay real Slurm captures without
// libpcap; it trusts its input only as far as it must not panic.
//
// Limits: IPv4 only, no IP fragments, at most MaxStreamBytes per
// direction. Out-of-order segments are held until the gap is filled;
// retransmitted bytes are dropped.
package pcapstream
