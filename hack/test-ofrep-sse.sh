#!/usr/bin/env bash
# Real-client test of OFREP change notifications: @openfeature/ofrep-web-provider (npm, pinned in
# hack/bench/ofrepsse/package-lock.json; it implements ADR-0008 event streams) with polling off
# and EventSource from the `eventsource` package, against `statsig-operator serve --specs-url`
# following the Statsig stand-in (go run ./hack/statsig-standin). A gate flipped in the stand-in
# must reach the provider through the event stream within the sync interval + 1 s; then the
# endpoint restarts while the gate flips, and the provider's reconnect must bring the change
# (hack/bench/ofrepsse/ofrepsse.js, which runs `serve`); the measured latencies are printed.
#
# Env: STATSIG_OPERATOR_BIN (a built statsig-operator; default: built here), SYNC_INTERVAL [1s],
#      STATSIG_OPERATOR_CACHE [~/.cache/statsig-operator] (node_modules).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/hack/bench/ofrepsse"
command -v node >/dev/null && command -v npm >/dev/null || { echo "test-ofrep-sse: node and npm are required"; exit 1; }
cache=${STATSIG_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/statsig-operator}
out=$(mktemp -d "${TMPDIR:-/tmp}/statsig-ofrepsse-XXXXXX")
SYNC_INTERVAL=${SYNC_INTERVAL:-1s}

harness="$cache/ofrepsse"
mkdir -p "$harness"
cp "$src/package.json" "$src/package-lock.json" "$src/ofrepsse.js" "$harness/"
if ! cmp -s "$src/package-lock.json" "$harness/.installed-lock" || [[ ! -d "$harness/node_modules" ]]; then
  echo "test-ofrep-sse: npm ci (@openfeature/ofrep-web-provider, @openfeature/web-sdk, eventsource from npm)"
  (cd "$harness" && npm ci --no-audit --no-fund >"$out/npm.log" 2>&1) || { cat "$out/npm.log"; exit 1; }
  cp "$src/package-lock.json" "$harness/.installed-lock"
fi
bin=${STATSIG_OPERATOR_BIN:-}
if [[ -z "$bin" ]]; then
  echo "test-ofrep-sse: building statsig-operator"
  (cd "$root" && go build -o "$out/statsig-operator" .)
  bin="$out/statsig-operator"
fi
(cd "$root" && go build -o "$out/statsig-standin" ./hack/statsig-standin)

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
wait_file() { for _ in $(seq 200); do [[ -s "$1" ]] && return 0; sleep 0.05; done; echo "test-ofrep-sse: $2 did not start"; cat "$3"; exit 1; }

"$out/statsig-standin" -payload-v2 "$root/config/samples/statsig/dcs_v2.json" -addr-file "$out/standin.addr" \
  >"$out/standin.log" 2>&1 &
pids+=($!)
wait_file "$out/standin.addr" "the stand-in" "$out/standin.log"
standin=$(cat "$out/standin.addr")

if node "$harness/ofrepsse.js" "$bin" "$standin" client-ofrep-sse-test dark_mode "$SYNC_INTERVAL" "$out" >"$out/result.txt" 2>&1; then
  sed 's/^/  /' "$out/result.txt"
  echo "test-ofrep-sse: $(grep '^OK' "$out/result.txt")"
else
  cat "$out/result.txt"
  tail -20 "$out"/serve*.log
  echo "test-ofrep-sse: FAILED (output in $out)"
  exit 1
fi
