'use strict';
// Client initialize response differential: Server Core's getClientInitializeResponse (npm
// @statsig/statsig-node-core, specs through a DataStore) against our endpoint's
// POST /v1/get_client_initialize_response (statsig-operator serve --specs-file), on every payload
// fixture, for a few users × hash algorithms × client keys × options.
//   node gcir.js STATSIG_OPERATOR_BINARY FIXTURE_DIR [OUT_DIR]
// Prints one line per difference category (a path with entity names replaced by *) and exits 1
// when any case differs. Normalised: sdkInfo's values (each side names itself; the keys are
// compared), and, when the payload sets a session replay sampling rate, can_record_session and
// passes_sampling (drawn at random per response by Server Core).
// Env: TIER=staging sets the environment on both sides; FIXTURES=a.json,b.json limits the fixtures; VERBOSE=1 prints every differing path;
//      IGNORE [] leaves parts out of the comparison: param_stores (the client format of
//      parameter stores), cmab_configs (the dynamic_configs entries of cmab_configs).
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const http = require('http');
const { spawn } = require('child_process');

const [bin, fixtureDir, outDir] = process.argv.slice(2);
if (!bin || !fixtureDir) { console.error('usage: node gcir.js BINARY FIXTURE_DIR [OUT_DIR]'); process.exit(2); }
const { Statsig, StatsigUser } = require('@statsig/statsig-node-core');
const KEY = 'secret-gcir-diff';
const TIER = process.env.TIER || ''; // Server Core's environment, ours serve --environment

const USERS = [
  { userID: 'user-1', email: 'someone@statsig.com' },
  { userID: 'user-2', customIDs: { companyID: 'company-7', stableID: 'stable-2' }, country: 'US', locale: 'en_US',
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
    appVersion: '1.2.3', custom: { level: 7, tier: 'gold' }, privateAttributes: { secret: 'x' } },
  { customIDs: { stableID: 'stable-only' }, ip: '1.2.3.4', statsigEnvironment: { tier: 'staging' } },
];
// More varied users (the eval project's sample users, private attributes of other types, fields
// Statsig does not define, users without any ID); EXTRA_USERS=0 leaves them out.
if (process.env.EXTRA_USERS !== '0') {
  USERS.push(
    { userID: 'a_user', email: 'a_user@statsig.com', ip: '1.0.0.0', country: 'US', locale: 'en_US', appVersion: '1.3',
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 10_3_1 like Mac OS X) AppleWebKit/603.1.30 (KHTML, like Gecko) Version/10.0 Mobile/14E304 Safari/602.1',
      custom: { level: 9 }, customIDs: { companyID: '123', stableID: '' } },
    { userID: 'user-not-in-layer-holdout' },
    { userID: 'p', privateAttributes: { n: 12, b: true, s: 'é', o: { x: 1 }, z: null } },
    { userID: 'random_user_99', email: 'x@example.com', custom: { tier: 'free', age: 33.5 }, osName: 'iOS', osVersion: '17.1' },
    {},
    { email: 'no-id@statsig.com', custom: { level: 3 }, customIDs: { stableID: '' } },
  );
}

function post(addr, p, body) {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const [host, port] = addr.split(':');
    const req = http.request({ host, port, path: p, method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': data.length, 'statsig-api-key': KEY } }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function startOurs(file, dir) {
  const addrFile = path.join(dir, 'addr');
  try { fs.unlinkSync(addrFile); } catch (_) { /* absent */ }
  const log = fs.openSync(path.join(dir, 'serve.log'), 'w');
  const args = ['serve', '--specs-file', file, '--listen', '127.0.0.1:0', '--key', KEY, '--addr-file', addrFile];
  if (TIER) args.push('--environment', TIER);
  const p = spawn(bin, args,
    { stdio: ['ignore', log, log] });
  for (let i = 0; i < 200; i++) {
    if (fs.existsSync(addrFile) && fs.readFileSync(addrFile, 'utf8').trim()) return { p, addr: fs.readFileSync(addrFile, 'utf8').trim() };
    if (p.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  p.kill();
  throw new Error('serve did not start: ' + fs.readFileSync(path.join(dir, 'serve.log'), 'utf8').slice(-500));
}

async function startCore(body, proxyAddr) {
  const [host, port] = proxyAddr.split(':');
  const s = new Statsig(KEY, {
    dataStore: { initialize: async () => {}, shutdown: async () => {}, get: async () => ({ result: body, time: 1 }),
      set: async () => {}, supportPollingUpdatesFor: async () => false },
    specAdaptersConfig: [{ adapterType: 'data_store', initTimeoutMs: 60000 }],
    disableAllLogging: true, outputLogLevel: 'none', initTimeoutMs: 60000, enableIdLists: false,
    ...(TIER ? { environment: TIER } : {}),
    // Any stray request goes to our loopback server, never out.
    proxyConfig: { proxyHost: host, proxyPort: Number(port), proxyProtocol: 'http' },
  });
  const r = await s.initialize();
  if (!r || !r.isSuccess) { await s.shutdown(1000); return null; }
  return s;
}

// The cases for one payload: [label, Server Core options, our request fields].
function cases(payload) {
  const keys = [['nokey', null], ['unknownkey', 'client-unknown-gcir-key']];
  for (const k of Object.keys(payload.sdk_keys_to_app_ids || {}).slice(0, 2)) keys.push(['key:' + k, k]);
  const firsts = (sec, entity) => Object.entries(payload[sec] || {})
    .filter(([, v]) => !entity || v.entity === entity).map(([n]) => n).slice(0, 3);
  const gates = firsts('feature_gates', 'feature_gate');
  const out = [];
  for (const hash of ['djb2', 'sha256', 'none']) {
    for (const [kl, key] of keys) {
      const c = { hashAlgorithm: hash }; const o = { hash };
      if (key) { c.clientSdkKey = key; o.clientSDKKey = key; }
      out.push([`${hash}/${kl}`, c, o]);
    }
  }
  const opt = (label, c, o) => out.push(['none/nokey/' + label, { hashAlgorithm: 'none', ...c }, { hash: 'none', ...o }]);
  opt('removeIdType', { removeIdType: true }, { removeIdType: true });
  opt('removeDefaultValueGates', { removeDefaultValueGates: true }, { removeDefaultValueGates: true });
  opt('featureGateFilter', { featureGateFilter: new Set(gates) }, { featureGateFilter: gates });
  const exps = firsts('dynamic_configs', 'experiment'); const dcs = firsts('dynamic_configs', 'dynamic_config');
  const layers = firsts('layer_configs');
  opt('experimentFilter', { experimentFilter: new Set(exps) }, { experimentFilter: exps });
  opt('dynamicConfigFilter', { dynamicConfigFilter: new Set(dcs) }, { dynamicConfigFilter: dcs });
  opt('layerFilter', { layerFilter: new Set(layers) }, { layerFilter: layers });
  const stores = Object.keys(payload.param_stores || {}).slice(0, 1);
  opt('paramStoreFilter', { paramStoreFilter: new Set(stores) }, { paramStoreFilter: stores });
  // responseFormat v2 (GCIRResponseFormat.InitializeWithSecondaryExposureMapping = 1 in the binding).
  for (const hash of ['djb2', 'none']) {
    out.push([`${hash}/nokey/v2`, { hashAlgorithm: hash, responseFormat: 1 }, { hash, responseFormat: 'v2' }]);
  }
  // responseFormat init_v2 (GCIRResponseFormat.InitializeV2 = 2).
  for (const hash of ['djb2', 'none']) {
    out.push([`${hash}/nokey/init_v2`, { hashAlgorithm: hash, responseFormat: 2 }, { hash, responseFormat: 'init_v2' }]);
  }
  opt('init_v2/removeIdType', { responseFormat: 2, removeIdType: true }, { responseFormat: 'init_v2', removeIdType: true });
  out.push(['djb2/unknownkey/v2', { hashAlgorithm: 'djb2', clientSdkKey: 'client-unknown-gcir-key', responseFormat: 1 },
    { hash: 'djb2', clientSDKKey: 'client-unknown-gcir-key', responseFormat: 'v2' }]);
  opt('emptyFilters', { featureGateFilter: new Set(), layerFilter: new Set(), paramStoreFilter: new Set() },
    { featureGateFilter: [], layerFilter: [], paramStoreFilter: [] });
  // previousResponseHash: a stale one (the response carries full_checksum), and the one Server
  // Core just returned for the same request (the answer is blank); CURRENT_HASH is replaced per user.
  for (const hash of ['djb2', 'none']) {
    out.push([`${hash}/nokey/previousResponseHash-stale`, { hashAlgorithm: hash, previousResponseHash: 'stale' },
      { hash, previousResponseHash: 'stale' }]);
    out.push([`${hash}/nokey/previousResponseHash-current`, { hashAlgorithm: hash, previousResponseHash: CURRENT_HASH },
      { hash, previousResponseHash: CURRENT_HASH }]);
  }
  return out;
}

const CURRENT_HASH = '<current>';
// Where Server Core's full_checksum depends on its HashMap iteration order (more than one
// parameter store or session replay trigger, layers with parameter_rule_ids, merged layer
// values) it is not reproducible even by Server Core; those payloads compare only its presence.
function checksumDeterministic(payload) {
  const sr = payload.session_replay_info || {};
  const many = (o) => Object.keys(o || {}).length > 1;
  const newLayerEval = Object.values(payload.layer_configs || {}).some((l) => l.useNewLayerEval || l.hasSharedParams);
  return !many(payload.param_stores) && !many(sr.session_recording_event_triggers) &&
    !many(sr.session_recording_exposure_triggers) && !newLayerEval;
}
const IGNORE = (process.env.IGNORE ?? '').split(',').filter(Boolean);
function djb2(s) {
  let h = 0;
  for (const ch of s) h = (Math.imul(h, 31) + ch.codePointAt(0)) >>> 0;
  return String(h);
}
const sha256 = (s) => crypto.createHash('sha256').update(s).digest('base64');

// resolveInitV2 replaces init_v2's value and exposure IDs by what they refer to: Server Core
// numbers them in its HashMap iteration order, which changes from process to process.
function resolveInitV2(r) {
  if (!r || r.response_format !== 'init-v2') return;
  const values = r.values || {}; const exposures = r.exposures || {};
  const expo = (ids) => ids.map((id) => exposures[id] ?? { unknownExposureId: id });
  for (const sec of ['feature_gates', 'dynamic_configs', 'layer_configs']) {
    for (const e of Object.values(r[sec] || {})) {
      if (sec !== 'feature_gates' && 'v' in e) e.v = (e.v in values) ? values[e.v] : { unknownValueId: e.v };
      if (e.s) e.s = expo(e.s);
      if (e.us) e.us = expo(e.us);
    }
  }
  r.values = Object.keys(values).length; r.exposures = Object.keys(exposures).length;
}

function normalise(r, payload) {
  resolveInitV2(r);
  // The values of ignored CMAB entries are in init_v2's values map: its size is not comparable then.
  if (r && typeof r.values === 'number' && IGNORE.includes('cmab_configs') && Object.keys(payload.cmab_configs || {}).length) delete r.values;
  if (r && IGNORE.includes('param_stores')) delete r.param_stores;
  if (r && r.dynamic_configs && IGNORE.includes('cmab_configs')) {
    for (const n of Object.keys(payload.cmab_configs || {})) for (const k of [n, djb2(n), sha256(n)]) delete r.dynamic_configs[k];
  }
  if (r && 'full_checksum' in r && !checksumDeterministic(payload)) r.full_checksum = '<nondeterministic>';
  if (r && r.sdkInfo && typeof r.sdkInfo === 'object') for (const k of Object.keys(r.sdkInfo)) r.sdkInfo[k] = '<sdk>';
  const sr = payload.session_replay_info;
  if (r && sr) {
    const random = (rate) => rate != null && rate > 0 && rate < 1;
    if (random(sr.sampling_rate) && 'can_record_session' in r) r.can_record_session = '<random>';
    for (const t of ['session_recording_event_triggers', 'session_recording_exposure_triggers']) {
      if (Object.values(sr[t] || {}).some((v) => random(v.sampling_rate))) {
        for (const v of Object.values(r[t] || {})) if ('passes_sampling' in v) v.passes_sampling = '<random>';
      }
    }
  }
  return r;
}

// diff appends [path, category, a, b] for every differing leaf.
function diff(a, b, p, cat, out) {
  if (a === b) return;
  const ta = a === null ? 'null' : Array.isArray(a) ? 'array' : typeof a;
  const tb = b === null ? 'null' : Array.isArray(b) ? 'array' : typeof b;
  if (ta === 'object' && tb === 'object') {
    const entities = /^(feature_gates|dynamic_configs|layer_configs|param_stores|session_recording_\w+_triggers)$/.test(p);
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const c = cat + '.' + (entities ? '*' : k);
      if (!(k in a)) out.push([p + '.' + k, c + ' missing in core', undefined, b[k]]);
      else if (!(k in b)) out.push([p + '.' + k, c + ' missing in ours', a[k], undefined]);
      else diff(a[k], b[k], p ? p + '.' + k : k, c, out);
    }
    return;
  }
  if (ta === 'array' && tb === 'array' && JSON.stringify([...a].map((x) => JSON.stringify(x)).sort()) === JSON.stringify([...b].map((x) => JSON.stringify(x)).sort())) {
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push([p, cat + ' order', a, b]);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push([p, cat, a, b]);
}

(async () => {
  const dir = outDir || fs.mkdtempSync('/tmp/gcir-diff-');
  fs.mkdirSync(dir, { recursive: true });
  const only = process.env.FIXTURES ? process.env.FIXTURES.split(',') : null;
  const files = fs.readdirSync(fixtureDir).filter((f) => f.endsWith('.json') && (!only || only.includes(f))).sort();
  const cats = new Map(); let total = 0; let differing = 0; const skipped = [];
  const runs = files.map((f) => [f, path.join(fixtureDir, f)]);
  // Session replay variants (the fixtures set only sampling_rate, recording_blocked and privacy
  // settings): a targeting gate, triggers and a blocked recording, on the first fixture with gates.
  const base = files.find((f) => f === 'demo_proj_dcs.json');
  if (base) {
    const p = JSON.parse(fs.readFileSync(path.join(fixtureDir, base), 'utf8'));
    const gates = Object.keys(p.feature_gates);
    const variants = {
      'replay-targeting': { sampling_rate: 1, targeting_gate: gates[0], recording_blocked: false,
        session_recording_event_triggers: { ev_a: { values: ['a', 'b'], sampling_rate: 1 }, ev_b: {}, ev_c: { sampling_rate: 0 } },
        session_recording_exposure_triggers: { [gates[1]]: { sampling_rate: 1 }, [gates[2]]: { values: ['x'] } },
        session_recording_privacy_settings: { privacy_mode: 'min', blocked_elements: ['#b'] } },
      'replay-blocked': { recording_blocked: true, sampling_rate: 0 },
      'replay-empty': {},
    };
    // Known difference, opt-in: Server Core evaluates the targeting gate without resetting the
    // previous result, so a gate missing from the payload reports the bool value of whichever
    // entity it evaluated last (hash map order); ours reports false.
    if (process.env.REPLAY_MISSING_GATE === '1') variants['replay-missing-gate'] = { targeting_gate: 'no_such_gate_anywhere' };
    for (const [name, info] of Object.entries(variants)) {
      const file = path.join(dir, `${base}+${name}.json`);
      fs.writeFileSync(file, JSON.stringify({ ...p, session_replay_info: info }));
      runs.push([`${base}+${name}`, file]);
    }
  }
  for (const [f, file] of runs) {
    const body = fs.readFileSync(file, 'utf8');
    const payload = JSON.parse(body);
    if (!payload.feature_gates) { skipped.push(f + ' (not a payload)'); continue; }
    const ours = await startOurs(file, dir);
    let core = null;
    try {
      core = await startCore(body, ours.addr);
      if (!core) { skipped.push(f + ' (Server Core did not initialize)'); continue; }
      for (const [label, copts, oreq] of cases(payload)) {
        for (let ui = 0; ui < USERS.length; ui++) {
          total++;
          let co = copts; let oq = oreq;
          if (copts.previousResponseHash === CURRENT_HASH) {
            if (!checksumDeterministic(payload)) { total--; continue; }
            const first = JSON.parse(core.getClientInitializeResponse(new StatsigUser(USERS[ui]), { ...copts, previousResponseHash: 'stale' }));
            co = { ...copts, previousResponseHash: first.full_checksum }; oq = { ...oreq, previousResponseHash: first.full_checksum };
          }
          const a = normalise(JSON.parse(core.getClientInitializeResponse(new StatsigUser(USERS[ui]), co)), payload);
          const res = await post(ours.addr, '/v1/get_client_initialize_response', { user: USERS[ui], ...oq });
          let b;
          try { b = res.status === 200 ? normalise(JSON.parse(res.body), payload) : { status: res.status, body: res.body }; } catch (e) { b = { unparsable: res.body }; }
          const d = [];
          diff(a, b, '', '', d);
          if (!d.length) continue;
          differing++;
          for (const [p, c, x, y] of d) {
            const key = c;
            if (!cats.has(key)) cats.set(key, { n: 0, cases: new Set(), example: `${f} ${label} user${ui} ${p}: core=${JSON.stringify(x)?.slice(0, 160)} ours=${JSON.stringify(y)?.slice(0, 160)}` });
            const e = cats.get(key); e.n++; e.cases.add(`${f} ${label}`);
            if (process.env.VERBOSE) console.log(`${f} ${label} user${ui} ${p}: core=${JSON.stringify(x)} ours=${JSON.stringify(y)}`);
          }
        }
      }
    } finally {
      if (core) await core.shutdown(1000);
      ours.p.kill();
    }
  }
  for (const [c, e] of [...cats.entries()].sort((x, y) => y[1].n - x[1].n)) {
    console.log(`DIFF ${c}: ${e.n} leaves in ${e.cases.size} fixture/case pairs; e.g. ${e.example}`);
  }
  for (const s of skipped) console.log('SKIPPED ' + s);
  console.log(`TOTAL ${total} responses, ${differing} differing, ${cats.size} categories`);
  process.exit(differing ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(2); });
