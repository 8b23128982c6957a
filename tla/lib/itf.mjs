// ITF (Informal Trace Format, Apalache ADR-015) values -> the JSON form
// tla-checker uses for states, and a canonical form for comparing them.
//
// Engine JSON form: a record or a function with string keys is an object;
// a set is an array; a sequence or tuple is {"__tuple": [...]}; integers
// and strings are JSON numbers and strings.
//
// ITF accepted here:
//   plain string / boolean / safe integer      as is
//   {"#bigint": "N"}                            integer (must fit in +-2^53)
//   [v, ...]                                    sequence
//   {"#tup": [v, ...]}                          tuple
//   {"#set": [v, ...]}                          set
//   {"#map": [[k, v], ...]}                     function; keys must be strings
//   {"field": v, ...}                           record
// Anything else ({"#unserializable"}, floats, non-string map keys) is an
// error, never silently dropped.

const MAX_DEPTH = 64;

export function itfToEngine(v, where = 'value', depth = 0) {
  if (depth > MAX_DEPTH) throw new Error(`${where}: nested too deeply`);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`${where}: ${v} is not an integer`);
    return v;
  }
  if (Array.isArray(v)) return { __tuple: v.map((x, i) => itfToEngine(x, `${where}[${i}]`, depth + 1)) };
  if (v === null || typeof v !== 'object') throw new Error(`${where}: unsupported ITF value ${JSON.stringify(v)}`);
  if ('#bigint' in v) {
    const n = Number(v['#bigint']);
    if (typeof v['#bigint'] !== 'string' || !/^-?\d+$/.test(v['#bigint']) || !Number.isSafeInteger(n)) {
      throw new Error(`${where}: bad #bigint ${JSON.stringify(v['#bigint'])}`);
    }
    return n;
  }
  if ('#tup' in v) return { __tuple: arrayOf(v['#tup'], where).map((x, i) => itfToEngine(x, `${where}<${i}>`, depth + 1)) };
  if ('#set' in v) return arrayOf(v['#set'], where).map((x) => itfToEngine(x, `${where}{}`, depth + 1));
  if ('#map' in v) {
    const out = {};
    for (const pair of arrayOf(v['#map'], where)) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new Error(`${where}: #map entries must be [key, value]`);
      const [k, x] = pair;
      if (typeof k !== 'string') throw new Error(`${where}: #map key ${JSON.stringify(k)} is not a string`);
      if (k in out) throw new Error(`${where}: #map key ${JSON.stringify(k)} repeated`);
      out[k] = itfToEngine(x, `${where}[${JSON.stringify(k)}]`, depth + 1);
    }
    return out;
  }
  const keys = Object.keys(v);
  const special = keys.find((k) => k.startsWith('#'));
  if (special) throw new Error(`${where}: unsupported ITF form ${special}`);
  return Object.fromEntries(keys.map((k) => [k, itfToEngine(v[k], `${where}.${k}`, depth + 1)]));
}

function arrayOf(a, where) {
  if (!Array.isArray(a)) throw new Error(`${where}: expected an array`);
  return a;
}

// Canonical string of an engine value. Object keys are sorted, set
// elements are sorted, sequences keep their order. An empty function, set
// and sequence all print as "[]": the engine shows the empty function as
// the empty sequence <<>>, and the typed specs never compare an empty set
// with an empty function.
export function canon(v) {
  if (Array.isArray(v)) {
    return '[' + v.map(canon).sort().join(',') + ']';
  }
  if (v && typeof v === 'object') {
    if ('__tuple' in v) return v.__tuple.length ? '<' + v.__tuple.map(canon).join(',') + '>' : '[]';
    const keys = Object.keys(v).sort();
    if (!keys.length) return '[]';
    return '{' + keys.map((k) => JSON.stringify(k) + ':' + canon(v[k])).join(',') + '}';
  }
  return JSON.stringify(v);
}

// Engine constants JSON (the engine reads arrays as sets, objects as
// records) from ITF constant values.
export function constantsJson(itfConstants) {
  if (itfConstants === undefined) return '{}';
  if (!itfConstants || typeof itfConstants !== 'object' || Array.isArray(itfConstants)) {
    throw new Error('#meta.constants must be an object');
  }
  const out = {};
  for (const [name, v] of Object.entries(itfConstants)) {
    const e = itfToEngine(v, `constant ${name}`);
    if (e && typeof e === 'object' && '__tuple' in e) throw new Error(`constant ${name}: sequences are not supported`);
    out[name] = e;
  }
  return JSON.stringify(out);
}
