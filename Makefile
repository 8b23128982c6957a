# FLURM build and test entry points. `make test` is what CI runs.
SHELL := /bin/bash
GO ?= go
OUT := $(CURDIR)/.flurm
BIN := $(OUT)/bin
CLUSTER ?= $(OUT)/cluster
BENCH_N ?= 2000
BENCH_C ?= 8

# The default simulation sweep: SIM_SEEDS seeds of 3-controller clusters
# with faults, split over two processes (etcd raft's jitter is pinned per
# process, so seeds cannot run in parallel inside one).
SIM_SEEDS ?= 300
SIM_NODES ?= 12
SIM_JOBS ?= 120
HALF := $(shell echo $$(( $(SIM_SEEDS) / 2 )))

# Debian packages the tests use, keyed by the binary that shows they are
# there: munged and libmunge's tools (auth tests), Slurm's real client
# binaries (compatibility suite), Node.js with npm (TLA+ checker; a machine
# whose Node.js already ships npm keeps it).
DEPS := /usr/sbin/munged:munge /usr/bin/sbatch:slurm-client /usr/bin/node:nodejs+npm

.PHONY: deps all build test unit compat sim-sweep sim-long tla bench bench-sim bench-submit bench-jobs bench-failover daemons up down status scenarios-rewrite fmt vet clean

all: build

# Installs only what is missing (needs root, as on CI and dev machines here).
deps:
	@pkgs=""; for d in $(DEPS); do [ -x $${d%%:*} ] || pkgs="$$pkgs $$(echo $${d#*:} | tr + ' ')"; done; \
	if [ -n "$$pkgs" ]; then \
		echo "installing$$pkgs"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs >/dev/null; \
	fi; command -v npm >/dev/null || { echo "npm is missing"; exit 1; }

build:
	$(GO) build ./...

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

# Everything CI checks.
test: vet unit sim-sweep tla

unit:
	$(GO) test -count=1 ./...

# The real Slurm client binaries against flurmctld (also part of unit).
compat:
	$(GO) test -count=1 ./daemons/compat

# The daemons and tools, built into .flurm/bin.
daemons:
	$(GO) build -o $(BIN)/ ./daemons/flurmctld ./daemons/flurmnd ./daemons/flurmup ./daemons/benchsubmit ./daemons/benchjob

# A local cluster on loopback (state in $(CLUSTER), kept across down/up):
# eval "$$(make -s up)" points Slurm's clients at it.
up: daemons
	@[ -x /usr/sbin/munged ] && [ -x /usr/bin/scontrol ] || { echo "installing munge slurm-client" >&2; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq munge slurm-client >/dev/null; }
	@$(BIN)/flurmup up -dir $(CLUSTER)

down:
	@$(GO) build -o $(BIN)/ ./daemons/flurmup
	@$(BIN)/flurmup down -dir $(CLUSTER)

status:
	@$(GO) build -o $(BIN)/ ./daemons/flurmup
	@$(BIN)/flurmup status -dir $(CLUSTER)

# Two shards in parallel; their counters are merged and every fault kind
# and interesting case must have happened somewhere in the sweep.
sim-sweep:
	@mkdir -p $(OUT)
	@echo "sim: $(SIM_SEEDS) seeds, 3 controllers, $(SIM_NODES) nodes, $(SIM_JOBS) jobs, faults on"
	@set -o pipefail; \
	$(GO) test -count=1 ./sim -run 'TestSim$$' -timeout 60m -seed-start=1 -seeds=$(HALF) \
		-nodes=$(SIM_NODES) -jobs=$(SIM_JOBS) -counts-out=$(OUT)/counts-a.json > $(OUT)/sim-a.log 2>&1 & a=$$!; \
	$(GO) test -count=1 ./sim -run 'TestSim$$' -timeout 60m -seed-start=$$(( $(HALF) + 1 )) -seeds=$$(( $(SIM_SEEDS) - $(HALF) )) \
		-nodes=$(SIM_NODES) -jobs=$(SIM_JOBS) -counts-out=$(OUT)/counts-b.json > $(OUT)/sim-b.log 2>&1 & b=$$!; \
	ra=0; rb=0; wait $$a || ra=$$?; wait $$b || rb=$$?; \
	grep -h -E 'seeds in|FAIL|reproduce:|^\s+sim_test.go:[0-9]+: t=' $(OUT)/sim-a.log $(OUT)/sim-b.log; \
	if [ $$ra -ne 0 ] || [ $$rb -ne 0 ]; then echo "sim sweep failed: full logs in $(OUT)/sim-{a,b}.log"; exit 1; fi
	$(GO) test -count=1 ./sim -run 'TestCoverageMerged' -counts-in=$(OUT)/counts-a.json,$(OUT)/counts-b.json

# Long sweeps, not part of make test: thousands of seeds, 5 controllers,
# bigger clusters.
sim-long:
	$(MAKE) sim-sweep SIM_SEEDS=3000
	$(GO) test -count=1 ./sim -run 'TestSim$$' -timeout 300m -controllers=5 -seeds=500 -seed-start=100000 -coverage
	$(GO) test -count=1 ./sim -run 'TestSim$$' -timeout 300m -nodes=32 -jobs=500 -seeds=200 -seed-start=200000 -coverage

# TLA+: model-check every spec and mutant, then check the JobLifecycle,
# RaftLog, SchedulerSafety and ControllerReplication traces of 100
# simulated seeds (written on both cores), and require every trace of a
# deliberately broken refinement mapping to be rejected.
TRACES := $(OUT)/traces
BADTRACES := $(OUT)/badtraces
tla:
	@rm -rf $(TRACES) $(BADTRACES); mkdir -p $(OUT)
	@$(GO) test ./sim -count=1 -run 'TestTraces$$' -args -trace-dir $(TRACES) -seeds=50 -seed-start=1 > $(OUT)/traces-a.log 2>&1 & a=$$!; \
	$(GO) test ./sim -count=1 -run 'TestTraces$$' -args -trace-dir $(TRACES) -seeds=50 -seed-start=51 > $(OUT)/traces-b.log 2>&1 & b=$$!; \
	ra=0; rb=0; wait $$a || ra=$$?; wait $$b || rb=$$?; \
	if [ $$ra -ne 0 ] || [ $$rb -ne 0 ]; then cat $(OUT)/traces-a.log $(OUT)/traces-b.log; exit 1; fi
	@for bugs in "merge-start:1 raft-unsplit:21 ctl-term-plus-one:41" "completing-alloc:11 sched-half-cap:31 ctl-where-last-node:51"; do \
	  ( for b in $$bugs; do $(GO) test ./sim -count=1 -run 'TestTraces$$' -args -trace-dir $(BADTRACES) -seeds=10 \
	      -seed-start=$${b#*:} -trace-bug=$${b%%:*} > $(OUT)/badtraces-$${b%%:*}.log 2>&1 || { cat $(OUT)/badtraces-$${b%%:*}.log; exit 1; }; done ) & \
	  pids="$$pids $$!"; \
	done; ok=0; for j in $$pids; do wait $$j || ok=1; done; exit $$ok
	TLA_TRACE_DIR=$(TRACES) TLA_TRACE_MIN=400 bash tla/run.sh
	node tla/tracecheck.mjs --expect-fail $(BADTRACES)

bench: bench-sim
	$(GO) test -run XXX -bench . -benchtime 200x ./io/raftstore
	$(GO) test -run XXX -bench . -benchtime 2x ./core/sched

# Seeds per minute for the reference simulation: 3 controllers, 32 nodes,
# 500 jobs, faults on.
bench-sim:
	$(GO) test -count=1 ./sim -run 'TestSim$$' -timeout 60m -nodes=32 -jobs=500 -seeds=20 -seed-start=5000 -v \
		| grep -E 'seeds in|FAIL'

# Submission throughput against the local cluster, and against a real
# slurmctld in the same run when one is installed. A benchmark, not a test.
bench-submit: up
	$(BIN)/benchsubmit -conf $(CLUSTER)/slurm.conf -n $(BENCH_N) -c $(BENCH_C) -compare

# Job turnaround through real sbatch/scontrol on the local cluster.
bench-jobs: up
	SLURM_CONF=$(CLUSTER)/slurm.conf $(BIN)/benchjob -n 20

# Time from SIGKILL of the Raft leader to the first sbatch acknowledged,
# three flurmctld, real sbatch; median and worst of 30 kills.
bench-failover:
	$(GO) test -count=1 ./daemons/compat -run XXX -bench Failover -benchtime 30x -timeout 30m

scenarios-rewrite:
	$(GO) test ./scenarios -rewrite

fmt:
	gofmt -w $$(git ls-files '*.go')

# Stops a running local cluster first: its key, config and jobs live in .flurm.
clean:
	-@[ -x $(BIN)/flurmup ] && $(BIN)/flurmup down -dir $(CLUSTER)
	rm -rf $(OUT)
