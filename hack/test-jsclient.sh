#!/usr/bin/env bash
# Real-client differential: @statsig/js-client (npm, pinned in hack/bench/jsclient/package-lock.json)
# initialized over the network from our endpoint (networkConfig.api → /v1/initialize, events →
# /v1/rgstr) against the same client bootstrapped from Server Core's client initialize response,
# on every payload fixture under test/fixtures/testdata/statsig/server-core/: every entity read
# from both and the exposures both logged compared (hack/bench/jsclient/jsclient.js).
#
# Env: STATSIG_OPERATOR_BIN (a built statsig-operator; default: built here),
#      STATSIG_OPERATOR_CACHE [~/.cache/statsig-operator] (node_modules), and jsclient.js's
#      FIXTURES, VERBOSE, IGNORE.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/hack/bench/jsclient"
command -v node >/dev/null && command -v npm >/dev/null || { echo "test-jsclient: node and npm are required"; exit 1; }
cache=${STATSIG_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/statsig-operator}
out=$(mktemp -d "${TMPDIR:-/tmp}/statsig-jsclient-XXXXXX")

harness="$cache/jsclient"
mkdir -p "$harness"
cp "$src/package.json" "$src/package-lock.json" "$src/jsclient.js" "$harness/"
if ! cmp -s "$src/package-lock.json" "$harness/.installed-lock" || [[ ! -d "$harness/node_modules" ]]; then
  echo "test-jsclient: npm ci (@statsig/js-client and Server Core from npm)"
  (cd "$harness" && npm ci --no-audit --no-fund >"$out/npm.log" 2>&1) || { cat "$out/npm.log"; exit 1; }
  cp "$src/package-lock.json" "$harness/.installed-lock"
fi
bin=${STATSIG_OPERATOR_BIN:-}
if [[ -z "$bin" ]]; then
  echo "test-jsclient: building statsig-operator"
  (cd "$root" && go build -o "$out/statsig-operator" .)
  bin="$out/statsig-operator"
fi
if node "$harness/jsclient.js" "$bin" "$root/test/fixtures/testdata/statsig/server-core" "$out" >"$out/diff.txt" 2>&1; then
  echo "test-jsclient: $(grep '^TOTAL' "$out/diff.txt")"
else
  sed -n '1,40p' "$out/diff.txt"
  echo "test-jsclient: FAILED (output in $out)"
  exit 1
fi
