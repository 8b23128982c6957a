#!/usr/bin/env bash
# Entry point of `make tla`: model checks, known-bad mutants, trace-checker
# self-test, and (when TLA_TRACE_DIR is set) the simulator's traces.
# Prints one final line "N passed, M failed"; exit status 0 only if M = 0.
#
# Environment:
#   TLA_TRACE_DIR   directory of simulator ITF traces to check (optional)
#   TLA_TRACE_MIN   minimum number of traces required there (default 1)
#   TLA_JOBS        worker processes (default 2)
set -euo pipefail
cd "$(dirname "$0")"
start=$SECONDS
jobs=${TLA_JOBS:-2}

# npm ci only when node_modules is missing or was installed from another
# package.json/package-lock.json (npm ci removes node_modules first, so the
# stamp disappears with it).
stamp=node_modules/.flurm-install-stamp
want=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

total_passed=0
total_failed=0
# run_step NAME CMD...: runs a step, adds its "N passed, M failed" line to
# the totals; a step that ends without that line counts as one failure.
run_step() {
  local name=$1; shift
  local out rc=0
  echo "== $name"
  out=$(mktemp)
  "$@" 2>&1 | tee "$out" || rc=$?
  local summary
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1 || true)
  rm -f "$out"
  if [[ -z $summary ]]; then
    echo "-- $name: no summary line (exit status $rc), counted as 1 failure"
    total_failed=$((total_failed + 1))
    return
  fi
  local p f
  p=${summary%% passed*}
  f=${summary#*, }; f=${f%% failed}
  if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; fi
  total_passed=$((total_passed + p))
  total_failed=$((total_failed + f))
}

run_step "mutants are up to date" bash -c 'node mutants/generate.mjs --check && echo "1 passed, 0 failed"'
run_step "model checking (tla-rs via tla-checker)" node check.mjs --jobs "$jobs"
run_step "trace checker self-test" node tracecheck.mjs --selftest

if [[ -n ${TLA_TRACE_DIR:-} ]]; then
  count=$(find "$TLA_TRACE_DIR" -maxdepth 1 -name '*.json' ! -name manifest.json | wc -l)
  min=${TLA_TRACE_MIN:-1}
  if (( count < min )); then
    echo "== simulator traces: $count trace(s) in $TLA_TRACE_DIR, at least $min required"
    total_failed=$((total_failed + 1))
  else
    shards=()
    for ((i = 0; i < jobs; i++)); do shards+=("$(mktemp)"); done
    pids=()
    for ((i = 0; i < jobs; i++)); do
      node tracecheck.mjs --shard "$i/$jobs" "$TLA_TRACE_DIR" > "${shards[$i]}" 2>&1 &
      pids+=($!)
    done
    for ((i = 0; i < jobs; i++)); do
      wait "${pids[$i]}" || true
      run_step "simulator traces, shard $i/$jobs" cat "${shards[$i]}"
      rm -f "${shards[$i]}"
    done
  fi
fi

echo "tla: $((SECONDS - start)) s"
echo "$total_passed passed, $total_failed failed"
(( total_failed == 0 ))
