'use strict';
// Real-client differential for the client initialize response: @statsig/js-client (npm)
// initialized over the network from our endpoint (networkConfig.api → POST /v1/initialize,
// events → POST /v1/rgstr), and bootstrapped from our /v1/get_client_initialize_response,
// against the same client bootstrapped from Server Core's getClientInitializeResponse
// (@statsig/statsig-node-core) for the same user, client key and hash. Every gate, dynamic config, experiment, layer (each parameter) and parameter store
// parameter of each payload fixture is read from both clients and compared (value, rule ID,
// group name, ID type, allocated experiment); then the exposures each client logged are
// compared: the bootstrapped client's as it sends them, the networked client's as our
// endpoint forwarded them to a loopback log_event sink.
//   node jsclient.js STATSIG_OPERATOR_BINARY FIXTURE_DIR [OUT_DIR]
// Env: FIXTURES=a.json,b.json limits the fixtures; VERBOSE=1 prints every difference;
//      IGNORE=param_stores leaves parameter stores out.
const fs = require('fs');
const path = require('path');
const http = require('http');
const { spawn } = require('child_process');

const [bin, fixtureDir, outArg] = process.argv.slice(2);
if (!bin || !fixtureDir) { console.error('usage: node jsclient.js BINARY FIXTURE_DIR [OUT_DIR]'); process.exit(2); }
const { Statsig, StatsigUser } = require('@statsig/statsig-node-core');
const { StatsigClient } = require('@statsig/js-client');
const SERVER_KEY = 'secret-jsclient-diff';
const CLIENT_KEY = 'client-jsclient-diff';
const IGNORE = (process.env.IGNORE ?? '').split(',').filter(Boolean);
const VERBOSE = process.env.VERBOSE === '1';

// Users as an app gives them to js-client: none carries the device's stableID but the last,
// so the endpoint must take it from statsigMetadata as Statsig's servers do.
const USERS = [
  { userID: 'user-1', email: 'someone@statsig.com' },
  { userID: 'user-2', customIDs: { companyID: 'company-7' }, country: 'US', locale: 'en_US', appVersion: '1.2.3',
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
    custom: { level: 7, tier: 'gold' }, privateAttributes: { secret: 'x' } },
  { userID: 'a_user', email: 'a_user@statsig.com', ip: '1.0.0.0', custom: { level: 9 }, customIDs: { companyID: '123' } },
  {},
  { customIDs: { stableID: 'own-stable-id' } },
];

// canonical is JSON with object keys sorted: key order carries no meaning in values.
function canonical(v) {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  if (v && typeof v === 'object') return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canonical(v[k])).join(',') + '}';
  return JSON.stringify(v === undefined ? null : v);
}

// gcirFromOurs is our /v1/get_client_initialize_response for a user, hash and client key.
function gcirFromOurs(addr, user, hash, clientKey) {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify({ user, hash, clientSDKKey: clientKey }));
    const [host, port] = addr.split(':');
    const req = http.request({ host, port, path: '/v1/get_client_initialize_response', method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': data.length, 'statsig-api-key': SERVER_KEY } }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString())
        : reject(new Error(`get_client_initialize_response: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(data);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A loopback log_event sink: what the endpoint forwards upstream.
function startSink() {
  const events = [];
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      let buf = Buffer.concat(chunks);
      const enc = (req.headers['content-encoding'] || '').toLowerCase();
      try {
        if (enc === 'gzip') buf = require('zlib').gunzipSync(buf);
        else if (enc === 'zstd') throw new Error('zstd');
        const body = JSON.parse(buf.toString());
        for (const e of body.events || []) events.push(e);
      } catch (e) { console.error('sink: undecodable batch', enc, e.message); }
      res.writeHead(202, { 'content-type': 'application/json' }); res.end('{"success":true}');
    });
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({ srv, events, port: srv.address().port })));
}

async function startOurs(file, dir, clientKeys, sinkPort) {
  const addrFile = path.join(dir, 'addr');
  try { fs.unlinkSync(addrFile); } catch (_) { /* absent */ }
  const log = fs.openSync(path.join(dir, 'serve.log'), 'a');
  const args = ['serve', '--specs-file', file, '--listen', '127.0.0.1:0', '--key', SERVER_KEY, '--addr-file', addrFile,
    '--client-keys', clientKeys.join(','), '--disable-logging=false',
    '--log-event-url', `http://127.0.0.1:${sinkPort}/v1/log_event`];
  const p = spawn(bin, args, { stdio: ['ignore', log, log] });
  for (let i = 0; i < 200; i++) {
    if (fs.existsSync(addrFile) && fs.readFileSync(addrFile, 'utf8').trim()) return { p, addr: fs.readFileSync(addrFile, 'utf8').trim() };
    if (p.exitCode !== null) break;
    await sleep(50);
  }
  p.kill();
  throw new Error('serve did not start: ' + fs.readFileSync(path.join(dir, 'serve.log'), 'utf8').slice(-500));
}

// stopOurs ends serve with SIGTERM: it flushes every queued event before exiting.
function stopOurs(ours) {
  return new Promise((resolve) => {
    if (ours.p.exitCode !== null) { resolve(); return; }
    ours.p.on('exit', () => resolve());
    ours.p.kill('SIGTERM');
  });
}

async function startCore(body, proxyAddr) {
  const [host, port] = proxyAddr.split(':');
  const s = new Statsig(SERVER_KEY, {
    dataStore: { initialize: async () => {}, shutdown: async () => {}, get: async () => ({ result: body, time: 1 }),
      set: async () => {}, supportPollingUpdatesFor: async () => false },
    specAdaptersConfig: [{ adapterType: 'data_store', initTimeoutMs: 60000 }],
    disableAllLogging: true, outputLogLevel: 'none', initTimeoutMs: 60000, enableIdLists: false,
    proxyConfig: { proxyHost: host, proxyPort: Number(port), proxyProtocol: 'http' },
  });
  const r = await s.initialize();
  if (!r || !r.isSuccess) { await s.shutdown(1000); return null; }
  return s;
}

// read reads every entity of the payload from a client, in a fixed order (the order matters:
// js-client logs an exposure once per entity and client).
function read(client, payload) {
  const out = {};
  const specs = (sec) => Object.entries(payload[sec] || {}).filter(([, v]) => v && v.entity !== 'segment' && v.entity !== 'holdout');
  for (const [n] of specs('feature_gates')) {
    const g = client.getFeatureGate(n);
    out['gate ' + n] = { value: g.value, ruleID: g.ruleID, idType: g.idType };
  }
  for (const [n, spec] of specs('dynamic_configs')) {
    if (spec.entity === 'experiment' || spec.entity === 'autotune') {
      const e = client.getExperiment(n);
      out['experiment ' + n] = { value: e.value, ruleID: e.ruleID, groupName: e.groupName, idType: e.idType };
    } else {
      const c = client.getDynamicConfig(n);
      out['config ' + n] = { value: c.value, ruleID: c.ruleID, idType: c.idType };
    }
  }
  for (const [n, spec] of specs('layer_configs')) {
    const l = client.getLayer(n);
    const params = Object.keys((spec.defaultValue && typeof spec.defaultValue === 'object') ? spec.defaultValue : {});
    const values = {};
    for (const p of params) values[p] = l.get(p);
    out['layer ' + n] = { ruleID: l.ruleID, groupName: l.groupName, allocatedExperimentName: l.allocatedExperimentName, values };
  }
  if (!IGNORE.includes('param_stores')) {
    for (const [n, store] of Object.entries(payload.param_stores || {})) {
      const s = client.getParameterStore(n);
      const values = {};
      for (const p of Object.keys(store.parameters || {})) values[p] = s.get(p);
      out['param_store ' + n] = values;
    }
  }
  return out;
}

// exposureKey is what an exposure says about the evaluation: its name, metadata and
// secondary exposures (users differ by design: ours carry the stableID as a custom ID).
function exposureKey(e) {
  const md = { ...(e.metadata || {}) };
  // bootstrapMetadata: js-client describes where a bootstrap came from (the network side has none).
  delete md.reason; delete md.lcut; delete md.receivedAt; delete md.time; delete md.bootstrapMetadata;
  const sorted = Object.fromEntries(Object.entries(md).sort());
  return canonical([e.eventName, sorted, e.secondaryExposures || []]);
}
const isExposure = (e) => /^statsig::(gate|config|layer)_exposure$/.test(e.eventName);

(async () => {
  const dir = outArg || fs.mkdtempSync('/tmp/jsclient-diff-');
  fs.mkdirSync(dir, { recursive: true });
  const only = process.env.FIXTURES ? process.env.FIXTURES.split(',') : null;
  const files = fs.readdirSync(fixtureDir).filter((f) => f.endsWith('.json') && (!only || only.includes(f))).sort();
  let compared = 0; let differing = 0; let clients = 0; let exposuresCompared = 0; const skipped = []; const notes = [];
  const sink = await startSink();
  for (const f of files) {
    const file = path.join(fixtureDir, f);
    const body = fs.readFileSync(file, 'utf8');
    const payload = JSON.parse(body);
    if (!payload.feature_gates) { skipped.push(f + ' (not a payload)'); continue; }
    // A key of its own per fixture: js-client keeps values per key and user in memory, and
    // takes no response older than what it holds.
    const ownKey = `${CLIENT_KEY}-${files.indexOf(f)}`;
    const keys = [ownKey, ...Object.keys(payload.sdk_keys_to_app_ids || {}).slice(0, 2)];
    sink.events.length = 0;
    const ours = await startOurs(file, dir, keys, sink.port);
    const core = await startCore(body, ours.addr);
    if (!core) { skipped.push(f + ' (Server Core did not initialize)'); await stopOurs(ours); continue; }
    const bootEvents = [];
    const netClients = [];
    const comparedBefore = compared;
    try {
      for (const key of keys) {
        for (const hash of key === ownKey ? ['djb2', 'sha256'] : ['djb2']) {
          for (let ui = 0; ui < USERS.length; ui++) {
            const user = USERS[ui];
            const label = `${f} ${key} ${hash} user#${ui}`;
            const net = new StatsigClient(key, user, {
              networkConfig: { api: `http://${ours.addr}/v1`, initializeHashAlgorithm: hash }, logLevel: 0, disableStorage: true, loggingEnabled: 'always',
              loggingBufferMaxSize: 1000, loggingIntervalMs: 3600000,
            });
            await net.initializeAsync();
            netClients.push(net);
            const ctx = net.getContext();
            const reason = net.getFeatureGate('__probe__', { disableExposureLog: true }).details.reason;
            if (!String(reason).startsWith('Network')) {
              differing++; notes.push(`${label}: the networked client did not initialize from the endpoint (${reason})`);
              continue;
            }
            const stableID = (user.customIDs && user.customIDs.stableID) || ctx.stableID;
            const coreUser = { ...user, customIDs: { ...(user.customIDs || {}), stableID } };
            const gcir = core.getClientInitializeResponse(new StatsigUser(coreUser), { hashAlgorithm: hash, clientSdkKey: key });
            const boot = new StatsigClient(key, user, {
              networkConfig: { initializeHashAlgorithm: hash, networkOverrideFunc: async (url, args) => {
                if (String(url).includes('/rgstr')) {
                  let b = args.body;
                  if (typeof b !== 'string') b = (String(url).includes('gz=1') ? require('zlib').gunzipSync(Buffer.from(b)) : Buffer.from(b)).toString();
                  try { for (const e of JSON.parse(b).events || []) bootEvents.push(e); } catch (e) { console.error('boot: undecodable batch', e.message); }
                }
                return new Response('{"success":true}', { status: 202 });
              } }, logLevel: 0, disableStorage: true, loggingEnabled: 'always', loggingBufferMaxSize: 1000, loggingIntervalMs: 3600000,
            });
            boot.dataAdapter.setData(gcir);
            boot.initializeSync();
            // A third client bootstrapped from our client initialize response (logging off: the
            // exposure comparison is between the first two).
            const oursBoot = new StatsigClient(key, user, {
              networkConfig: { initializeHashAlgorithm: hash, preventAllNetworkTraffic: true },
              logLevel: 0, disableStorage: true, loggingEnabled: 'disabled',
            });
            oursBoot.dataAdapter.setData(await gcirFromOurs(ours.addr, coreUser, hash, key));
            oursBoot.initializeSync();
            const a = read(boot, payload);
            const b = read(net, payload);
            const c = read(oursBoot, payload);
            clients++;
            for (const [side, got] of [['ours over the network', b], ['ours bootstrapped', c]]) {
              for (const k of new Set([...Object.keys(a), ...Object.keys(got)])) {
                compared++;
                if (canonical(a[k]) !== canonical(got[k])) {
                  differing++;
                  if (VERBOSE || notes.length < 40) notes.push(`${label} ${k}: core ${JSON.stringify(a[k])} ${side} ${JSON.stringify(got[k])}`);
                }
              }
            }
            await boot.shutdown();
            await oursBoot.shutdown();
          }
        }
      }
      for (const c of netClients) await c.shutdown();
    } finally {
      await core.shutdown(1000);
      await stopOurs(ours);
    }
    // Exposures: the same multiset from the bootstrapped clients (as js-client sends them)
    // and from the networked ones (as our endpoint forwarded them upstream).
    const count = (evs) => { const m = new Map(); for (const e of evs.filter(isExposure)) { const k = exposureKey(e); m.set(k, (m.get(k) || 0) + 1); } return m; };
    await sleep(200);
    const ma = count(bootEvents); const mb = count(sink.events);
    let n = 0;
    for (const k of new Set([...ma.keys(), ...mb.keys()])) {
      const ca = ma.get(k) || 0; const cb = mb.get(k) || 0; n += Math.max(ca, cb);
      if (ca !== cb) { differing++; if (VERBOSE || notes.length < 40) notes.push(`${f} exposure ${k}: core-bootstrapped ${ca}, ours ${cb}`); }
    }
    exposuresCompared += n;
    const read0 = compared === comparedBefore; // a payload with no entity logs nothing
    if (n === 0 && !read0) { differing++; notes.push(`${f}: no exposures were logged`); }
  }
  sink.srv.close();
  for (const n of notes) console.log(n);
  for (const s of skipped) console.log('skipped: ' + s);
  console.log(`TOTAL clients ${clients} entities ${compared} exposures ${exposuresCompared} differing ${differing}`);
  process.exit(differing === 0 && clients > 0 ? 0 : 1);
})().catch((e) => { console.error(e); process.exit(1); });
