// Real OFREP web provider (@openfeature/ofrep-web-provider, ADR-0008 event streams) against
// `statsig-operator serve --specs-url` following the Statsig stand-in: a gate flipped in the
// stand-in must reach the provider through the event stream (PROVIDER_CONFIGURATION_CHANGED
// and the new value), with polling off, within the sync interval + 1 s.
//
// Usage: node ofrepsse.js <endpoint URL> <stand-in URL> <client key> <gate> <sync interval ms>
'use strict';
const { EventSource } = require('eventsource');
// Node has no EventSource; the provider uses the global one, as in a browser.
globalThis.EventSource = EventSource;
const { OpenFeature, ProviderEvents } = require('@openfeature/web-sdk');
const { OFREPWebProvider } = require('@openfeature/ofrep-web-provider');

const [endpoint, standin, key, gate, syncMs] = process.argv.slice(2);
const budgetMs = Number(syncMs) + 1000;

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

  for (let i = 0; ; i++) {
    if ((await streams()) >= 1) break;
    if (i > 100) throw new Error('the provider never opened the event stream');
    await sleep(50);
  }
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
  console.log(`OK latency ms: ${latencies.join(' ')} (max ${Math.max(...latencies)}, budget ${budgetMs})`);
  await OpenFeature.close();
}

main().then(() => process.exit(0), (err) => { console.error('FAIL', err && err.stack || err); process.exit(1); });
