// Trace validation: checks ITF traces written by the simulator against a
// TLA+ spec, with tla-checker's step API (explore_init / explore_next).
//
// Method (Cirstea, Kuppe, Merz et al.): keep the set of spec states that
// agree with the trace so far; for each next trace state, keep the
// successors (and, unless --no-stutter, the unchanged candidates) whose
// observed variables equal the trace's. The trace is rejected at the
// first state no behaviour of the spec explains. Spec variables absent
// from the trace are hidden: any value the spec allows is accepted.
//
// Usage:
//   node tracecheck.mjs [options] TRACE.itf.json|DIR ...
//   node tracecheck.mjs --selftest        run testdata/traces/manifest.json
// Options:
//   --spec X.tla --cfg X.cfg   spec to check against (default: from the
//                              trace's #meta.spec, i.e. tla/<spec>.tla/.cfg)
//   --expect-fail              every trace must be rejected (exit 1 if one passes)
//   --no-stutter               every trace step must be a spec step
//   --max-candidates N         fail if more candidate states (default 5000)
//   --shard I/N                only check files I, I+N, I+2N, ... (0-based)
// Output: one line per trace, then "N passed, M failed". Exit status 1 if
// any trace failed (or, with --expect-fail, passed), 2 on usage errors.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initStates, successors } from './lib/engine.mjs';
import { itfToEngine, canon, constantsJson } from './lib/itf.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const MAX_TRACE_BYTES = 64 << 20;
const MAX_TRACE_STATES = 100000;
const MAX_MEMO = 200000;

// Successors are memoised per (spec, cfg, constants, state): traces of
// different seeds share many states, and each engine call re-parses the
// spec.
const memo = new Map();
function memoSuccessors(ctx, consts, state) {
  const key = ctx.id + '\u0000' + consts + '\u0000' + JSON.stringify(state);
  let out = memo.get(key);
  if (!out) {
    out = successors(ctx.spec, ctx.cfg, consts, state);
    if (memo.size >= MAX_MEMO) memo.clear();
    memo.set(key, out);
  }
  return out;
}

// blankComments replaces every TLA+ comment by spaces, keeping newlines,
// so every token stays on its line and column (junction lists depend on
// columns). tla-checker parses the spec again on every explore_next call,
// and comments make that parse 2-3 times slower. String literals are
// copied as they are.
export function blankComments(src) {
  let out = '';
  let i = 0;
  const blank = (s) => s.replace(/[^\n]/g, ' ');
  while (i < src.length) {
    if (src[i] === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"' && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
    } else if (src.startsWith('\\*', i)) {
      let j = src.indexOf('\n', i);
      if (j < 0) j = src.length;
      out += blank(src.slice(i, j));
      i = j;
    } else if (src.startsWith('(*', i)) {
      let depth = 0, j = i;
      while (j < src.length) {
        if (src.startsWith('(*', j)) { depth++; j += 2; } else if (src.startsWith('*)', j)) { depth--; j += 2; if (depth === 0) break; } else j++;
      }
      out += blank(src.slice(i, j));
      i = j;
    } else {
      out += src[i++];
    }
  }
  return out;
}

const specCache = new Map();
function loadSpec(specPath, cfgPath) {
  const k = specPath + '\u0000' + cfgPath;
  if (!specCache.has(k)) {
    specCache.set(k, { spec: blankComments(readFileSync(specPath, 'utf8')), cfg: readFileSync(cfgPath, 'utf8') });
  }
  return specCache.get(k);
}

function diffObserved(observed, traceState, specState) {
  return observed.filter((x) => canon(specState[x]) !== traceState.canon[x]);
}

const short = (s, n = 300) => (s.length > n ? s.slice(0, n) + '...' : s);

// tla-checker reads constants' arrays as sets and objects as records, so a
// sequence cannot be a constant. In TraceHint a sequence becomes the record
// [len |-> its length, last |-> its last element] (no last when empty):
// enough for the narrowings of RaftLog.tla, and cheap, because the engine
// parses the constants again on every call.
function hintValue(v) {
  if (Array.isArray(v)) return v.map(hintValue);
  if (v && typeof v === 'object') {
    if ('__tuple' in v) {
      const n = v.__tuple.length;
      return n ? { len: n, last: hintValue(v.__tuple[n - 1]) } : { len: 0 };
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hintValue(x)]));
  }
  return v;
}

// Checks one parsed ITF trace. Returns {ok, steps, maxCandidates, calls}
// or {ok: false, at, reason}.
export function checkTrace(itf, { specPath, cfgPath, stutter = true, maxCandidates = 5000 }) {
  if (!itf || !Array.isArray(itf.states) || itf.states.length === 0) {
    return { ok: false, at: -1, reason: 'not an ITF trace: no states' };
  }
  if (itf.states.length > MAX_TRACE_STATES) return { ok: false, at: -1, reason: `more than ${MAX_TRACE_STATES} states` };
  const { spec, cfg } = loadSpec(specPath, cfgPath);
  const meta = itf['#meta'] ?? {};
  const consts = constantsJson(meta.constants);
  const ctx = { id: specPath + '\u0000' + cfgPath, spec, cfg };
  // A spec with the constants TraceChecking and TraceHint gets, at each
  // step, TraceChecking = TRUE and the next observed state as TraceHint,
  // to narrow exponential choices (see StartChoices in JobLifecycle.tla).
  const hinted = /^\s*TraceHint\s*=/m.test(cfg) && /^\s*TraceChecking\s*=/m.test(cfg);
  const constsFor = (engineState) => (hinted
    ? JSON.stringify({ ...JSON.parse(consts), TraceChecking: true, TraceHint: hintValue(engineState) })
    : consts);
  const init = initStates(spec, cfg, hinted ? constsFor({}) : consts);
  const specVars = init.vars;

  // Observed variables: the trace's declared vars that the spec has.
  // mbt::* entries are metadata (action names, picks), never compared.
  const declared = Array.isArray(itf.vars) ? itf.vars : Object.keys(itf.states[0]).filter((k) => !k.startsWith('#'));
  const unknown = declared.filter((x) => !x.startsWith('mbt::') && !specVars.includes(x));
  if (unknown.length) return { ok: false, at: -1, reason: `variables not in the spec: ${unknown.join(', ')}` };
  const observed = declared.filter((x) => specVars.includes(x));
  if (!observed.length) return { ok: false, at: -1, reason: 'the trace observes no spec variable' };

  const states = itf.states.map((s, i) => {
    const c = {}, e = {};
    for (const x of observed) {
      if (!(x in s)) throw new Error(`state ${i}: variable ${x} missing`);
      e[x] = itfToEngine(s[x], `state ${i}: ${x}`);
      c[x] = canon(e[x]);
    }
    return { canon: c, engine: e, action: s['mbt::actionTaken'] };
  });
  const matches = (st, i) => observed.every((x) => canon(st[x]) === states[i].canon[x]);

  let cands = init.states.filter((s) => matches(s, 0));
  if (!cands.length) return { ok: false, at: 0, reason: 'no initial state of the spec matches state 0' };
  let maxC = cands.length, calls = 1;
  for (let i = 1; i < states.length; i++) {
    const next = new Map();
    const stepConsts = constsFor(states[i].engine);
    let best = null;
    for (const c of cands) {
      if (stutter && matches(c, i)) next.set(JSON.stringify(c), c);
      calls++;
      for (const t of memoSuccessors(ctx, stepConsts, c)) {
        if (matches(t.state, i)) next.set(JSON.stringify(t.state), t.state);
        else if (next.size === 0) {
          // closest step for the report: fewest differing variables, and
          // preferably the action the trace says it took
          const d = diffObserved(observed, states[i], t.state);
          const hinted = typeof states[i].action === 'string' && states[i].action.startsWith(t.action);
          const score = d.length - (hinted ? 0.5 : 0);
          if (!best || score < best.score) best = { diff: d, action: t.action, state: t.state, score };
        }
      }
    }
    if (next.size === 0) {
      let reason = `no behaviour of the spec explains state ${i}`;
      if (states[i].action) reason += ` (trace action ${states[i].action})`;
      if (best) {
        reason += `; closest spec step ${best.action} differs in ${best.diff.join(', ')}:`;
        for (const x of best.diff) {
          reason += `\n       ${x}: trace ${short(states[i].canon[x])}\n       ${' '.repeat(x.length)}  spec  ${short(canon(best.state[x]))}`;
        }
      } else {
        reason += '; the candidate states have no successors';
      }
      return { ok: false, at: i, reason };
    }
    if (next.size > maxCandidates) {
      return { ok: false, at: i, reason: `more than ${maxCandidates} candidate states: log more variables` };
    }
    cands = [...next.values()];
    maxC = Math.max(maxC, cands.length);
  }
  return { ok: true, steps: states.length - 1, maxCandidates: maxC, calls, observed };
}

// The spec is tla/<#meta.spec>.tla with tla/<#meta.cfg or #meta.spec>.cfg
// (a trace may name another cfg of the same module, e.g. one whose NEXT is
// the spec's TraceNext).
function resolveSpec(itf, opts) {
  if (opts.specPath) return { specPath: opts.specPath, cfgPath: opts.cfgPath };
  const name = itf?.['#meta']?.spec;
  if (typeof name !== 'string' || !/^[A-Za-z]\w*$/.test(name)) {
    throw new Error('no --spec given and #meta.spec is missing or not a module name');
  }
  const cfg = itf['#meta'].cfg ?? name;
  if (typeof cfg !== 'string' || !/^[A-Za-z]\w*$/.test(cfg)) throw new Error('#meta.cfg is not a cfg name');
  return { specPath: join(here, `${name}.tla`), cfgPath: join(here, `${cfg}.cfg`) };
}

export function checkFile(file, opts) {
  const t0 = Date.now();
  let r;
  try {
    if (statSync(file).size > MAX_TRACE_BYTES) throw new Error(`larger than ${MAX_TRACE_BYTES} bytes`);
    const itf = JSON.parse(readFileSync(file, 'utf8'));
    r = checkTrace(itf, { ...opts, ...resolveSpec(itf, opts) });
  } catch (e) {
    r = { ok: false, at: -1, reason: e.message, error: true };
  }
  r.ms = Date.now() - t0;
  return r;
}

function expandFiles(paths) {
  const out = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p).sort()) if (f.endsWith('.json') && f !== 'manifest.json') out.push(join(p, f));
    } else out.push(p);
  }
  return out;
}

function describe(file, r) {
  const name = relative(process.cwd(), file) || file;
  if (r.ok) return `ok   ${name} (${r.steps} steps, max ${r.maxCandidates} candidates, ${r.calls} explore_next, ${r.ms} ms)`;
  const at = r.at >= 0 ? ` at state ${r.at}` : '';
  return `REJECTED${at} ${name}: ${r.reason}`;
}

// Self-test: good traces must pass; bad traces must be rejected at the
// recorded state. Proves the driver (and engine) can still tell them apart.
function selftest(opts) {
  const dir = join(here, 'testdata', 'traces');
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  let passed = 0, failed = 0;
  for (const t of manifest.traces) {
    const r = checkFile(join(dir, t.file), { ...opts, stutter: t.stutter ?? true });
    const good = t.expect === 'pass' ? r.ok : !r.ok && !r.error && r.at === t.rejectAt;
    if (good) passed++; else failed++;
    const want = t.expect === 'pass' ? 'pass' : `reject at ${t.rejectAt}`;
    console.log(`${good ? 'ok  ' : 'FAIL'} [want ${want}] ${describe(join(dir, t.file), r)}`);
  }
  return { passed, failed };
}

function main() {
  const args = process.argv.slice(2);
  const opts = { stutter: true, maxCandidates: 5000 };
  const files = [];
  let expectFail = false, doSelftest = false, shard = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const val = () => { if (i + 1 >= args.length) throw new Error(`${a} needs a value`); return args[++i]; };
    if (a === '--spec') opts.specPath = resolve(val());
    else if (a === '--cfg') opts.cfgPath = resolve(val());
    else if (a === '--expect-fail') expectFail = true;
    else if (a === '--no-stutter') opts.stutter = false;
    else if (a === '--selftest') doSelftest = true;
    else if (a === '--max-candidates') opts.maxCandidates = Math.max(1, Math.min(1e6, Number(val()) || 0));
    else if (a === '--shard') {
      const m = /^(\d+)\/(\d+)$/.exec(val());
      if (!m || Number(m[1]) >= Number(m[2])) throw new Error('--shard wants I/N with I < N');
      shard = [Number(m[1]), Number(m[2])];
    } else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else files.push(a);
  }
  if (opts.specPath && !opts.cfgPath) opts.cfgPath = opts.specPath.replace(/\.tla$/, '.cfg');
  if (!opts.specPath && opts.cfgPath) throw new Error('--cfg needs --spec');

  let passed = 0, failed = 0;
  if (doSelftest) {
    ({ passed, failed } = selftest(opts));
  } else {
    if (!files.length) throw new Error('no trace files given (see the header of tracecheck.mjs)');
    let list = expandFiles(files);
    if (shard) list = list.filter((_, i) => i % shard[1] === shard[0]);
    if (!list.length) throw new Error('no trace files found');
    for (const f of list) {
      const r = checkFile(f, opts);
      const good = expectFail ? !r.ok && !r.error : r.ok;
      if (good) passed++; else failed++;
      console.log((expectFail && !r.ok && !r.error ? 'ok (rejected as expected) ' : '') + describe(f, r));
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

try { main(); } catch (e) { console.error(`tracecheck: ${e.message}`); process.exitCode = 2; }
