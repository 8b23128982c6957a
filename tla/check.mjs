// Model-checks every spec in expected.json with tla-checker (tla-rs) and
// requires every known-bad mutant in mutants/mutants.json to fail.
//
//   node check.mjs            check; exit 1 on any deviation
//   node check.mjs --update   re-measure and rewrite the state counts
//   node check.mjs --jobs N   worker processes (default: min(2, cores))
//
// A model passes only if the engine reports success AND explores exactly
// the recorded number of states (a silently weaker engine or spec edit
// shows up as a different count). Reaching the state or depth limit is a
// failure. A mutant passes only if the check fails with the expected
// error type and the expected invariant.
import { readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkModel } from './lib/engine.mjs';
import { loadMutants, mutantSource } from './mutants/generate.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const expectedPath = join(here, 'expected.json');

// INVARIANT names of a cfg, in order: the engine reports "Invariant <i>".
function invariantNames(cfg) {
  return [...cfg.matchAll(/^\s*INVARIANTS?\s+([\s\S]*?)(?=^\s*[A-Z_]+\b(?!\w)|(?![\s\S]))/gm)]
    .flatMap((m) => m[1].replace(/\\\*.*$/gm, '').split(/\s+/).filter(Boolean));
}

// Keep only the listed INVARIANT lines of a cfg (one name per line).
function restrictInvariants(cfg, keep) {
  return cfg.split('\n').filter((line) => {
    const m = line.match(/^\s*INVARIANT\s+(\w+)\s*$/);
    return !m || keep.includes(m[1]);
  }).join('\n');
}

// One unit of work, run inside a worker process.
function runTask(task, limits) {
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const r = checkModel(task.specSrc, task.cfgSrc, { maxStates: limits.max_states, maxDepth: limits.max_depth });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const idx = /^Invariant (\d+) violated/.exec(r.error_message ?? '');
  const invariant = idx ? invariantNames(task.cfgSrc)[Number(idx[1])] ?? `#${idx[1]}` : null;
  return { success: r.success, error_type: r.error_type, error_message: r.error_message,
           states: r.states_explored, invariant, ms, cpuMs, trace: r.trace };
}

// tla-checker's WASM API does not check temporal PROPERTY lines (a false
// <>P passes, a [] formula errors). They are removed before the check and
// listed as TLC-only, so nobody mistakes them for checked properties.
function withoutProperties(cfg, name, notes) {
  return cfg.split('\n').filter((line) => {
    const m = line.match(/^\s*PROPERTY\s+(\w+)/);
    if (m) notes.push(`${name}: PROPERTY ${m[1]} is not checked by tla-checker (TLC only)`);
    return !m;
  }).join('\n');
}

function buildTasks(expected, notes) {
  const tasks = expected.models.map((m) => ({
    kind: 'model', name: m.spec.replace(/\.tla$/, ''), expectStates: m.states,
    specSrc: readFileSync(join(here, m.spec), 'utf8'),
    cfgSrc: withoutProperties(readFileSync(join(here, m.cfg), 'utf8'), m.spec, notes),
  }));
  for (const m of loadMutants()) {
    const path = join(here, 'mutants', `${m.name}.tla`);
    const src = readFileSync(path, 'utf8');
    if (src !== mutantSource(m)) throw new Error(`mutants/${m.name}.tla is stale: run node mutants/generate.mjs`);
    let cfg = withoutProperties(readFileSync(join(here, `${m.base}.cfg`), 'utf8'), m.name, []);
    if (m.only_invariants) cfg = restrictInvariants(cfg, m.only_invariants);
    tasks.push({ kind: 'mutant', name: m.name, expect: m.expect, specSrc: src, cfgSrc: cfg });
  }
  return tasks;
}

function judge(task, r) {
  if (task.kind === 'model') {
    if (!r.success) return `${r.error_type}: ${r.error_message}`;
    if (task.expectStates !== undefined && r.states !== task.expectStates) {
      return `explored ${r.states} states, expected ${task.expectStates}`;
    }
    return null;
  }
  if (r.success) return 'mutant PASSED the check: the spec or engine no longer catches this bug';
  if (r.error_type !== task.expect.error_type || r.invariant !== task.expect.invariant) {
    return `expected ${task.expect.error_type} of ${task.expect.invariant}, got ${r.error_type} ` +
      `${r.invariant ?? ''} (${r.error_message})`;
  }
  return null;
}

// Run the tasks in `jobs` child processes (the engine is single-threaded).
function runAll(tasks, limits, jobs) {
  const results = new Array(tasks.length);
  let next = 0;
  const worker = () => new Promise((resolve, reject) => {
    const step = () => {
      if (next >= tasks.length) return resolve();
      const i = next++;
      const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--worker'],
                          { stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      child.on('error', reject);
      child.on('close', (code) => {
        try {
          if (code !== 0) throw new Error(`worker exited with ${code}`);
          results[i] = JSON.parse(out);
        } catch (e) {
          results[i] = { success: false, error_type: 'WorkerError', error_message: String(e.message), states: 0, ms: 0, cpuMs: 0 };
        }
        step();
      });
      child.stdin.end(JSON.stringify({ task: tasks[i], limits }));
    };
    step();
  });
  return Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker)).then(() => results);
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--worker') {
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const { task, limits } = JSON.parse(input);
    process.stdout.write(JSON.stringify(runTask(task, limits)));
    return;
  }
  const update = args.includes('--update');
  const jobsAt = args.indexOf('--jobs');
  const jobs = jobsAt >= 0 ? Math.max(1, Math.min(8, Number(args[jobsAt + 1]) || 1)) : Math.min(2, availableParallelism());
  const expected = JSON.parse(readFileSync(expectedPath, 'utf8'));
  const notes = [];
  const tasks = buildTasks(expected, notes);
  const t0 = Date.now();
  const results = await runAll(tasks, expected.limits, jobs);

  let passed = 0, failed = 0;
  // Wall time depends on machine load; CPU time is the engine's own cost.
  const rows = [['kind', 'name', 'result', 'states', 'expected', 'wall s', 'cpu s']];
  let cpuTotal = 0;
  tasks.forEach((task, i) => {
    const r = results[i];
    const problem = update && task.kind === 'model' && r.success ? null : judge(task, r);
    if (problem) failed++; else passed++;
    const expect = task.kind === 'model' ? String(task.expectStates ?? '-') : `${task.expect.invariant}`;
    const got = task.kind === 'model' ? 'ok' : `${r.error_type === 'InvariantViolation' ? r.invariant : r.error_type ?? 'no error'}`;
    cpuTotal += r.cpuMs;
    rows.push([task.kind, task.name, problem ? 'FAIL' : got, String(r.states), expect,
               (r.ms / 1000).toFixed(1), (r.cpuMs / 1000).toFixed(1)]);
    if (problem) {
      console.error(`FAIL ${task.kind} ${task.name}: ${problem}`);
      if (r.trace && task.kind === 'model') console.error(r.trace.join('\n').slice(0, 4000));
    }
  });
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c])).join('  '));
  console.log(`model checking: ${((Date.now() - t0) / 1000).toFixed(1)} s wall, ` +
              `${(cpuTotal / 1000).toFixed(1)} s CPU, ${jobs} worker(s)`);

  for (const note of notes) console.log(`note: ${note}`);

  if (update) {
    tasks.forEach((task, i) => {
      if (task.kind === 'model' && results[i].success) {
        expected.models.find((m) => m.spec === `${task.name}.tla`).states = results[i].states;
      }
    });
    writeFileSync(expectedPath, JSON.stringify(expected, null, 2) + '\n');
    console.log('updated expected.json');
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => { console.error(e.stack ?? String(e)); process.exitCode = 2; });
