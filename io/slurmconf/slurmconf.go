// Package slurmconf loads what FLURM's daemons share from slurm.conf:
// the parsed file with the checks every daemon needs, SlurmUser's uid and
// the auth/munge settings of AuthInfo.
package slurmconf

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/io/munge"
)

// DefaultPath is where Slurm's daemons look without -f or SLURM_CONF.
const DefaultPath = "/etc/slurm/slurm.conf"

// Path is the slurm.conf a daemon reads: its -f flag, else $SLURM_CONF,
// else DefaultPath.
func Path(flag string) string {
	if flag != "" {
		return flag
	}
	if env := os.Getenv("SLURM_CONF"); env != "" {
		return env
	}
	return DefaultPath
}

// Load parses slurm.conf and fails on what FLURM's daemons cannot run with.
func Load(path string) (*conf.Config, error) {
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

// SlurmUID resolves SlurmUser, by name or as a number.
func SlurmUID(name string) (uint32, error) {
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

// MungeAuth builds auth/munge from AuthInfo ("socket=PATH,ttl=SECONDS").
func MungeAuth(authInfo string) (*munge.SlurmAuth, error) {
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
