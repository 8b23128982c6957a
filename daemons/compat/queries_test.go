package compat

import (
	"fmt"
	"regexp"
	"time"
)

// squeueHeader is squeue's default header line.
const squeueHeader = "             JOBID PARTITION     NAME     USER ST       TIME  NODES NODELIST(REASON)"

// notAvail is the pending reason of a job in debug while no node has
// registered; notAvailLong that of a job in long.
const (
	notAvail     = `\(ReqNodeNotAvail, UnavailableNodes:n\[1-4\]\)`
	notAvailLong = `\(ReqNodeNotAvail, UnavailableNodes:n\[3-4\]\)`
)

func squeueCases() []clientCase {
	row := func(id, part, name, user, nodes, why string) string {
		return fmt.Sprintf(`^ +%s +%s +%s +%s PD +0:00 +%s %s$`, id, part, name, user, nodes, why)
	}
	return []clientCase{
		{name: "default", args: cmd("squeue"), match: []string{
			`^` + regexp.QuoteMeta(squeueHeader) + `$`,
			row("1", "debug", "scriptjo", "root", "1", notAvail),
			row("2", "debug", "wrap", "root", "1", notAvail),
			row("3", "long", "named", "root", "2", notAvailLong),
			row("4", "debug", "held", "root", "1", `\(JobHeldUser\)`),
			row("5", "debug", "later", "root", "1", notAvail),
			row("6", "debug", "exp", "root", "1", notAvail),
			row("7", "debug", "victim", "root", "1", notAvail),
			row("8", "debug", "nobodyjo", "nobody", "1", notAvail),
		}, eventually: 3 * time.Second}, // the reasons appear with the first scheduling pass after the submits
		{name: "one-job", args: cmd("squeue -j 4"), want: lines(squeueHeader,
			"                 4     debug     held     root PD       0:00      1 (JobHeldUser)")},
		{name: "two-jobs-noheader", args: cmd("squeue -h -j 4,5 -o %i|%j|%T|%r"), want: lines("5|later|PENDING|ReqNodeNotAvail, UnavailableNodes:n[1-4]", "4|held|PENDING|JobHeldUser")},
		{name: "unknown-job", args: cmd("squeue -j 99"), rc: 1, want: lines("slurm_load_jobs error: Invalid job id specified")},
		{name: "by-user", args: cmd("squeue -h -u nobody -o %i|%u|%j"), want: lines("8|nobody|nobodyjob")},
		{name: "by-partition", args: cmd("squeue -h -p long -o %i|%P|%D|%C|%l|%m"), want: lines("3|long|2|8|1:00:00|100M")},
		{name: "by-state-pending", args: cmd("squeue -h -t PD -o %i -S i"), want: lines("1", "2", "3", "4", "5", "6", "7", "8")},
		{name: "by-state-running", args: cmd("squeue -t R"), want: lines(squeueHeader)},
		{name: "long", args: cmd("squeue -l -j 1"), match: []string{
			`^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$`,
			`^             JOBID PARTITION     NAME     USER    STATE       TIME TIME_LIMI  NODES NODELIST\(REASON\)$`,
			`^                 1     debug scriptjo     root  PENDING       0:00     10:00      1 ` + notAvail + `$`,
		}},
		{name: "start", args: cmd("squeue --start -j 5"), want: lines(
			"             JOBID PARTITION     NAME     USER ST          START_TIME  NODES SCHEDNODES           NODELIST(REASON)",
			"                 5     debug    later     root PD 2030-01-01T00:00:00      1 (null)               (ReqNodeNotAvail, UnavailableNodes:n[1-4])")},
		{name: "format", args: []string{"squeue", "-h", "-j", "3", "-o", "%i|%j|%u|%t|%P|%D|%C|%l|%Q|%m|%y|%k|%Z"},
			want: lines("3|named|root|PD|long|2|8|1:00:00|4294901747|100M|10|hello|/tmp")},
		{name: "format-O", args: cmd("squeue -h -j 6 -O JobID:6,Name:6,State:10,Partition:8,NumNodes:4,NumCPUs:4,TimeLimit:10,MinMemory:8"),
			want: lines("6     exp   PENDING   debug   1   2   1:00:00   10M     ")},
		{name: "sorted-by-id-desc", args: cmd("squeue -h -S -i -o %i -u root"), want: lines("7", "6", "5", "4", "3", "2", "1")},
	}
}

func sinfoCases() []clientCase {
	return []clientCase{
		{name: "default", args: cmd("sinfo"), want: lines(
			"PARTITION AVAIL  TIMELIMIT  NODES  STATE NODELIST",
			"debug*       up    1:00:00      4   unk* n[1-4]",
			"long         up 1-00:00:00      2   unk* n[3-4]")},
		{name: "nodes", args: cmd("sinfo -N"), anyOrder: true, want: lines(
			"NODELIST   NODES PARTITION STATE ",
			"n1             1    debug* unk*  ",
			"n2             1    debug* unk*  ",
			"n3             1    debug* unk*  ",
			"n3             1      long unk*  ",
			"n4             1    debug* unk*  ",
			"n4             1      long unk*  ")},
		{name: "long", args: cmd("sinfo -l"), match: []string{
			`^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$`,
			`^PARTITION AVAIL  TIMELIMIT   JOB_SIZE ROOT OVERSUBS     GROUPS  NODES       STATE NODELIST$`,
			`^debug\*       up    1:00:00 1-infinite   no       NO        all      4    unknown\* n\[1-4\]$`,
			`^long         up 1-00:00:00 1-infinite   no       NO        all      2    unknown\* n\[3-4\]$`,
		}},
		{name: "nodes-long", args: cmd("sinfo -N -l -n n1"), match: []string{
			`^NODELIST   NODES PARTITION       STATE CPUS    S:C:T MEMORY TMP_DISK WEIGHT AVAIL_FE REASON              $`,
			`^n1             1    debug\*    unknown\* 4       4:1:1   4000        0      1   \(null\) none                $`,
		}},
		{name: "summarize", args: cmd("sinfo -s"), want: lines(
			"PARTITION AVAIL  TIMELIMIT   NODES(A/I/O/T) NODELIST",
			"debug*       up    1:00:00          0/4/0/4 n[1-4]",
			"long         up 1-00:00:00          0/2/0/2 n[3-4]")},
		{name: "reasons-none", args: cmd("sinfo -R"), want: lines("REASON               USER      TIMESTAMP           NODELIST")},
		{name: "partition", args: cmd("sinfo -p long"), want: lines(
			"PARTITION AVAIL  TIMELIMIT  NODES  STATE NODELIST",
			"long         up 1-00:00:00      2   unk* n[3-4]")},
		{name: "state-filter-match", args: cmd("sinfo -h -t unknown -o %P|%D"), want: lines("debug*|4", "long|2")},
		// No node is idle: sinfo still lists each partition, with 0 nodes.
		{name: "state-filter-idle", args: cmd("sinfo -h -t idle"), want: lines(
			"debug*       up    1:00:00      0    n/a ",
			"long         up 1-00:00:00      0    n/a ")},
		{name: "format", args: []string{"sinfo", "-o", "%P|%a|%l|%D|%t|%N|%c|%m|%z"}, want: lines(
			"PARTITION|AVAIL|TIMELIMIT|NODES|STATE|NODELIST|CPUS|MEMORY|S:C:T",
			"debug*|up|1:00:00|4|unk*|n[1-4]|4|4000|4:1:1",
			"long|up|1-00:00:00|2|unk*|n[3-4]|4|4000|4:1:1")},
	}
}

func showCases(c *cluster) []clientCase {
	return []clientCase{
		{name: "ping", args: cmd("scontrol ping"), match: []string{`^Slurmctld\(primary\) at \S+ is UP$`}},
		{name: "job", args: cmd("scontrol show job 3"), match: []string{
			`^JobId=3 JobName=named$`,
			`^   UserId=root\(0\) GroupId=root\(0\) MCS_label=N/A$`,
			`^   Priority=4294901747 Nice=10 Account=\(null\) QOS=\(null\)$`,
			`^   JobState=PENDING Reason=ReqNodeNotAvail,_UnavailableNodes:n\[3-4\] Dependency=\(null\)$`,
			`^   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0$`,
			`^   RunTime=00:00:00 TimeLimit=01:00:00 TimeMin=N/A$`,
			`^   Partition=long AllocNode:Sid=\S+$`,
			`^   NumNodes=2 NumCPUs=8 NumTasks=4 CPUs/Task=2 ReqB:S:C:T=0:0:\*:\*$`,
			`^   TRES=cpu=8,mem=200M,node=2,billing=8$`,
			`^   MinCPUsNode=2 MinMemoryNode=100M MinTmpDiskNode=0$`,
			`^   WorkDir=/tmp$`,
			`^   Comment=hello $`,
			`^   StdErr=/tmp/err.3$`,
			`^   StdOut=/tmp/out.3$`,
		}},
		{name: "job-script-directives", args: cmd("scontrol show job 1"), match: []string{
			`^JobId=1 JobName=scriptjob$`, `TimeLimit=00:10:00`, `^   Comment=from-script $`,
			`^   WorkDir=` + c.work + `$`, `^   StdOut=` + c.work + `/slurm-1.out$`,
		}},
		{name: "job-mem-per-cpu", args: cmd("scontrol show job 6"), match: []string{
			`^   NumNodes=1 NumCPUs=2 NumTasks=2 CPUs/Task=1 `, `^   MinCPUsNode=1 MinMemoryCPU=10M MinTmpDiskNode=0$`,
		}},
		{name: "job-begin", args: cmd("scontrol show job 5"), match: []string{
			`^   JobState=PENDING Reason=ReqNodeNotAvail,_UnavailableNodes:n\[1-4\] `,
			`^   SubmitTime=\S+ EligibleTime=2030-01-01T00:00:00$`,
			`^   StartTime=2030-01-01T00:00:00 EndTime=2030-01-01T01:00:00 Deadline=N/A$`,
		}},
		{name: "job-held", args: cmd("scontrol show job 4"), match: []string{`Priority=0 `, `JobState=PENDING Reason=JobHeldUser `}},
		{name: "job-oneliner", args: cmd("scontrol -o show job 2"), match: []string{
			`\AJobId=2 JobName=wrap UserId=root\(0\) GroupId=root\(0\) MCS_label=N/A Priority=\d+ Nice=0 .* TimeLimit=01:00:00 .* Partition=debug .*Command=\(null\) WorkDir=` + c.work + ` .*\n\z`,
		}},
		{name: "job-unknown", args: cmd("scontrol show job 99"), rc: 1, want: lines("slurm_load_jobs error: Invalid job id specified")},
		{name: "node", args: cmd("scontrol show node n3"), match: []string{
			`^NodeName=n3 CoresPerSocket=1 $`,
			`^   CPUAlloc=0 CPUEfctv=4 CPUTot=4 CPULoad=N/A$`,
			`^   RealMemory=4000 AllocMem=0 FreeMem=N/A Sockets=4 Boards=1$`,
			`^   State=UNKNOWN\+NOT_RESPONDING ThreadsPerCore=1 TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A$`,
			`^   Partitions=debug,long $`,
			`^   CfgTRES=cpu=4,mem=4000M,billing=4$`,
		}},
		{name: "node-oneliner", args: cmd("scontrol -o show node n1"), match: []string{`\ANodeName=n1 CoresPerSocket=1  CPUAlloc=0 .* State=UNKNOWN\+NOT_RESPONDING .*\n\z`}},
		{name: "node-unknown", args: cmd("scontrol show node n9"), rc: 1, want: lines("Node n9 not found")},
		{name: "partition", args: cmd("scontrol show partition long"), want: lines(
			"PartitionName=long",
			"   AllowGroups=ALL AllowAccounts=ALL AllowQos=ALL",
			"   AllocNodes=ALL Default=NO QoS=N/A",
			"   DefaultTime=NONE DisableRootJobs=NO ExclusiveUser=NO GraceTime=0 Hidden=NO",
			"   MaxNodes=UNLIMITED MaxTime=1-00:00:00 MinNodes=0 LLN=NO MaxCPUsPerNode=UNLIMITED",
			"   Nodes=n[3-4]",
			"   PriorityJobFactor=1 PriorityTier=1 RootOnly=NO ReqResv=NO OverSubscribe=NO",
			"   OverTimeLimit=NONE PreemptMode=OFF",
			"   State=UP TotalCPUs=8 TotalNodes=2 SelectTypeParameters=NONE",
			"   JobDefaults=(null)",
			"   DefMemPerNode=UNLIMITED MaxMemPerNode=UNLIMITED",
			"   TRES=cpu=8,mem=8000M,node=2,billing=8",
			"")},
		{name: "partition-oneliner", args: cmd("scontrol -o show partition debug"), want: "PartitionName=debug AllowGroups=ALL AllowAccounts=ALL AllowQos=ALL AllocNodes=ALL Default=YES QoS=N/A DefaultTime=NONE DisableRootJobs=NO ExclusiveUser=NO GraceTime=0 Hidden=NO MaxNodes=UNLIMITED MaxTime=01:00:00 MinNodes=0 LLN=NO MaxCPUsPerNode=UNLIMITED Nodes=n[1-4] PriorityJobFactor=1 PriorityTier=1 RootOnly=NO ReqResv=NO OverSubscribe=NO OverTimeLimit=NONE PreemptMode=OFF State=UP TotalCPUs=16 TotalNodes=4 SelectTypeParameters=NONE JobDefaults=(null) DefMemPerNode=UNLIMITED MaxMemPerNode=UNLIMITED TRES=cpu=16,mem=16000M,node=4,billing=16\n"},
		{name: "partition-unknown", args: cmd("scontrol show partition nope"), rc: 1, want: lines("Partition nope not found")},
		{name: "config", args: cmd("scontrol show config"), match: []string{
			`^Configuration data as of \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$`,
			`^AuthInfo                = socket=` + c.socket + `$`,
			`^AuthType                = auth/munge$`,
			`^ClusterName             = compat$`,
			`^EnforcePartLimits       = ALL$`,
			fmt.Sprintf(`^SlurmctldPort           = %d$`, c.port),
			`^SLURM_VERSION           = 22\.05\.8$`,
			`^StateSaveLocation       = ` + c.state + `$`,
			`^Slurmctld\(primary\) at \S+ is UP$`,
		}},
	}
}
