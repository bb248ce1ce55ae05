// Server Core (@statsig/statsig-node-core) with its gRPC specs adapter (network_grpc_websocket)
// pointed at the operator's gRPC forward proxy, and its HTTP specs URL pointed at a closed
// port: whatever it learns after initialize can only come from the stream. Prints
// "ready <value>" then "value <value>" whenever the gate's value changes (hack/pushtest).
const { Statsig, StatsigUser } = require('@statsig/statsig-node-core');

async function main() {
  const env = (k) => {
    const v = process.env[k];
    if (!v) throw new Error(`${k} is required`);
    return v;
  };
  const gate = env('PUSH_GATE');
  const statsig = new Statsig(env('STATSIG_KEY'), {
    specAdaptersConfig: [
      { adapterType: 'network_grpc_websocket', specsUrl: `http://${env('PUSH_GRPC')}`, initTimeoutMs: 5000 },
    ],
    specsUrl: 'http://127.0.0.1:9/v2/download_config_specs',
    specsSyncIntervalMs: 3600000,
    disableAllLogging: true,
    disableCountryLookup: true,
    outputLogLevel: 'warn',
  });
  const init = await statsig.initialize();
  if (init && init.isSuccess === false) throw new Error(`initialize: ${init.error}`);
  const user = new StatsigUser({ userID: env('PUSH_USER') });
  let value = statsig.checkGate(user, gate);
  console.log(`ready ${value}`);
  // Local evaluations (no network): the value changes when a pushed revision arrives.
  setInterval(() => {
    const v = statsig.checkGate(user, gate);
    if (v !== value) {
      value = v;
      console.log(`value ${v}`);
    }
  }, 5);
  process.on('SIGTERM', async () => {
    await statsig.shutdown(2000).catch(() => {});
    process.exit(0);
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
