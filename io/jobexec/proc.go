package jobexec

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// procStat is the part of /proc/<pid>/stat that jobexec needs.
type procStat struct {
	State     byte
	Pgrp      int
	Session   int
	StartTime uint64 // clock ticks since boot
	RSSPages  int64
}

func readProcStat(pid int) (procStat, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	return parseProcStat(data)
}

// parseProcStat parses the stat line. The command name (field 2) may contain
// spaces and parentheses, so fields are counted from the last ')'.
func parseProcStat(data []byte) (procStat, error) {
	end := bytes.LastIndexByte(data, ')')
	if end < 0 || end+2 > len(data) {
		return procStat{}, errors.New("jobexec: malformed /proc stat line")
	}
	fields := bytes.Fields(data[end+2:])
	// fields[0] is field 3 (state); field n is fields[n-3].
	if len(fields) < 22 {
		return procStat{}, errors.New("jobexec: short /proc stat line")
	}
	var ps procStat
	var err error
	ps.State = fields[0][0]
	if ps.Pgrp, err = strconv.Atoi(string(fields[5-3])); err != nil {
		return procStat{}, fmt.Errorf("jobexec: /proc stat pgrp: %w", err)
	}
	if ps.Session, err = strconv.Atoi(string(fields[6-3])); err != nil {
		return procStat{}, fmt.Errorf("jobexec: /proc stat session: %w", err)
	}
	if ps.StartTime, err = strconv.ParseUint(string(fields[22-3]), 10, 64); err != nil {
		return procStat{}, fmt.Errorf("jobexec: /proc stat starttime: %w", err)
	}
	if ps.RSSPages, err = strconv.ParseInt(string(fields[24-3]), 10, 64); err != nil {
		return procStat{}, fmt.Errorf("jobexec: /proc stat rss: %w", err)
	}
	return ps, nil
}

// supervisorAlive reports whether the process recorded in id still runs. A
// zombie counts as gone: it can no longer write a status file. A different
// start time means the pid was reused.
func supervisorAlive(id supervisorID) bool {
	if id.BootID != bootID() {
		return false // the machine rebooted since: nothing of it runs
	}
	ps, err := readProcStat(id.Pid)
	if err != nil {
		return false
	}
	return ps.StartTime == id.StartTime && ps.State != 'Z' && ps.State != 'X'
}

// bootID identifies the current boot of the machine.
func bootID() string {
	data, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if id := string(bytes.TrimSpace(data)); err == nil && id != "" && !strings.ContainsAny(id, " \t\n") {
		return id
	}
	return "unknown-boot"
}

// processGroupStillOurs reports whether the process group recorded in info
// can still be the attempt's: same boot, and pid Pgid is either gone (only
// the group's remaining members can then carry that id) or still the
// original leader. It guards killing jobs of records whose supervisor is
// lost, which may be read long after the fact.
func processGroupStillOurs(info launchInfo) bool {
	if info.BootID == "" || info.BootID != bootID() || info.Pgid <= 1 {
		return false
	}
	ps, err := readProcStat(info.Pgid)
	return err != nil || ps.StartTime == info.LeaderStart
}

// sessionMembers lists live processes of session sid and their total RSS in
// bytes. Scanning /proc is how processes that left the job's process group
// (setpgid) are still found when there is no cgroup.
func sessionMembers(sid int) (pids []int, rssBytes int64) {
	if sid <= 1 {
		return nil, 0
	}
	d, err := os.Open("/proc")
	if err != nil {
		return nil, 0
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	page := int64(os.Getpagesize())
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		ps, err := readProcStat(pid)
		if err != nil || ps.Session != sid || ps.State == 'Z' {
			continue
		}
		pids = append(pids, pid)
		rssBytes += ps.RSSPages * page
	}
	return pids, rssBytes
}

// signalTree delivers sig to the job's process group, to every process of its
// session, and to every process of its cgroup. ESRCH is not an error: the
// tree may already be gone.
func signalTree(pgid int, cgroupDir string, sig syscall.Signal) error {
	if pgid <= 1 {
		return fmt.Errorf("jobexec: refusing to signal process group %d", pgid)
	}
	var firstErr error
	note := func(err error) {
		if err != nil && !errors.Is(err, syscall.ESRCH) && firstErr == nil {
			firstErr = err
		}
	}
	note(syscall.Kill(-pgid, sig))
	if cgroupDir != "" {
		pids, err := cgroupProcs(cgroupDir)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			note(err)
		}
		for _, pid := range pids {
			note(syscall.Kill(pid, sig))
		}
	} else {
		pids, _ := sessionMembers(pgid)
		for _, pid := range pids {
			note(syscall.Kill(pid, sig))
		}
	}
	return firstErr
}

// findSupervisor looks through /proc for the supervisor of the attempt
// in dir, by its command line (supervisorArgv0, stepdMarker, dir). It is
// how Recover finds a supervisor whose identity was never recorded: the
// Manager writes it just after starting the supervisor, so a flurmnd
// killed in between leaves a live supervisor without a record, which
// must be adopted, not reported lost and killed.
func findSupervisor(dir string) (supervisorID, bool) {
	want := []byte(supervisorArgv0 + "\x00" + stepdMarker + "\x00" + dir + "\x00")
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return supervisorID{}, false
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 1 {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !bytes.Equal(cmdline, want) {
			continue
		}
		ps, err := readProcStat(pid)
		if err != nil || ps.State == 'Z' || ps.State == 'X' {
			continue
		}
		return supervisorID{Pid: pid, StartTime: ps.StartTime, BootID: bootID()}, true
	}
	return supervisorID{}, false
}
