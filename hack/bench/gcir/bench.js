'use strict';
// Times Server Core's getClientInitializeResponse (npm @statsig/statsig-node-core, specs from a
// DataStore, no network) on a payload, for hack/bench/gcir/bench.sh.
//   node bench.js PAYLOAD.json [ITERATIONS]
// Prints "core <µs per response> <bytes per response>".
const fs = require('fs');
const { Statsig, StatsigUser } = require('@statsig/statsig-node-core');

const [file, iters = '50'] = process.argv.slice(2);
(async () => {
  const body = fs.readFileSync(file, 'utf8');
  const s = new Statsig('secret-gcir-bench', {
    dataStore: { initialize: async () => {}, shutdown: async () => {}, get: async () => ({ result: body, time: 1 }),
      set: async () => {}, supportPollingUpdatesFor: async () => false },
    specAdaptersConfig: [{ adapterType: 'data_store', initTimeoutMs: 120000 }],
    disableAllLogging: true, outputLogLevel: 'none', initTimeoutMs: 120000, enableIdLists: false,
    proxyConfig: { proxyHost: '127.0.0.1', proxyPort: 9, proxyProtocol: 'http' },
  });
  const r = await s.initialize();
  if (!r || !r.isSuccess) throw new Error('Server Core did not initialize');
  const user = new StatsigUser({ userID: 'user-1', email: 'someone@statsig.com', customIDs: { companyID: 'c-1', stableID: 's-1' } });
  const opts = { hashAlgorithm: 'djb2' };
  let out = '';
  for (let i = 0; i < 3; i++) out = s.getClientInitializeResponse(user, opts); // warm up
  const n = Number(iters);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) out = s.getClientInitializeResponse(user, opts);
  const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
  console.log(`core ${us.toFixed(1)} ${out.length}`);
  await s.shutdown(1000);
})().catch((e) => { console.error(e); process.exit(1); });
