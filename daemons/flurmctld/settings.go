package main

import (
	"errors"
	"reflect"

	"github.com/flurm/flurm/core/conf"
	"github.com/flurm/flurm/core/controller"
)

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
