#!/usr/bin/env bash
# Push end to end (hack/pushtest): the Statsig stand-in, operator A polling it, operator B in a
# second control plane chained from A (HTTP forward proxy + gRPC stream), and real clients:
# Server Core (@statsig/statsig-node-core, npm, pinned in hack/bench/push/package-lock.json) with
# its gRPC specs adapter on A, and @openfeature/ofrep-web-provider with event streams on B (the
# whole chain: A's poll, the gRPC stream to B, B's OFREP event stream). Every client must see
# every gate flip made in the stand-in without polling; the latencies are printed
# (docs/performance.md).
#
# Env: STATSIG_OPERATOR_BIN (a built statsig-operator; default: built here),
#      STATSIG_OPERATOR_CACHE [~/.cache/statsig-operator] (node_modules), FLIPS [3].
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/hack/bench/push"
command -v node >/dev/null && command -v npm >/dev/null || { echo "test-push: node and npm are required"; exit 1; }
cache=${STATSIG_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/statsig-operator}
out=$(mktemp -d "${TMPDIR:-/tmp}/statsig-push-XXXXXX")

harness="$cache/push"
mkdir -p "$harness"
cp "$src/package.json" "$src/package-lock.json" "$src"/*.js "$harness/"
if ! cmp -s "$src/package-lock.json" "$harness/.installed-lock" || [[ ! -d "$harness/node_modules" ]]; then
  echo "test-push: npm ci (Server Core, the OFREP web provider from npm)"
  (cd "$harness" && npm ci --no-audit --no-fund >"$out/npm.log" 2>&1) || { cat "$out/npm.log"; exit 1; }
  cp "$src/package-lock.json" "$harness/.installed-lock"
fi
bin=${STATSIG_OPERATOR_BIN:-}
if [[ -z "$bin" ]]; then
  echo "test-push: building statsig-operator"
  (cd "$root" && go build -o "$out/statsig-operator" .)
  bin="$out/statsig-operator"
fi
export KUBEBUILDER_ASSETS=${KUBEBUILDER_ASSETS:-$("$root/hack/envtest-assets.sh")}
(cd "$root" && go run ./hack/pushtest -operator "$bin" -dir "$out" -flips "${FLIPS:-3}" \
  "node $harness/nodecore-grpc.js" "node $harness/ofrep-sse.js")
