package conf

import (
	"fmt"
	"strings"
	"time"
)

// Defaults of Slurm 22.05 (src/common/read_config.h and read_config.c) for
// the typed cluster fields.
const (
	DefaultSlurmctldPort    = 6817
	DefaultSlurmdPort       = 6818
	DefaultSlurmdbdPort     = 6819
	DefaultMySQLPort        = 3306
	DefaultMessageTimeout   = 10 * time.Second
	DefaultSlurmctldTimeout = 120 * time.Second
	DefaultSlurmdTimeout    = 300 * time.Second
	DefaultKillWait         = 30 * time.Second
	DefaultMinJobAge        = 300 * time.Second
	DefaultPriorityMaxAge   = 7 * 24 * time.Hour
	DefaultMaxJobCount      = 10000
	DefaultMaxArraySize     = 1001
	DefaultFirstJobID       = 1
	DefaultMaxJobID         = 0x03ff0000
)

// newConfig returns a Config holding Slurm's defaults.
func newConfig() *Config {
	return &Config{
		SlurmctldPort:         DefaultSlurmctldPort,
		SlurmctldPortCount:    1,
		SlurmdPort:            DefaultSlurmdPort,
		SlurmUser:             "root",
		SlurmdUser:            "root",
		StateSaveLocation:     "/var/spool",
		SlurmdSpoolDir:        "/var/spool/slurmd",
		AuthType:              "auth/munge",
		CredType:              "cred/munge",
		SchedulerType:         "sched/backfill",
		SelectType:            "select/linear",
		ProctrackType:         "proctrack/cgroup",
		TaskPlugin:            []string{"task/none"},
		MessageTimeout:        DefaultMessageTimeout,
		SlurmctldTimeout:      DefaultSlurmctldTimeout,
		SlurmdTimeout:         DefaultSlurmdTimeout,
		KillWait:              DefaultKillWait,
		MinJobAge:             DefaultMinJobAge,
		MaxJobCount:           DefaultMaxJobCount,
		FirstJobID:            DefaultFirstJobID,
		MaxJobID:              DefaultMaxJobID,
		MaxArraySize:          DefaultMaxArraySize,
		JobRequeue:            true,
		PriorityType:          "priority/basic",
		PriorityMaxAge:        DefaultPriorityMaxAge,
		AccountingStorageType: "accounting_storage/none",
		AccountingStorageHost: "localhost",
		AccountingStorageUser: "root",
	}
}

// scalarRule types one top-level key. apply sees the raw value and returns
// a message for Config.Warnings when Slurm would log and correct.
type scalarRule struct {
	key   string
	apply func(c *Config, value string) (warning string, err error)
}

func setString(dst func(*Config) *string) func(*Config, string) (string, error) {
	return func(c *Config, v string) (string, error) { *dst(c) = v; return "", nil }
}

func setList(dst func(*Config) *[]string) func(*Config, string) (string, error) {
	return func(c *Config, v string) (string, error) { *dst(c) = splitList(v); return "", nil }
}

func setSeconds(dst func(*Config) *time.Duration) func(*Config, string) (string, error) {
	return func(c *Config, v string) (string, error) {
		n, err := parseUint(v, 16)
		*dst(c) = time.Duration(n) * time.Second
		return "", err
	}
}

func setWeight(dst func(*Config) *uint32) func(*Config, string) (string, error) {
	return func(c *Config, v string) (string, error) {
		n, err := parseUint(v, 32)
		*dst(c) = uint32(n)
		return "", err
	}
}

// scalarRules lists the typed top-level keys. Keys read from others (the
// controller and accounting keys) are handled in finishCluster.
var scalarRules = []scalarRule{
	{"ClusterName", func(c *Config, v string) (string, error) { c.ClusterName = strings.ToLower(v); return "", nil }},
	{"SlurmctldPort", applySlurmctldPort},
	{"SlurmdPort", func(c *Config, v string) (string, error) {
		n, err := parseUint(v, 32)
		if err == nil && (n == 0 || n > 65535) {
			err = fmt.Errorf("port %d out of range 1-65535", n)
		}
		c.SlurmdPort = int(n)
		return "", err
	}},
	{"SlurmUser", setString(func(c *Config) *string { return &c.SlurmUser })},
	{"SlurmdUser", setString(func(c *Config) *string { return &c.SlurmdUser })},
	{"StateSaveLocation", setString(func(c *Config) *string { return &c.StateSaveLocation })},
	{"SlurmdSpoolDir", setString(func(c *Config) *string { return &c.SlurmdSpoolDir })},
	{"SlurmctldLogFile", setString(func(c *Config) *string { return &c.SlurmctldLogFile })},
	{"SlurmdLogFile", setString(func(c *Config) *string { return &c.SlurmdLogFile })},
	{"AuthType", setString(func(c *Config) *string { return &c.AuthType })},
	{"AuthInfo", setString(func(c *Config) *string { return &c.AuthInfo })},
	{"SchedulerType", setString(func(c *Config) *string { return &c.SchedulerType })},
	{"SchedulerParameters", setList(func(c *Config) *[]string { return &c.SchedulerParameters })},
	{"SelectType", setString(func(c *Config) *string { return &c.SelectType })},
	{"SelectTypeParameters", applySelectTypeParameters},
	{"ProctrackType", setString(func(c *Config) *string { return &c.ProctrackType })},
	{"TaskPlugin", setList(func(c *Config) *[]string { return &c.TaskPlugin })},
	{"MessageTimeout", func(c *Config, v string) (string, error) {
		_, err := setSeconds(func(c *Config) *time.Duration { return &c.MessageTimeout })(c, v)
		if err == nil && c.MessageTimeout > 100*time.Second {
			return "MessageTimeout is too high for effective fault-tolerance", nil
		}
		return "", err
	}},
	{"SlurmctldTimeout", setSeconds(func(c *Config) *time.Duration { return &c.SlurmctldTimeout })},
	{"SlurmdTimeout", setSeconds(func(c *Config) *time.Duration { return &c.SlurmdTimeout })},
	{"KillWait", setSeconds(func(c *Config) *time.Duration { return &c.KillWait })},
	{"InactiveLimit", setSeconds(func(c *Config) *time.Duration { return &c.InactiveLimit })},
	{"MinJobAge", func(c *Config, v string) (string, error) {
		n, err := parseUint(v, 32)
		if err == nil && n < 2 {
			c.MinJobAge = 2 * time.Second
			return "MinJobAge must be at least 2, set to 2", nil
		}
		c.MinJobAge = time.Duration(n) * time.Second
		return "", err
	}},
	{"ReturnToService", func(c *Config, v string) (string, error) {
		n, err := parseUint(v, 16)
		c.ReturnToService = int(n)
		return "", err
	}},
	{"MaxJobCount", func(c *Config, v string) (string, error) {
		n, err := parseUint(v, 32)
		if err == nil && n < 1 {
			err = fmt.Errorf("MaxJobCount=0 permits no jobs")
		}
		c.MaxJobCount = int(n)
		return "", err
	}},
	{"FirstJobId", func(c *Config, v string) (string, error) {
		n, err := parseUint(v, 32)
		if err == nil && n == 0 {
			err = fmt.Errorf("FirstJobId cannot be zero")
		}
		c.FirstJobID = uint32(n)
		return "", err
	}},
	{"MaxJobId", func(c *Config, v string) (string, error) {
		n, err := parseUint(v, 32)
		c.MaxJobID = uint32(n)
		return "", err
	}},
	{"MaxArraySize", func(c *Config, v string) (string, error) {
		n, err := parseUint(v, 32)
		c.MaxArraySize = int(n)
		if err == nil && n > 4000001 {
			return fmt.Sprintf("MaxArraySize value (%d) is greater than 4000001", n), nil
		}
		return "", err
	}},
	{"JobRequeue", func(c *Config, v string) (string, error) {
		n, err := parseUint(v, 16)
		c.JobRequeue = n != 0 // Slurm treats every value above 1 as 1
		return "", err
	}},
	{"PriorityType", setString(func(c *Config) *string { return &c.PriorityType })},
	{"PriorityWeightAge", setWeight(func(c *Config) *uint32 { return &c.PriorityWeightAge })},
	{"PriorityWeightFairshare", setWeight(func(c *Config) *uint32 { return &c.PriorityWeightFairshare })},
	{"PriorityWeightJobSize", setWeight(func(c *Config) *uint32 { return &c.PriorityWeightJobSize })},
	{"PriorityWeightPartition", setWeight(func(c *Config) *uint32 { return &c.PriorityWeightPartition })},
	{"PriorityWeightQOS", setWeight(func(c *Config) *uint32 { return &c.PriorityWeightQOS })},
	{"PriorityWeightTRES", setString(func(c *Config) *string { return &c.PriorityWeightTRES })},
	{"PriorityMaxAge", func(c *Config, v string) (string, error) {
		d, err := parseMinutes(v)
		c.PriorityMaxAge = d
		return "", err
	}},
	{"AccountingStorageType", func(c *Config, v string) (string, error) {
		if strings.Contains(strings.ToLower(v), "mysql") {
			return "", fmt.Errorf("accounting_storage/mysql is only permitted in slurmdbd.conf")
		}
		c.AccountingStorageType = v
		return "", nil
	}},
	{"AccountingStorageHost", setString(func(c *Config) *string { return &c.AccountingStorageHost })},
	{"AccountingStorageUser", setString(func(c *Config) *string { return &c.AccountingStorageUser })},
	{"AccountingStoragePort", func(c *Config, v string) (string, error) {
		n, err := parseUint(v, 16)
		c.AccountingStoragePort = int(n)
		return "", err
	}},
	{"AccountingStorageEnforce", applyAccountingStorageEnforce},
}
