package conf

import (
	"fmt"
	"strconv"
	"strings"
)

// finish runs once every file is read: it types the top-level keys, fills
// in derived defaults and resolves names that lines may use before they
// are defined.
func (p *parser) finish(mainFile string) error {
	cfg := p.cfg
	for _, rule := range scalarRules {
		v, ok := p.scalars[rule.key]
		if !ok {
			continue
		}
		warning, err := rule.apply(cfg, v.value)
		if err != nil {
			return v.errorf(rule.key, "%v", err)
		}
		if warning != "" {
			p.warnAt(v.location, rule.key, "%s", warning)
		}
	}
	if cfg.ClusterName == "" {
		v := p.scalars["ClusterName"]
		if v.file == "" {
			v.location = location{file: mainFile}
		}
		return v.errorf("ClusterName", "ClusterName needs to be specified")
	}
	p.finishCredentialsAndAccounting()
	if err := p.finishControlHosts(mainFile); err != nil {
		return err
	}
	for i := range cfg.Nodes {
		if cfg.Nodes[i].Port == 0 {
			cfg.Nodes[i].Port = cfg.SlurmdPort
		}
	}
	if err := p.resolveNodeSets(); err != nil {
		return err
	}
	if err := p.resolvePartitions(); err != nil {
		return err
	}
	return p.applyDownNodes()
}

func (p *parser) finishCredentialsAndAccounting() {
	cfg := p.cfg
	if v, ok := p.scalars["CredType"]; ok {
		cfg.CredType = v.value
	} else if v, ok := p.scalars["CryptoType"]; ok {
		// The legacy name of the same plugin family.
		cfg.CredType = strings.Replace(v.value, "crypto", "cred", 1)
	}
	if _, ok := p.scalars["AccountingStoragePort"]; !ok {
		switch cfg.AccountingStorageType {
		case "accounting_storage/slurmdbd":
			cfg.AccountingStoragePort = DefaultSlurmdbdPort
		case "accounting_storage/mysql":
			cfg.AccountingStoragePort = DefaultMySQLPort
		}
	}
	if cfg.AccountingStorageType == "accounting_storage/slurmdbd" {
		cfg.AccountingStorageUser = "N/A" // slurmdbd owns the database credentials
	}
}

// finishControlHosts follows Slurm's _load_slurmctld_host: SlurmctldHost
// lines win over the legacy ControlMachine/ControlAddr and
// BackupController/BackupAddr keys, which are then ignored with a warning.
// "localhost" is kept as written; the daemon resolves it.
func (p *parser) finishControlHosts(mainFile string) error {
	legacy := []string{"ControlMachine", "ControlAddr", "BackupController", "BackupAddr"}
	var hosts []ControlHost
	var locs []located
	if len(p.controlHosts) > 0 {
		for _, v := range p.controlHosts {
			host, err := parseControlHost(v.value)
			if err != nil {
				return v.errorf("SlurmctldHost", "%v", err)
			}
			hosts, locs = append(hosts, host), append(locs, v)
		}
		for _, k := range legacy {
			if v, ok := p.scalars[k]; ok {
				p.warnAt(v.location, k, "ignored since SlurmctldHost is set")
			}
		}
	} else {
		primary, ok := p.scalars["ControlMachine"]
		if !ok {
			return location{file: mainFile}.errorf("SlurmctldHost", "no SlurmctldHost defined")
		}
		addr, hasAddr := p.scalars["ControlAddr"]
		if !hasAddr && strings.Contains(primary.value, ",") {
			return primary.errorf("ControlMachine", "has several host names, so ControlAddr must be set")
		}
		hosts, locs = append(hosts, ControlHost{Name: primary.value, Addr: addr.value}), append(locs, primary)
		backup, hasBackup := p.scalars["BackupController"]
		backupAddr, hasBackupAddr := p.scalars["BackupAddr"]
		if hasBackupAddr && !hasBackup {
			return backupAddr.errorf("BackupAddr", "set without BackupController")
		}
		if hasBackup {
			hosts, locs = append(hosts, ControlHost{Name: backup.value, Addr: backupAddr.value}), append(locs, backup)
		}
	}
	for i := range hosts {
		if hosts[i].Addr == "" {
			hosts[i].Addr = hosts[i].Name
		}
		for j := 0; j < i; j++ {
			if hosts[j].Name == hosts[i].Name {
				return locs[i].errorf(locs[i].key, "duplicate controller %q", hosts[i].Name)
			}
		}
	}
	p.cfg.ControlHosts = hosts
	return nil
}

// parseControlHost splits "name" or "name(addr)".
func parseControlHost(value string) (ControlHost, error) {
	open, close := strings.IndexByte(value, '('), strings.IndexByte(value, ')')
	switch {
	case value == "":
		return ControlHost{}, fmt.Errorf("empty host name")
	case open < 0 && close < 0:
		return ControlHost{Name: value, Addr: value}, nil
	case open <= 0 || close < open || close != len(value)-1 || strings.Count(value, ")") > 1 || strings.Count(value, "(") > 1:
		return ControlHost{}, fmt.Errorf("bad value %q (use host or host(address))", value)
	}
	host := ControlHost{Name: value[:open], Addr: value[open+1 : close]}
	if host.Addr == "" {
		return ControlHost{}, fmt.Errorf("bad value %q: empty address", value)
	}
	return host, nil
}

// applySlurmctldPort reads "port" or "first-last".
func applySlurmctldPort(c *Config, value string) (string, error) {
	bad := fmt.Errorf("invalid port %q (use a port or a range such as 6817-6818)", value)
	first, last, isRange := strings.Cut(value, "-")
	lo, err := strconv.Atoi(first)
	if err != nil || lo < 1 || lo > 65535 {
		return "", bad
	}
	c.SlurmctldPort, c.SlurmctldPortCount = lo, 1
	if isRange {
		hi, err := strconv.Atoi(last)
		if err != nil || hi <= lo || hi > 65535 {
			return "", bad
		}
		c.SlurmctldPortCount = hi - lo + 1
	}
	return "", nil
}

// applySelectTypeParameters validates the list as Slurm's
// parse_select_type_param does: known words only, at most one resource
// type, and CR_ONE_TASK_PER_CORE not with CR_CPU*.
func applySelectTypeParameters(c *Config, value string) (string, error) {
	resourceTypes := map[string]bool{"cr_socket": true, "cr_socket_memory": true, "cr_core": true,
		"cr_core_memory": true, "cr_memory": true, "cr_cpu": true, "cr_cpu_memory": true}
	flags := map[string]bool{"other_cons_res": true, "other_cons_tres": true, "cr_allocate_full_socket": true,
		"cr_one_task_per_core": true, "cr_core_default_dist_block": true, "cr_lln": true, "cr_pack_nodes": true}
	items := splitList(value)
	resources, cpu, oneTask := 0, false, false
	for _, item := range items {
		lower := strings.ToLower(item)
		switch {
		case resourceTypes[lower]:
			resources++
			cpu = cpu || strings.HasPrefix(lower, "cr_cpu")
		case flags[lower]:
			oneTask = oneTask || lower == "cr_one_task_per_core"
		default:
			return "", fmt.Errorf("unknown parameter %q", item)
		}
	}
	if resources > 1 {
		return "", fmt.Errorf("%q names more than one resource type", value)
	}
	if cpu && oneTask {
		return "", fmt.Errorf("CR_ONE_TASK_PER_CORE is not compatible with CR_CPU*")
	}
	c.SelectTypeParameters = items
	return "", nil
}

// applyAccountingStorageEnforce validates the comma list and keeps the
// lower-cased words ("1" and "2" are Slurm's aliases of associations and
// limits).
func applyAccountingStorageEnforce(c *Config, value string) (string, error) {
	valid := map[string]string{"1": "associations", "associations": "associations", "2": "limits",
		"limits": "limits", "safe": "safe", "wckeys": "wckeys", "qos": "qos", "all": "all",
		"nojobs": "nojobs", "nosteps": "nosteps"}
	var words []string
	for _, item := range splitList(value) {
		w, ok := valid[strings.ToLower(item)]
		if !ok {
			return "", fmt.Errorf("invalid word %q (use associations, limits, nojobs, nosteps, qos, safe, wckeys or all)", item)
		}
		words = append(words, w)
	}
	c.AccountingStorageEnforce = words
	return "", nil
}
