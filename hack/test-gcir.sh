#!/usr/bin/env bash
# Client initialize response differential against Statsig Server Core: hack/bench/gcir/gcir.js asks
# @statsig/statsig-node-core (npm, pinned in hack/bench/gcir/package-lock.json) and our endpoint
# (statsig-operator serve --specs-file) for the response on every payload fixture under
# test/fixtures/testdata/statsig/server-core/ (users x hash algorithms x client keys x options) and
# fails on any difference. See hack/bench/README.md.
#
# Also on payloads from hack/bench/gen with parameter stores (-param-stores), one per seed of
# PARAM_STORE_SEEDS [1 2 3] (empty: none).
#
# Env: STATSIG_OPERATOR_BIN (a built statsig-operator; default: built here),
#      STATSIG_OPERATOR_CACHE [~/.cache/statsig-operator] (node_modules), and gcir.js's FIXTURES,
#      IGNORE, VERBOSE, REPLAY_MISSING_GATE, EXTRA_USERS; GEN_SEEDS [1 2]: also generated payloads
#      with CMAB configs and config mappings (hack/bench/gen), one per seed (GEN_SEEDS= none).
set -euo pipefail
GEN_SEEDS=${GEN_SEEDS-1 2}
root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/hack/bench/gcir"
command -v node >/dev/null && command -v npm >/dev/null || { echo "test-gcir: node and npm are required"; exit 1; }
cache=${STATSIG_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/statsig-operator}
out=$(mktemp -d "${TMPDIR:-/tmp}/statsig-gcir-XXXXXX")

harness="$cache/gcir"
mkdir -p "$harness"
cp "$src/package.json" "$src/package-lock.json" "$src/gcir.js" "$harness/"
if ! cmp -s "$src/package-lock.json" "$harness/.installed-lock" || [[ ! -d "$harness/node_modules" ]]; then
  echo "test-gcir: npm ci (Server Core from npm)"
  (cd "$harness" && npm ci --no-audit --no-fund >"$out/npm.log" 2>&1) || { cat "$out/npm.log"; exit 1; }
  cp "$src/package-lock.json" "$harness/.installed-lock"
fi
bin=${STATSIG_OPERATOR_BIN:-}
if [[ -z "$bin" ]]; then
  echo "test-gcir: building statsig-operator"
  (cd "$root" && go build -o "$out/statsig-operator" .)
  bin="$out/statsig-operator"
fi
# Twice: without an environment, and with one (it is in the response's user).
fail=0
for tier in "" staging; do
  if TIER=$tier node "$harness/gcir.js" "$bin" "$root/test/fixtures/testdata/statsig/server-core" "$out" >"$out/diff$tier.txt" 2>&1; then
    echo "test-gcir${tier:+ (environment $tier)}: $(grep '^TOTAL' "$out/diff$tier.txt")"
  else
    sed -n '1,40p' "$out/diff$tier.txt"; fail=1
  fi
done
PARAM_STORE_SEEDS=${PARAM_STORE_SEEDS-1 2 3}
if [[ -n "$PARAM_STORE_SEEDS" ]]; then
  mkdir -p "$out/gen"
  (cd "$root/hack/bench/gen" && go build -o "$out/gen-bin" ./cmd/gen)
  for seed in $PARAM_STORE_SEEDS; do
    "$out/gen-bin" -preset 1mb -seed "$seed" -users 10 -param-stores 8 -out "$out/gen/seed$seed" >/dev/null
    cp "$out/gen/seed$seed/dcs_v2.json" "$out/gen/paramstores-seed$seed.json"
  done
  if FIXTURES=$(cd "$out/gen" && ls paramstores-seed*.json | paste -sd,) node "$harness/gcir.js" "$bin" "$out/gen" "$out" >"$out/diff-gen.txt" 2>&1; then
    echo "test-gcir (generated parameter stores, seeds $PARAM_STORE_SEEDS): $(grep '^TOTAL' "$out/diff-gen.txt")"
  else
    sed -n '1,40p' "$out/diff-gen.txt"; fail=1
  fi
fi
# Generated payloads with CMAB configs and config mappings (hack/bench/gen -cmab -config-mapping;
# not -config-mapping-nested, with which Server Core's own response depends on its map order).
if [[ -n "$GEN_SEEDS" && -z "${FIXTURES:-}" ]]; then
  (cd "$root/hack/bench/gen" && go build -o "$out/gen-bin" ./cmd/gen)
  mkdir -p "$out/generated"
  for seed in $GEN_SEEDS; do
    "$out/gen-bin" -preset 1mb -seed "$seed" -users 10 -cmab -config-mapping -out "$out/gen-$seed" >/dev/null
    cp "$out/gen-$seed/dcs_v2.json" "$out/generated/gen_cmab_mapping_seed$seed.json"
  done
  if node "$harness/gcir.js" "$bin" "$out/generated" "$out" >"$out/diff-generated.txt" 2>&1; then
    echo "test-gcir (generated, seeds $GEN_SEEDS): $(grep '^TOTAL' "$out/diff-generated.txt")"
  else
    sed -n '1,40p' "$out/diff-generated.txt"; fail=1
  fi
fi
[[ $fail == 0 ]] || { echo "test-gcir: FAILED (output in $out)"; exit 1; }
