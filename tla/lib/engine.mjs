// Loading and calling tla-checker (tla-rs compiled to WebAssembly).
//
// Every call into the engine goes through this module, so that the
// version check, the JSON decoding and the error handling live in one
// place. The engine is synchronous and single-threaded; parallelism comes
// from running several Node processes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as tla from 'tla-checker';

const require = createRequire(import.meta.url);

// The exact engine version the recorded state counts were measured with.
// A different version may explore differently; check.mjs refuses to run
// rather than compare counts from another engine.
export const PINNED_VERSION = '0.9.0';

let initialised = false;

export function engine() {
  if (!initialised) {
    const pkg = JSON.parse(readFileSync(require.resolve('tla-checker/package.json'), 'utf8'));
    if (pkg.version !== PINNED_VERSION) {
      throw new Error(`tla-checker ${pkg.version} is installed, ${PINNED_VERSION} is pinned: run npm ci in tla/`);
    }
    tla.initSync({ module: readFileSync(require.resolve('tla-checker/tla_checker_bg.wasm')) });
    initialised = true;
  }
  return tla;
}

// Exhaustive breadth-first check of spec+cfg. Returns the engine's result:
// {success, error_type, error_message, states_explored, trace, warnings}.
export function checkModel(specSrc, cfgSrc, { maxStates, maxDepth }) {
  const raw = engine().check_spec_with_cfg(specSrc, cfgSrc, '{}', maxStates, maxDepth, false, false);
  return JSON.parse(raw);
}

// The step API answers {ok: false, error} on a bad spec or state.
function stepCall(raw, what) {
  const out = JSON.parse(raw);
  if (!out.ok) throw new Error(`${what}: ${out.error}`);
  return out;
}

// The spec's variable names and its initial states, each state in the
// engine's JSON form: {vars: [name...], states: [{name: value}...]}.
export function initStates(specSrc, cfgSrc, constantsJson) {
  const out = stepCall(engine().explore_init(specSrc, cfgSrc, constantsJson), 'explore_init');
  return { vars: out.vars, states: out.states.map((s) => s.json) };
}

// Successors of one state: [{action, state}] in the engine's JSON form.
export function successors(specSrc, cfgSrc, constantsJson, state) {
  return stepCall(engine().explore_next(specSrc, cfgSrc, constantsJson, JSON.stringify(state)), 'explore_next')
    .transitions.map((t) => ({ action: t.action, state: t.state.json }));
}
