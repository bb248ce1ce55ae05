#!/usr/bin/env bash
# Client initialize response cost, ours and Server Core's, in the same run: for each payload,
# our evaluator builds and JSON-encodes the response (go test -bench
# ClientInitializeResponseJSON with GCIR_BENCH_PAYLOAD) and Server Core's
# getClientInitializeResponse returns its JSON string (bench.js), for the same user and djb2
# names. Payloads: the eval project fixture, hack/bench/gen presets (SIZES [1mb 10mb]) and any
# EXTRA_PAYLOADS (paths, e.g. a 62 MB `gen -preset 62mb` output).
# Output: one line per payload, µs per response each and the ratio. docs/performance.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cache=${STATSIG_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/statsig-operator}
harness="$cache/gcir"
[[ -d "$harness/node_modules/@statsig/statsig-node-core" ]] || { echo "run hack/test-gcir.sh once first (npm ci)"; exit 1; }
cp "$root/hack/bench/gcir/bench.js" "$harness/"
out=$(mktemp -d "${TMPDIR:-/tmp}/gcir-bench-XXXXXX")
payloads=("$root/test/fixtures/testdata/statsig/server-core/eval_proj_dcs.json")
(cd "$root/hack/bench/gen" && go build -o "$out/gen" ./cmd/gen)
for size in ${SIZES-1mb 10mb}; do
  "$out/gen" -preset "$size" -seed 1 -users 10 -out "$out/$size" >/dev/null
  payloads+=("$out/$size/dcs_v2.json")
done
for p in ${EXTRA_PAYLOADS:-}; do payloads+=("$p"); done
printf '%-28s %14s %14s %8s %12s\n' payload "ours µs" "core µs" ratio "bytes"
for p in "${payloads[@]}"; do
  ours=$(cd "$root" && GCIR_BENCH_PAYLOAD="$p" go test -run '^$' -bench 'ClientInitializeResponseJSON$' -benchtime 2s -count 1 ./evaluator/ |
    awk '/^BenchmarkClientInitializeResponseJSON/ {print $3/1000, $5}')
  core=$(node "$harness/bench.js" "$p" "${ITERS:-30}")
  read -r ours_us ours_bytes <<<"$ours"
  read -r _ core_us core_bytes <<<"$core"
  printf '%-28s %14.1f %14.1f %7.2fx %12s\n' "$(basename "$(dirname "$p")")/$(basename "$p")" "$ours_us" "$core_us" \
    "$(python3 -c "print($core_us/$ours_us)")" "$ours_bytes/$core_bytes"
done
