'use strict';
// Executes a plan (plan.py) against one side of the exposure differential.
//   node drive.js core PLAN SINK_ADDR TIER   Server Core (npm @statsig/statsig-node-core), specs from
//                                            and events to the loopback sink, then flush + shutdown
//   node drive.js ours PLAN ENDPOINT_ADDR    our endpoint's HTTP API (statsig-operator serve)
// Env: MANUAL_EXPOSURES=0 skips the plan's "manual" calls (ours: POST /v1/log_exposure);
//      OURS_PARAM_NAMES=0 leaves out get_layer's "parameterNames" (the parameters the plan reads;
//      without it ours exposes every parameter at get_layer);
//      GLOBAL_CUSTOM=JSON Server Core's globalCustomFields (ours: serve --global-custom-fields);
//      OVERRIDES=FILE (core) applies Server Core override calls first (overrides.py);
//      VALUES=FILE writes every gate, config, experiment and layer result as JSON lines
//      [call index, op, result], for compare_values.py;
//      PSTORE_VALUES=FILE writes the value of every parameter-store read ("pstore" calls) as JSON
//      lines [call index, parameter, value], for compare_pstores.py.
const fs = require('fs');
const http = require('http');

const [mode, planFile, addr, tier] = process.argv.slice(2);
const plan = JSON.parse(fs.readFileSync(planFile, 'utf8'));
const manual = process.env.MANUAL_EXPOSURES !== '0';
const pstoreValues = [];
const values = [];
// norm: the fields both sides report, nulls for "none" (ours omits some as null).
const norm = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === undefined || v === '' ? null : v]));
function writeValues() {
  if (process.env.VALUES) fs.writeFileSync(process.env.VALUES, values.map((v) => JSON.stringify(v) + '\n').join(''));
}
function writePstoreValues() {
  if (process.env.PSTORE_VALUES) fs.writeFileSync(process.env.PSTORE_VALUES, pstoreValues.map((v) => JSON.stringify(v) + '\n').join(''));
}
if (!/^127\.|^localhost:|^\[::1\]/.test(addr)) throw new Error('loopback only: ' + addr);

async function core() {
  const { Statsig, StatsigUser } = require('@statsig/statsig-node-core');
  const [host, port] = addr.split(':');
  const base = 'http://' + addr;
  const opts = {
    specsUrl: base + '/v2/download_config_specs',
    logEventUrl: base + '/core/v1/log_event',
    idListsUrl: base + '/v1/get_id_lists',
    enableIdLists: false,
    environment: tier,
    specsSyncIntervalMs: 600000,
    initTimeoutMs: 60000,
    outputLogLevel: 'error',
    waitForCountryLookupInit: true,
    waitForUserAgentInit: true,
    // Every Rust-side request goes through the sink, which refuses non-loopback targets
    // (Server Core's sdk_exception reporter is hard-coded to statsigapi.net).
    proxyConfig: { proxyHost: host, proxyPort: Number(port), proxyProtocol: 'http' },
  };
  if (process.env.GLOBAL_CUSTOM) opts.globalCustomFields = JSON.parse(process.env.GLOBAL_CUSTOM);
  const s = new Statsig(plan.sdk_key, opts);
  const r = await s.initialize();
  if (!r || !r.isSuccess) throw new Error('Server Core init failed: ' + JSON.stringify(r));
  if (process.env.OVERRIDES) {
    for (const o of JSON.parse(fs.readFileSync(process.env.OVERRIDES, 'utf8'))) s[o.fn](o.name, o.value, o.id ?? undefined);
  }
  const users = plan.users.map((u) => new StatsigUser(u));
  const record = !!process.env.VALUES;
  for (const [i, c] of plan.calls.entries()) {
    const u = users[c.u];
    switch (c.op) {
      case 'gate':
        s.checkGate(u, c.name);
        if (record) {
          // The result without a second exposure (getFeatureGate's exposures de-duplicate
          // differently from checkGate's, which the plan exercises).
          const g = s.getFeatureGate(u, c.name, { disableExposureLogging: true });
          values.push([i, c.op, norm({ value: g.value, rule_id: g.ruleID })]);
        }
        break;
      case 'config': {
        const d = s.getDynamicConfig(u, c.name);
        if (record) values.push([i, c.op, norm({ value: d.value, rule_id: d.ruleID })]);
        break;
      }
      case 'experiment': {
        const e = s.getExperiment(u, c.name);
        if (record) values.push([i, c.op, norm({ value: e.value, rule_id: e.ruleID, group_name: e.groupName })]);
        break;
      }
      case 'layer': {
        const l = s.getLayer(u, c.name);
        // params null: read every parameter the layer returned for this user.
        for (const p of c.params || Object.keys(l.__value || {})) l.getValue(p, null);
        if (record) {
          values.push([i, c.op, norm({ value: l.__value || {}, rule_id: l.ruleID, group_name: l.groupName,
            allocated: l.allocatedExperimentName })]);
        }
        break;
      }
      case 'event': s.logEvent(u, c.eventName, c.value, c.metadata); break;
      case 'manual':
        if (!manual) break;
        if (c.kind === 'gate') s.manuallyLogFeatureGateExposure(u, c.name);
        else if (c.kind === 'config') s.manuallyLogDynamicConfigExposure(u, c.name);
        else if (c.kind === 'experiment') s.manuallyLogExperimentExposure(u, c.name);
        else s.manuallyLogLayerParamExposure(u, c.name, c.param);
        break;
      case 'pstore': {
        const ps = s.getParameterStore(u, c.name);
        for (const r of c.reads) {
          const v = 'fb' in r ? ps.getValue(r.p, r.fb) : ps.getValue(r.p);
          pstoreValues.push([plan.calls.indexOf(c), r.p, v === undefined ? '<undefined>' : v]);
        }
        break;
      }
      default: throw new Error('unknown op ' + c.op);
    }
  }
  writePstoreValues();
  writeValues();
  const f = await s.flushEvents();
  if (f && f.isSuccess === false) console.error('flushEvents:', JSON.stringify(f));
  await s.shutdown(10000);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function post(path, body) {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const [host, port] = addr.split(':');
    const req = http.request({
      host, port, path, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': data.length, 'statsig-api-key': plan.sdk_key },
    }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function ours() {
  const bad = {};
  for (const [i, c] of plan.calls.entries()) {
    const user = plan.users[c.u];
    let path; let body;
    switch (c.op) {
      case 'gate': path = '/v1/check_gate'; body = { gateName: c.name, user }; break;
      case 'config': path = '/v1/get_config'; body = { configName: c.name, user }; break;
      case 'experiment': path = '/v1/get_experiment'; body = { experimentName: c.name, user }; break;
      case 'layer':
        path = '/v1/get_layer'; body = { layerName: c.name, user };
        if (process.env.OURS_PARAM_NAMES !== '0' && c.params) body.parameterNames = c.params;
        break;
      case 'event':
        path = '/v1/log_event';
        body = { events: [{ eventName: c.eventName, value: c.value, metadata: c.metadata, user }] };
        break;
      case 'manual':
        if (!manual) continue;
        path = '/v1/log_exposure'; body = { user };
        if (c.kind === 'gate') body.gateName = c.name;
        else if (c.kind === 'config') body.configName = c.name;
        else if (c.kind === 'experiment') body.experimentName = c.name;
        else { body.layerName = c.name; body.parameterName = c.param; }
        break;
      case 'pstore': {
        path = '/v1/get_parameter_store';
        const fallbacks = {};
        for (const r of c.reads) if ('fb' in r) fallbacks[r.p] = r.fb;
        body = { storeName: c.name, user, parameterNames: c.reads.map((r) => r.p), fallbacks };
        break;
      }
      default: throw new Error('unknown op ' + c.op);
    }
    const r = await post(path, body);
    if (r.status >= 300) {
      const k = path + ' ' + r.status;
      if (!bad[k]) console.error(`ours: ${k}: ${r.body.slice(0, 200)}`);
      bad[k] = (bad[k] || 0) + 1;
    } else if (process.env.VALUES && ['gate', 'config', 'experiment', 'layer'].includes(c.op)) {
      const b = JSON.parse(r.body);
      if (c.op === 'layer') {
        values.push([i, c.op, norm({ value: b.value || {}, rule_id: b.ruleID, group_name: b.group_name,
          allocated: b.allocatedExperimentName })]);
      } else if (c.op === 'gate') values.push([i, c.op, norm({ value: b.value, rule_id: b.rule_id })]);
      else if (c.op === 'config') values.push([i, c.op, norm({ value: b.value, rule_id: b.rule_id })]);
      else values.push([i, c.op, norm({ value: b.value, rule_id: b.rule_id, group_name: b.group_name })]);
    } else if (c.op === 'pstore') {
      const value = JSON.parse(r.body).value || {};
      for (const rd of c.reads) pstoreValues.push([plan.calls.indexOf(c), rd.p, rd.p in value ? value[rd.p] : '<absent>']);
    }
  }
  writePstoreValues();
  writeValues();
  agent.destroy();
  if (Object.keys(bad).length) {
    console.error('ours: non-2xx answers: ' + JSON.stringify(bad));
    process.exitCode = 3; // every call must be answered

  }
}

(mode === 'core' ? core() : mode === 'ours' ? ours() : Promise.reject(new Error('mode core|ours')))
  .catch((e) => { console.error(e); process.exit(1); });
