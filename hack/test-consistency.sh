#!/usr/bin/env bash
# Differential test against Statsig Server Core: the bench harness (hack/bench) generates payloads
# (several seeds, plus the -edge and -keep-disabled-rules variants), serves them on loopback, and
# dumps evaluations from @statsig/statsig-node-core (npm) and from our evaluator
# (hack/benchrunner); diff.py compares them. Fails unless every run agrees 100% on at least
# MIN_PAIRS (user, entity) pairs. Group names are compared both as the SDKs' getExperiment/getLayer
# report them (group_name) and as the reported rule's (rule_group; see hack/bench/diff.py). Last,
# hack/test-gcir.sh compares the client initialize response with Server Core's on every payload
# fixture, and hack/test-jsclient.sh @statsig/js-client initialized from the endpoint with the
# same client bootstrapped from Server Core; hack/test-ofrep-sse.sh the OFREP web provider refreshed
# through the endpoint's event stream.
#
# Env: SEEDS [1 2 3], DUMP_USERS [60], MIN_PAIRS [20000],
#      STATSIG_OPERATOR_CACHE [~/.cache/statsig-operator] (the harness copy and its node_modules)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench="$root/hack/bench"
[[ -f "$bench/run.sh" ]] || { echo "test-consistency: $bench/run.sh not found"; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "test-consistency: node and npm are required"; exit 1; }
command -v python3 >/dev/null || { echo "test-consistency: python3 is required"; exit 1; }

SEEDS=${SEEDS:-1 2 3}
DUMP_USERS=${DUMP_USERS:-60}
MIN_PAIRS=${MIN_PAIRS:-20000}
cache=${STATSIG_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/statsig-operator}
out=$(mktemp -d "${TMPDIR:-/tmp}/statsig-consistency-XXXXXX")
runner="$out/peer-ours"

# Run the harness from a private copy: it writes binaries, payloads and node_modules beside itself
# (the copy keeps the working tree clean and node_modules cached between runs).
harness="$cache/bench-harness"
mkdir -p "$harness"
(cd "$bench" && tar --exclude=./bin --exclude=./data --exclude=./results --exclude='./peers/*/node_modules' -cf - .) | (cd "$harness" && tar -xf -)

echo "test-consistency: building hack/benchrunner"
(cd "$root/hack/benchrunner" && go build -o "$runner" .)

fail=0
for seed in $SEEDS; do
  echo "test-consistency: seed $seed"
  SKIP_BENCH=1 SIZES=1mb SEED="$seed" DUMP_USERS="$DUMP_USERS" EDGE_DUMP_USERS="$DUMP_USERS" \
    PEERS="node-core ours" PEER_CMD_ours="$runner" OUT="$out/seed$seed" \
    BENCH_COPIED=1 bash "$harness/run.sh" >"$out/seed$seed.log" 2>&1 || { echo "run.sh failed (seed $seed):"; tail -30 "$out/seed$seed.log"; exit 1; }
  for f in "$out/seed$seed"/diff.*.node-core-vs-ours.txt; do
    [[ -e "$f" ]] || { echo "no diff produced for seed $seed"; tail -30 "$out/seed$seed.log"; exit 1; }
    total=$(grep '^TOTAL' "$f")
    read -r _ pairs match mismatch _ <<<"$total"
    echo "  $(basename "$f" .txt): $pairs pairs, $mismatch mismatches"
    if [[ "$mismatch" != 0 ]]; then fail=1; sed -n '1,40p' "$f"; fi
    # Both runners write rule_group (the reported rule's group name): it must have been compared.
    if grep -q 'not in both' "$f"; then echo "  rule_group missing from a dump"; fail=1; sed -n '1,12p' "$f"; fi
    # config group_name is soft for other peers; Server Core's (through getExperiment) and ours must agree.
    if grep -q 'not counted' "$f"; then echo "  soft fields differ"; fail=1; sed -n '1,12p' "$f"; fi
    if (( pairs < MIN_PAIRS )); then echo "  only $pairs pairs (< $MIN_PAIRS)"; fail=1; fi
  done
done
# Server Core itself, unmodified, pointed at the operator's forward proxy: it must initialize
# from it and evaluate exactly as when it downloads from the harness's own server.
seedlast="${SEEDS##* }"  # run.sh leaves the last seed's payload in data/
data="$harness/data/1mb"
key=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['sdk_key'])" "$data/names.json")
echo "test-consistency: Server Core through the forward proxy (statsig-operator serve)"
(cd "$root" && go build -o "$out/statsig-operator" .)
"$out/statsig-operator" serve --specs-file "$data/dcs_v2.json" --listen 127.0.0.1:0 --key "$key" \
  --addr-file "$out/proxy.addr" >"$out/proxy.log" 2>&1 &
proxy_pid=$!
trap 'kill $proxy_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [[ -s "$out/proxy.addr" ]] && break; sleep 0.1; done
[[ -s "$out/proxy.addr" ]] || { echo "the proxy did not start:"; cat "$out/proxy.log"; exit 1; }
node --expose-gc "$harness/peers/node-core/runner.js" -server "http://$(cat "$out/proxy.addr")" -data "$data" \
  -dump-only -dump "$out/dump.proxy.node-core.jsonl" -dump-users "$DUMP_USERS" >"$out/proxy-node.out" 2>"$out/proxy-node.err" || true
if [[ ! -s "$out/dump.proxy.node-core.jsonl" ]]; then
  echo "Server Core did not initialize from the forward proxy:"; tail -20 "$out/proxy-node.err"; fail=1
else
  python3 "$harness/diff.py" "$out/seed$seedlast/dump.1mb.node-core.jsonl" "$out/dump.proxy.node-core.jsonl" \
    --label-a direct --label-b via-proxy >"$out/diff.proxy.txt" || true
  read -r _ pairs match mismatch _ <<<"$(grep '^TOTAL' "$out/diff.proxy.txt")"
  echo "  Server Core direct vs through the proxy: $pairs pairs, $mismatch mismatches"
  if [[ "$mismatch" != 0 || -z "$pairs" ]]; then fail=1; sed -n '1,30p' "$out/diff.proxy.txt"; fi
fi
kill $proxy_pid 2>/dev/null || true
# The client initialize response, field by field, on every payload fixture (hack/test-gcir.sh).
echo "test-consistency: client initialize response (hack/test-gcir.sh)"
STATSIG_OPERATOR_BIN="$out/statsig-operator" STATSIG_OPERATOR_CACHE="$cache" "$root/hack/test-gcir.sh" || fail=1
# @statsig/js-client over the network from the endpoint vs bootstrapped from Server Core.
echo "test-consistency: @statsig/js-client from the endpoint (hack/test-jsclient.sh)"
STATSIG_OPERATOR_BIN="$out/statsig-operator" STATSIG_OPERATOR_CACHE="$cache" "$root/hack/test-jsclient.sh" || fail=1
# Push: two operators chained (HTTP + gRPC stream) and Server Core's gRPC specs adapter, each
# seeing every gate flip in the stand-in without polling (hack/test-push.sh).
echo "test-consistency: push to Server Core's gRPC adapter and a chained operator (hack/test-push.sh)"
STATSIG_OPERATOR_BIN="$out/statsig-operator" STATSIG_OPERATOR_CACHE="$cache" "$root/hack/test-push.sh" || fail=1
# The OFREP web provider refreshed through the event stream (hack/test-ofrep-sse.sh).
echo "test-consistency: OFREP change notifications to @openfeature/ofrep-web-provider (hack/test-ofrep-sse.sh)"
STATSIG_OPERATOR_BIN="$out/statsig-operator" STATSIG_OPERATOR_CACHE="$cache" "$root/hack/test-ofrep-sse.sh" || fail=1

[[ $fail == 0 ]] && echo "test-consistency: 100% agreement with Server Core" || { echo "test-consistency: FAILED (dumps and diffs in $out)"; exit 1; }
