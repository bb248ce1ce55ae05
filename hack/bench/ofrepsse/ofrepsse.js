// Real OFREP web provider (@openfeature/ofrep-web-provider, ADR-0008 event streams) against
// `statsig-operator serve --specs-url` following the Statsig stand-in: a gate flipped in the
// stand-in must reach the provider through the event stream (PROVIDER_CONFIGURATION_CHANGED
// and the new value), with polling off, within the sync interval + 1 s. Then the endpoint
// restarts (a replica going away) while the gate is flipped: the provider's reconnect must
// bring the change.
//
// Usage: node ofrepsse.js <statsig-operator> <stand-in URL> <client key> <gate> <sync interval> <dir>
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { EventSource } = require('eventsource');
// Node has no EventSource; the provider uses the global one, as in a browser.
globalThis.EventSource = EventSource;
const { OpenFeature, ProviderEvents } = require('@openfeature/web-sdk');
const { OFREPWebProvider } = require('@openfeature/ofrep-web-provider');

const [operator, standin, key, gate, syncInterval, dir] = process.argv.slice(2);
const syncMs = syncInterval.endsWith('ms') ? Number(syncInterval.slice(0, -2)) : Number(syncInterval.replace(/s$/, '')) * 1000;
const budgetMs = syncMs + 1000;
let endpoint = '';
let server = null;

// startServer runs `serve --specs-url` on listen (127.0.0.1:0 the first time, then the same
// address, as a replacement replica behind the same Service would be) and waits for it.
async function startServer(listen, n) {
  const addrFile = path.join(dir, `serve${n}.addr`);
  fs.rmSync(addrFile, { force: true });
  const log = fs.openSync(path.join(dir, `serve${n}.log`), 'w');
  server = spawn(operator, ['serve', '--specs-url', `${standin}/v2/download_config_specs`, '--specs-sync-interval', syncInterval,
    '--listen', listen, '--key', 'secret-ofrep-sse-test', '--client-keys', key, '--addr-file', addrFile], { stdio: ['ignore', log, log] });
  for (let i = 0; i < 200; i++) {
    if (fs.existsSync(addrFile) && fs.readFileSync(addrFile, 'utf8')) {
      endpoint = 'http://' + fs.readFileSync(addrFile, 'utf8').trim();
      return;
    }
    await sleep(50);
  }
  throw new Error(`serve did not start (log in ${dir}/serve${n}.log)`);
}

async function stopServer() {
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
}
process.on('exit', () => { if (server && server.exitCode === null) server.kill('SIGKILL'); });

// Every bulk request the provider makes, with whether an event triggered it (flagConfigEtag).
const bulk = [];
const fetchImpl = (input, init) => {
  const url = typeof input === 'string' ? input : input.url;
  if (url.includes('/ofrep/v1/evaluate/flags')) {
    bulk.push({ at: Date.now(), sse: new URL(url).searchParams.has('flagConfigEtag') });
  }
  return fetch(input, init);
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function streams() {
  const text = await (await fetch(endpoint + '/metrics')).text();
  const m = text.match(/^statsig_operator_push_streams\{kind="sse"\} (\d+)/m);
  return m ? Number(m[1]) : 0;
}

async function flip(pct) {
  const res = await fetch(`${standin}/_standin/gate?name=${encodeURIComponent(gate)}&pass_percentage=${pct}`, { method: 'POST' });
  if (!res.ok) throw new Error(`stand-in gate flip: ${res.status} ${await res.text()}`);
}

async function main() {
  await startServer('127.0.0.1:0', 0);
  await OpenFeature.setContext({ targetingKey: 'ofrep-sse-user' });
  const provider = new OFREPWebProvider({
    baseUrl: endpoint,
    headers: [['Authorization', `Bearer ${key}`]],
    fetchImplementation: fetchImpl,
    pollInterval: 0,
    cacheMode: 'disabled',
    changeDetection: 'sse',
    disableVisibilityRefresh: true,
  });
  await OpenFeature.setProviderAndWait(provider);
  const client = OpenFeature.getClient();
  let changed = null;
  client.addHandler(ProviderEvents.ConfigurationChanged, () => changed && changed());
  const waitStream = async () => {
    for (let i = 0; ; i++) {
      if ((await streams()) >= 1) return;
      if (i > 200) throw new Error('the provider has no event stream open');
      await sleep(50);
    }
  };
  await waitStream();

  const latencies = [];
  for (let round = 0; round < 3; round++) {
    const before = client.getBooleanValue(gate, false);
    const requests = bulk.length;
    const seen = new Promise((resolve) => { changed = resolve; });
    const t0 = Date.now();
    await flip(before ? 0 : 100);
    const timeout = sleep(budgetMs + 5000).then(() => 'timeout');
    if ((await Promise.race([seen, timeout])) === 'timeout') {
      throw new Error(`round ${round}: no PROVIDER_CONFIGURATION_CHANGED within ${budgetMs + 5000} ms`);
    }
    const ms = Date.now() - t0;
    const after = client.getBooleanValue(gate, false);
    if (after === before) throw new Error(`round ${round}: configuration changed but ${gate} is still ${after}`);
    const fetched = bulk.slice(requests);
    if (fetched.length === 0 || !fetched.every((r) => r.sse)) {
      throw new Error(`round ${round}: re-fetches ${JSON.stringify(fetched)}: want only event-triggered ones (flagConfigEtag)`);
    }
    latencies.push(ms);
    console.log(`round ${round}: ${gate} ${before} -> ${after} in ${ms} ms (budget ${budgetMs} ms; ${fetched.length} event-triggered re-fetch)`);
    if (ms > budgetMs) throw new Error(`round ${round}: ${ms} ms > sync interval + 1 s (${budgetMs} ms)`);
  }

  // The endpoint goes away; the gate flips while it is down; a new one starts on the same
  // address. The provider's EventSource reconnects with its Last-Event-ID and must get the
  // change without polling.
  const before = client.getBooleanValue(gate, false);
  const requests = bulk.length;
  const seen = new Promise((resolve) => { changed = resolve; });
  const listen = endpoint.replace('http://', '');
  const tStop = Date.now();
  await stopServer();
  const stopMs = Date.now() - tStop;
  await flip(before ? 0 : 100);
  await startServer(listen, 1);
  const t0 = Date.now();
  const limit = 10000;
  if ((await Promise.race([seen, sleep(limit).then(() => 'timeout')])) === 'timeout') {
    throw new Error(`restart: no PROVIDER_CONFIGURATION_CHANGED within ${limit} ms of the new endpoint starting`);
  }
  const ms = Date.now() - t0;
  const after = client.getBooleanValue(gate, false);
  if (after === before) throw new Error(`restart: configuration changed but ${gate} is still ${after}`);
  const fetched = bulk.slice(requests);
  if (!fetched.some((r) => r.sse)) {
    throw new Error(`restart: re-fetches ${JSON.stringify(fetched)}: want one triggered by the reconnected stream`);
  }
  console.log(`restart: old endpoint stopped in ${stopMs} ms; ${gate} ${before} -> ${after} ${ms} ms after the new one started ` +
    `(EventSource reconnect delay included; ${fetched.length} re-fetch(es), ${fetched.filter((r) => r.sse).length} event-triggered)`);
  console.log(`OK latency ms: ${latencies.join(' ')} (max ${Math.max(...latencies)}, budget ${budgetMs}); after a restart: ${ms}`);
  await OpenFeature.close();
  await stopServer();
}

main().then(() => process.exit(0), (err) => { console.error('FAIL', err && err.stack || err); process.exit(1); });
