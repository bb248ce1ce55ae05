// @openfeature/ofrep-web-provider (ADR-0008 event streams, polling off) on the endpoint of the
// chained cluster (PUSH_CHAIN_ENDPOINT): a flip in the stand-in reaches it through operator A's
// poll, the gRPC stream to operator B, B's snapshot and B's OFREP event stream. Prints
// "ready <value>" then "value <value>" whenever the flag's value changes (hack/pushtest).
'use strict';
const { EventSource } = require('eventsource');
// Node has no EventSource; the provider uses the global one, as in a browser.
globalThis.EventSource = EventSource;
const { OpenFeature } = require('@openfeature/web-sdk');
const { OFREPWebProvider } = require('@openfeature/ofrep-web-provider');

async function main() {
  const env = (k) => {
    const v = process.env[k];
    if (!v) throw new Error(`${k} is required`);
    return v;
  };
  const gate = env('PUSH_GATE');
  await OpenFeature.setContext({ targetingKey: env('PUSH_USER') });
  const provider = new OFREPWebProvider({
    baseUrl: env('PUSH_CHAIN_ENDPOINT'),
    headers: [['Authorization', `Bearer ${env('STATSIG_KEY')}`]],
    pollInterval: 0,
    cacheMode: 'disabled',
    changeDetection: 'sse',
    disableVisibilityRefresh: true,
  });
  await OpenFeature.setProviderAndWait(provider);
  const client = OpenFeature.getClient();
  let value = client.getBooleanValue(gate, false);
  console.log(`ready ${value}`);
  // Reads of the provider's cache (no network): the value changes when an event triggered a re-fetch.
  setInterval(() => {
    const v = client.getBooleanValue(gate, false);
    if (v !== value) {
      value = v;
      console.log(`value ${v}`);
    }
  }, 5);
  process.on('SIGTERM', async () => {
    await OpenFeature.close().catch(() => {});
    process.exit(0);
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
