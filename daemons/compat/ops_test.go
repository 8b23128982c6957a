package compat

import "time"

// Cases that change state: scontrol update/hold/release/requeue, node
// drain and resume, permission checks, scancel, sdiag, shutdown.

func updateCases() []clientCase {
	return []clientCase{
		{name: "time-limit", args: cmd("scontrol update JobId=2 TimeLimit=30")},
		{name: "time-limit-shown", args: cmd("squeue -h -j 2 -o %i|%l"), want: lines("2|30:00")},
		{name: "priority", args: cmd("scontrol update JobId=2 Priority=100")},
		{name: "priority-shown", args: cmd("squeue -h -j 2 -o %i|%Q"), want: lines("2|100")},
		{name: "nice", args: cmd("scontrol update JobId=7 Nice=5")},
		{name: "nice-shown", args: cmd("squeue -h -j 7 -o %i|%y"), want: lines("7|5")},
		{name: "name", args: cmd("scontrol update JobId=6 JobName=renamed")},
		{name: "partition-and-nodes", args: cmd("scontrol update JobId=6 Partition=long NumNodes=2")},
		{name: "name-partition-nodes-shown", args: cmd("squeue -h -j 6 -o %i|%j|%P|%D"), want: lines("6|renamed|long|2")},
		{name: "unknown-partition", args: cmd("scontrol update JobId=6 Partition=nope"), rc: 1,
			want: lines("Invalid partition name specified for job 6")},
		{name: "unsupported-field", args: cmd("scontrol update JobId=1 Comment=x"), rc: 1,
			want: lines("Requested operation not supported on this system for job 1")},
		{name: "unknown-job", args: cmd("scontrol update JobId=99 TimeLimit=1"), rc: 1,
			want: lines("Invalid job id specified for job 99")},
		{name: "hold", args: cmd("scontrol hold 2")},
		{name: "hold-shown", args: cmd("squeue -h -j 2 -o %i|%Q|%r"), match: []string{`^2\|0\|JobHeld(User|Admin)$`}},
		{name: "release", args: cmd("scontrol release 2")},
		{name: "release-shown", args: cmd("squeue -h -j 2 -o %i|%r"), want: lines("2|ReqNodeNotAvail, UnavailableNodes:n[1-4]"), eventually: 3 * time.Second},
		{name: "uhold", args: cmd("scontrol uhold 5")},
		{name: "uhold-shown", args: cmd("squeue -h -j 5 -o %i|%Q|%r"), want: lines("5|0|JobHeldUser")},
		{name: "uhold-release", args: cmd("scontrol release 5")},
		{name: "uhold-released", args: cmd("squeue -h -j 5 -o %i|%r"), want: lines("5|ReqNodeNotAvail, UnavailableNodes:n[1-4]"), eventually: 3 * time.Second},
		{name: "requeue-pending", args: cmd("scontrol requeue 3"), rc: 1, want: lines("Job is pending execution for job 3")},
	}
}

func nodeCases() []clientCase {
	return []clientCase{
		{name: "drain", args: cmd("scontrol update NodeName=n2 State=DRAIN Reason=maint")},
		{name: "drain-reason", args: cmd("sinfo -R"), match: []string{
			`^REASON               USER      TIMESTAMP           NODELIST$`,
			`^maint                root      \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d n2$`,
		}},
		{name: "drain-sinfo", args: cmd("sinfo -p debug"), want: lines(
			"PARTITION AVAIL  TIMELIMIT  NODES  STATE NODELIST",
			"debug*       up    1:00:00      1 drain* n2",
			"debug*       up    1:00:00      3   unk* n[1,3-4]")},
		{name: "drain-node", args: cmd("scontrol show node n2"), match: []string{
			`^   State=UNKNOWN\+DRAIN\+NOT_RESPONDING `, `^   Reason=maint \[root@\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\]$`,
		}},
		{name: "drain-needs-reason", args: cmd("scontrol update NodeName=n1 State=DRAIN"), rc: 1,
			want: lines("You must specify a reason when DOWNING or DRAINING a node. Request denied")},
		{name: "unknown-node", args: cmd("scontrol update NodeName=n9 State=DRAIN Reason=x"), rc: 1,
			want: lines("slurm_update error: Invalid node name specified")},
		// Resuming a node that never registered clears DRAIN but, as
		// slurmctld's update_node does, answers "Invalid node state".
		{name: "resume", args: cmd("scontrol update NodeName=n2 State=RESUME"), rc: 1,
			want: lines("slurm_update error: Invalid node state specified")},
		{name: "resume-node", args: cmd("scontrol show node n2"), match: []string{`^   State=UNKNOWN\+NOT_RESPONDING `}},
		{name: "resume-reason-gone", args: cmd("sinfo -R"), want: lines("REASON               USER      TIMESTAMP           NODELIST")},
	}
}

func permissionCases() []clientCase {
	return []clientCase{
		// scancel exits with the Slurm error number modulo 256.
		{name: "cancel-others", user: "nobody", args: cmd("scancel 1"), rc: 2002 % 256,
			want: lines("scancel: error: Kill job error on job id 1: Access/permission denied")},
		{name: "hold-others", user: "nobody", args: cmd("scontrol hold 1"), rc: 1,
			want: lines("Invalid user id for job 1", "slurm_suspend error: Invalid user id")},
		{name: "release-others", user: "nobody", args: cmd("scontrol release 1"), rc: 1,
			want: lines("Invalid user id for job 1", "slurm_suspend error: Invalid user id")},
		{name: "update-others", user: "nobody", args: cmd("scontrol update JobId=1 TimeLimit=3"), rc: 1,
			want: lines("Invalid user id for job 1")},
		{name: "requeue-others", user: "nobody", args: cmd("scontrol requeue 1"), rc: 1,
			want: lines("Access/permission denied for job 1")},
		{name: "others-unchanged", args: cmd("squeue -h -j 1 -o %i|%l|%Q"), match: []string{`^1\|10:00\|[1-9]\d*$`}},
		{name: "update-own", user: "nobody", args: cmd("scontrol update JobId=8 TimeLimit=3")},
		{name: "update-own-shown", user: "nobody", args: cmd("squeue -h -j 8 -o %i|%l"), want: lines("8|3:00")},
		{name: "node-update", user: "nobody", args: cmd("scontrol update NodeName=n1 State=DRAIN Reason=x"), rc: 1,
			want: lines("slurm_update error: Invalid user id")},
		{name: "reconfigure", user: "nobody", args: cmd("scontrol reconfigure"), rc: 1,
			want: lines("slurm_reconfigure error: Invalid user id")},
		{name: "shutdown", user: "nobody", args: cmd("scontrol shutdown"), rc: 1,
			want: lines("slurm_shutdown error: Invalid user id")},
		{name: "sdiag-reset", user: "nobody", args: cmd("sdiag -r"), rc: 255,
			want: lines("slurm_reset_statistics: Access/permission denied")},
		{name: "reconfigure-root", args: cmd("scontrol reconfigure")},
		{name: "still-up", user: "nobody", args: cmd("scontrol ping"), match: []string{`^Slurmctld\(primary\) at \S+ is UP$`}},
	}
}

func sdiagCases() []clientCase {
	return []clientCase{
		{name: "figures", args: cmd("sdiag"), match: []string{
			`^sdiag output at \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} \(\d+\)$`,
			`^Server thread count: +[1-9]\d*$`,
			`^Jobs submitted: 8$`,
			`^Jobs pending: +8$`,
			`^Jobs running: +0$`,
			`^\tTotal cycles: [1-9]\d*$`,
			`^\tREQUEST_SUBMIT_BATCH_JOB +\( 4003\) count:19 `,
			`^\tREQUEST_JOB_INFO +\( 2003\) count:[1-9]\d* `,
			`^\tREQUEST_UPDATE_JOB +\( 3001\) count:[1-9]\d* `,
			`^\tREQUEST_KILL_JOB +\( 5032\) count:[1-9]\d* `,
			`^\troot +\( +0\) count:[1-9]\d* `,
			`^\tnobody +\( +65534\) count:[1-9]\d* `,
		}},
	}
}

func cancelCases() []clientCase {
	state := func(id string) []string { return []string{"squeue", "-h", "-t", "all", "-j", id, "-o", "%i|%T"} }
	return []clientCase{
		// A signal cannot reach a pending job: slurmctld answers
		// ESLURM_TRANSITION_STATE_NO_UPDATE, on which scancel retries
		// for ~95 s before printing "Job can not be altered now, try
		// again later". The case stops it after its first retry.
		{name: "signal-pending", args: cmd("scancel -v --signal=USR1 7"), timeout: 3 * time.Second, rc: -1,
			match: []string{`^scancel: Signal 10 to job 7$`, `^scancel: Job is in transitional state, retrying$`}},
		{name: "signal-left-it-pending", args: state("7"), want: lines("7|PENDING")},
		{name: "by-id", args: cmd("scancel 7")},
		{name: "by-id-cancelled", args: state("7"), want: lines("7|CANCELLED")},
		{name: "own-as-nobody", user: "nobody", args: cmd("scancel 8")},
		{name: "own-as-nobody-cancelled", args: state("8"), want: lines("8|CANCELLED")},
		{name: "by-name", args: cmd("scancel -n renamed")},
		{name: "by-name-cancelled", args: state("6"), want: lines("6|CANCELLED")},
		{name: "by-partition", args: cmd("scancel -p long")},
		{name: "by-partition-cancelled", args: state("3"), want: lines("3|CANCELLED")},
		{name: "by-state-and-user", args: cmd("scancel -t PENDING -u root")},
		{name: "queue-empty", args: cmd("squeue"), want: lines(squeueHeader)},
		{name: "all-cancelled", args: cmd("squeue -h -t all -o %i|%T -S i"), want: lines(
			"1|CANCELLED", "2|CANCELLED", "3|CANCELLED", "4|CANCELLED", "5|CANCELLED",
			"6|CANCELLED", "7|CANCELLED", "8|CANCELLED", "9|CANCELLED")},
		{name: "already-done-is-silent", args: cmd("scancel 7")},
	}
}
