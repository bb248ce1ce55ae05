#!/usr/bin/env bash
# Exposure-stream differential against Statsig Server Core: what we send to log_event must be
# what Server Core (@statsig/statsig-node-core, npm) would send. For each payload (hack/bench/gen
# seeds, plain and -edge, and every dcs-v2 fixture under test/fixtures/.../server-core/), one call
# plan (hack/bench/exposures/plan.py) is executed by Server Core and by `statsig-operator serve`
# over its HTTP API; both log to a loopback sink (hack/bench/exposures/cmd/sink) and compare.py
# compares the event multisets after the documented normalisations.
#
# Env: SEEDS [1 2 3], EDGE [1] (also the -edge payloads), CMAB [1] (also -cmab -config-mapping(-nested)
#      payloads), FIXTURES [1], N_USERS [200],
#      TIER [staging] (environment of both sides), LAYER_PARAMS [all|subset] (what Server Core
#      reads per get_layer), MANUAL_EXPOSURES [1], OURS_PARAM_NAMES [1] (see drive.js),
#      GLOBAL_CUSTOM [{"exposurediff_global":"on"}] (Server Core's globalCustomFields; "" = none),
#      OURS_SERVE_ARGS (extra `serve` flags, e.g. once serve can take global custom fields),
#      PARAM_STORE_SEEDS [1 2]: also gen payloads of these seeds with -param-stores (parameter
#      stores over the generated entities); on every payload with param_stores the plan reads
#      parameters (getParameterStore(...).getValue vs POST /v1/get_parameter_store) and the values
#      are compared too (compare_pstores.py), PARAM_STORE_FIXTURES [dcs_with_analytical_exposure_sampling.json
#      dcs_with_sampling.json eval_proj_dcs.json]: fixtures run again with a store over all their
#      entities (add_pstores.py),
#      OVERRIDE_SEEDS [1], OVERRIDE_FIXTURES [eval_proj_dcs.json demo_proj_dcs.json]: payloads run
#      again with local overrides (overrides.py: Server Core's override calls vs the same
#      StatsigOverride objects through `serve --overrides`), comparing every result
#      (compare_values.py) as well as the exposures,
#      EXPOSURES_STRICT [1]: 1 fails on any difference; 0 prints the summary and passes (the
#      harness itself failing still fails). STATSIG_OPERATOR_CACHE [~/.cache/statsig-operator].
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/hack/bench/exposures"
command -v node >/dev/null && command -v npm >/dev/null || { echo "test-exposures: node and npm are required"; exit 1; }
command -v python3 >/dev/null || { echo "test-exposures: python3 is required"; exit 1; }

SEEDS=${SEEDS-1 2 3}  # SEEDS= (empty): fixtures only
EDGE=${EDGE:-1}
CMAB=${CMAB:-1}
FIXTURES=${FIXTURES:-1}
N_USERS=${N_USERS:-200}
TIER=${TIER:-staging}
LAYER_PARAMS=${LAYER_PARAMS:-all}
STRICT=${EXPOSURES_STRICT:-1}
export MANUAL_EXPOSURES=${MANUAL_EXPOSURES:-1} OURS_PARAM_NAMES=${OURS_PARAM_NAMES:-1}
export GLOBAL_CUSTOM=${GLOBAL_CUSTOM-'{"exposurediff_global":"on"}'}
cache=${STATSIG_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/statsig-operator}
out=$(mktemp -d "${TMPDIR:-/tmp}/statsig-exposures-XXXXXX")

# node_modules live in the cache; `npm ci` only when the committed lock file changed.
harness="$cache/exposures"
mkdir -p "$harness"
cp "$src/package.json" "$src/package-lock.json" "$src/drive.js" "$harness/"
with_overrides=0  # run_case: 1 adds local overrides (overrides.py) to both sides
if ! cmp -s "$src/package-lock.json" "$harness/.installed-lock" || [[ ! -d "$harness/node_modules" ]]; then
  echo "test-exposures: npm ci (Server Core from npm)"
  (cd "$harness" && npm ci --no-audit --no-fund >"$out/npm.log" 2>&1) || { cat "$out/npm.log"; exit 1; }
  cp "$src/package-lock.json" "$harness/.installed-lock"
fi

echo "test-exposures: building the sink, gen and statsig-operator"
(cd "$src" && go build -o "$out/sink" ./cmd/sink)
(cd "$root/hack/bench/gen" && go build -o "$out/gen" ./cmd/gen)
(cd "$root" && go build -o "$out/statsig-operator" .)

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
wait_file() { for _ in $(seq 1 100); do [[ -s "$1" ]] && return 0; sleep 0.1; done; return 1; }

broken=0 differ=0
summaries=()
# run_case NAME PAYLOAD KEY [USERS]
run_case() {
  local name=$1 payload=$2 key=$3 users=${4:-} d="$out/$1"
  mkdir -p "$d"
  python3 "$src/plan.py" "$payload" ${users:+--users "$users"} --n-users "$N_USERS" \
    --layer-params "$LAYER_PARAMS" --sdk-key "$key" >"$d/plan.json"
  local ov_args=() ov_env=() val_ours=()
  if ((with_overrides)); then
    python3 "$src/overrides.py" "$payload" "$d/plan.json" "$d" >"$d/overrides.out"
    echo "  $name: $(cat "$d/overrides.out")"
    ov_args=(--overrides "$d/overrides.yaml")
    ov_env=(OVERRIDES="$d/overrides.core.json" VALUES="$d/values.core.jsonl")
    val_ours=(VALUES="$d/values.ours.jsonl")
  fi
  "$out/sink" -specs "$payload" -out "$d" -addr-file "$d/sink.addr" 2>"$d/sink.log" &
  local sink_pid=$!; pids+=("$sink_pid")
  wait_file "$d/sink.addr" || { echo "  $name: the sink did not start"; cat "$d/sink.log"; broken=1; return; }
  local sink; sink=$(cat "$d/sink.addr")
  # shellcheck disable=SC2086  # OURS_SERVE_ARGS is a list of flags
  "$out/statsig-operator" serve --specs-file "$payload" --listen 127.0.0.1:0 --key "$key" \
    --disable-logging=false --log-event-url "http://$sink/ours/v1/log_event" --environment "$TIER" \
    --addr-file "$d/ours.addr" ${GLOBAL_CUSTOM:+--global-custom-fields "$GLOBAL_CUSTOM"} ${OURS_SERVE_ARGS:-} "${ov_args[@]}" \
    >"$d/ours.log" 2>&1 &
  local ours_pid=$!; pids+=("$ours_pid")
  local ok=1
  wait_file "$d/ours.addr" || { echo "  $name: statsig-operator serve did not start"; tail -5 "$d/ours.log"; ok=0; }
  if ((ok)); then
    env "${ov_env[@]}" PSTORE_VALUES="$d/pstore-values.core.jsonl" node "$harness/drive.js" core "$d/plan.json" "$sink" "$TIER" >"$d/core.out" 2>&1 ||
      { echo "  $name: Server Core run failed"; tail -5 "$d/core.out"; ok=0; }
    env "${val_ours[@]}" PSTORE_VALUES="$d/pstore-values.ours.jsonl" node "$harness/drive.js" ours "$d/plan.json" "$(cat "$d/ours.addr")" >"$d/drive-ours.out" 2>&1 ||
      { echo "  $name: calls to our endpoint failed"; tail -5 "$d/drive-ours.out"; ok=0; }
  fi
  # SIGTERM drains our event queue (shutdown flush) before the process exits.
  kill -TERM "$ours_pid" 2>/dev/null || true
  wait "$ours_pid" || { echo "  $name: serve exited with $?"; tail -5 "$d/ours.log"; ok=0; }
  local blocked; blocked=$(curl -s "http://$sink/_sink/stats" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["blocked"] or []))')
  kill "$sink_pid" 2>/dev/null || true; wait "$sink_pid" 2>/dev/null || true
  [[ "$blocked" == 0 ]] || { echo "  $name: $blocked non-loopback requests refused (see $d/sink.log)"; ok=0; }
  ((ok)) || { broken=1; return; }
  if [[ -s "$d/pstore-values.core.jsonl" || -s "$d/pstore-values.ours.jsonl" ]]; then
    if python3 "$src/compare_pstores.py" "$d/pstore-values.core.jsonl" "$d/pstore-values.ours.jsonl" --label "$name" >"$d/pstore-diff.txt"; then
      echo "  $name: $(head -1 "$d/pstore-diff.txt" | sed 's/^== //')"
    else
      differ=1; cat "$d/pstore-diff.txt"
    fi
  fi
  if [[ -s "$d/values.core.jsonl" || -s "$d/values.ours.jsonl" ]]; then
    if python3 "$src/compare_values.py" "$d/values.core.jsonl" "$d/values.ours.jsonl" --label "$name" >"$d/values-diff.txt"; then
      echo "  $name: $(head -1 "$d/values-diff.txt" | sed 's/^== //')"
    else
      differ=1; cat "$d/values-diff.txt"
    fi
  fi
  local rc=0
  python3 "$src/compare.py" "$d" --plan "$d/plan.json" --payload "$payload" --label "$name" --json "$d/summary.json" >"$d/diff.txt" || rc=$?
  case $rc in
    0) echo "  $name: identical";;
    1) differ=1; summaries+=("$d/summary.json"); sed -n '1,/examples:/p' "$d/diff.txt" | sed '$d';;
    *) echo "  $name: compare.py failed"; cat "$d/diff.txt"; broken=1;;
  esac
}

for seed in $SEEDS; do
  for variant in plain edge cmab; do
    [[ $variant == edge && $EDGE != 1 ]] && continue
    [[ $variant == cmab && $CMAB != 1 ]] && continue
    data="$out/data/seed$seed-$variant"
    vflags=()
    [[ $variant == edge ]] && vflags=(-edge)
    [[ $variant == cmab ]] && vflags=(-cmab -config-mapping -config-mapping-nested)
    "$out/gen" -preset 1mb -seed "$seed" -users "$N_USERS" "${vflags[@]}" -out "$data" >/dev/null
    key=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['sdk_key'])" "$data/names.json")
    echo "test-exposures: seed $seed $variant"
    run_case "seed$seed-$variant" "$data/dcs_v2.json" "$key" "$data/users.jsonl"
  done
done
for seed in ${PARAM_STORE_SEEDS-1 2}; do
  data="$out/data/seed$seed-pstores"
  "$out/gen" -preset 1mb -seed "$seed" -users "$N_USERS" -param-stores 8 -out "$data" >/dev/null
  key=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['sdk_key'])" "$data/names.json")
  echo "test-exposures: seed $seed with parameter stores"
  run_case "seed$seed-pstores" "$data/dcs_v2.json" "$key" "$data/users.jsonl"
done
if [[ $FIXTURES == 1 ]]; then
  for f in "$root"/test/fixtures/testdata/statsig/server-core/*.json; do
    # Only DCS payloads (dcs-v2 maps); the directory also holds user-agent tables.
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if isinstance(d.get('feature_gates'), dict) else 1)" "$f" || continue
    echo "test-exposures: fixture $(basename "$f")"
    run_case "fixture-$(basename "$f" .json)" "$f" secret-exposures
  done
fi

# Fixtures with a parameter store over all their entities (add_pstores.py): parameter reads
# with exposure sampling on, and on the eval project's entities.
for f in ${PARAM_STORE_FIXTURES-dcs_with_analytical_exposure_sampling.json dcs_with_sampling.json eval_proj_dcs.json}; do
  mkdir -p "$out/data"
  python3 "$src/add_pstores.py" "$root/test/fixtures/testdata/statsig/server-core/$f" "$out/data/pstores-$f"
  echo "test-exposures: fixture $f with a parameter store over its entities"
  run_case "pstores-$(basename "$f" .json)" "$out/data/pstores-$f" secret-exposures
done

# Local overrides (docs/overrides.md): Server Core's override adapter against StatsigOverride
# objects given to serve, on a generated payload and fixtures.
with_overrides=1
for seed in ${OVERRIDE_SEEDS-1}; do
  data="$out/data/seed$seed-overrides"
  "$out/gen" -preset 1mb -seed "$seed" -users "$N_USERS" -param-stores 8 -out "$data" >/dev/null
  key=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['sdk_key'])" "$data/names.json")
  echo "test-exposures: seed $seed with local overrides"
  run_case "seed$seed-overrides" "$data/dcs_v2.json" "$key" "$data/users.jsonl"
done
for f in ${OVERRIDE_FIXTURES-eval_proj_dcs.json demo_proj_dcs.json}; do
  echo "test-exposures: fixture $f with local overrides"
  run_case "overrides-$(basename "$f" .json)" "$root/test/fixtures/testdata/statsig/server-core/$f" secret-exposures
done
with_overrides=0

if ((${#summaries[@]})); then
  echo "test-exposures: differences by category over all payloads"
  python3 - "${summaries[@]}" <<'PY'
import collections, json, sys
total = collections.Counter()
for f in sys.argv[1:]:
    total.update(json.load(open(f))["categories"])
for c, n in total.most_common():
    print("  %7d  %s" % (n, c))
PY
fi
echo "test-exposures: plans, sink batches and diffs in $out"
((broken)) && { echo "test-exposures: FAILED (harness error)"; exit 1; }
if ((differ)); then
  if [[ $STRICT == 1 ]]; then echo "test-exposures: FAILED: the exposure streams differ"; exit 1; fi
  echo "test-exposures: the exposure streams differ (EXPOSURES_STRICT=0: reported, not failed)"
  exit 0
fi
echo "test-exposures: identical to Server Core"
