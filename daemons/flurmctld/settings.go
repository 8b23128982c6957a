package main

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/core/controller"
	"github.com/flurm/flurm/io/munge"
)

// defaultConfPath is where slurmctld looks without -f or SLURM_CONF.
const defaultConfPath = "/etc/slurm/slurm.conf"

// readConf parses slurm.conf and fails on what flurmctld cannot run with.
func readConf(path string) (*conf.Config, error) {
	c, err := conf.Parse(path, os.ReadFile)
	if err != nil {
		return nil, err
	}
	if c.ClusterName == "" {
		return nil, fmt.Errorf("%s: ClusterName is required", path)
	}
	if c.AuthType != "" && c.AuthType != "auth/munge" {
		return nil, fmt.Errorf("%s: AuthType=%s is not supported (only auth/munge)", path, c.AuthType)
	}
	return c, nil
}

// lookupUID resolves SlurmUser, by name or as a number.
func lookupUID(name string) (uint32, error) {
	if u, err := user.Lookup(name); err == nil {
		id, err := strconv.ParseUint(u.Uid, 10, 32)
		if err != nil {
			return 0, fmt.Errorf("SlurmUser %s: uid %q: %w", name, u.Uid, err)
		}
		return uint32(id), nil
	}
	id, err := strconv.ParseUint(name, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("SlurmUser %s: no such user", name)
	}
	return uint32(id), nil
}

// mungeAuth builds auth/munge from AuthInfo ("socket=PATH,ttl=SECONDS").
func mungeAuth(authInfo string) (*munge.SlurmAuth, error) {
	a := &munge.SlurmAuth{Client: munge.Client{Socket: munge.DefaultSocket}}
	if authInfo == "" {
		return a, nil
	}
	for _, opt := range strings.Split(authInfo, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(opt), "=")
		switch strings.ToLower(k) {
		case "socket":
			if v == "" {
				return nil, errors.New("AuthInfo: empty socket=")
			}
			a.Client.Socket = v
		case "ttl":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 || n > 86400 {
				return nil, fmt.Errorf("AuthInfo: bad ttl=%q", v)
			}
			a.TTL = time.Duration(n) * time.Second
		case "":
		default:
			// Slurm's other AuthInfo options (cred_expire, ...) concern
			// other plugins; ignore them as slurmctld's auth/munge does.
		}
	}
	return a, nil
}

// reconfigurable reports whether next can replace cur without a restart:
// the cluster (nodes, partitions, options) and the controller set must be
// unchanged, since the replicated state was built from them.
func reconfigurable(cur, next *conf.Config, slurmUID uint32) error {
	curCl, err := controller.ClusterFromConf(cur, slurmUID)
	if err != nil {
		return err
	}
	nextCl, err := controller.ClusterFromConf(next, slurmUID)
	if err != nil {
		return err
	}
	if !reflect.DeepEqual(curCl, nextCl) {
		return errors.New("nodes, partitions or cluster options changed: reconfiguring them is not supported yet; restart all controllers with the same slurm.conf")
	}
	if !reflect.DeepEqual(cur.ControlHosts, next.ControlHosts) || cur.ClusterName != next.ClusterName {
		return errors.New("SlurmctldHost or ClusterName changed: not supported without a restart")
	}
	return nil
}

// restartOnly lists settings that changed but only take effect at restart.
func restartOnly(cur, next *conf.Config) []string {
	var keys []string
	check := func(key string, changed bool) {
		if changed {
			keys = append(keys, key)
		}
	}
	check("SlurmctldPort", cur.SlurmctldPort != next.SlurmctldPort || cur.SlurmctldPortCount != next.SlurmctldPortCount)
	check("StateSaveLocation", cur.StateSaveLocation != next.StateSaveLocation)
	check("SlurmctldLogFile", cur.SlurmctldLogFile != next.SlurmctldLogFile)
	check("SlurmUser", cur.SlurmUser != next.SlurmUser)
	check("AuthInfo", cur.AuthInfo != next.AuthInfo)
	check("SlurmdTimeout", cur.SlurmdTimeout != next.SlurmdTimeout)
	check("MessageTimeout", cur.MessageTimeout != next.MessageTimeout)
	return keys
}
