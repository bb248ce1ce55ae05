#!/usr/bin/env bash
# Builds everything, generates the payloads, runs every peer on every size
# (fresh process per run, several repetitions), writes evaluation dumps, diffs
# them and prints the peer x size table (medians).
#
#   hack/bench/run.sh                         # everything (about 20-25 min on 2 cores)
#   SIZES="1mb" REPS=3 hack/bench/run.sh      # quick
#   PEERS="go-sdk mine" PEER_CMD_mine="/path/to/runner" hack/bench/run.sh
#
# Environment knobs (defaults in brackets):
#   SIZES [1mb 10mb 62mb]  PEERS [go-sdk node-core node-legacy]
#   REPS [5]  REPS_62MB [3]  EVAL_TARGET [100000 evaluations per entity type]
#   RESYNCS [2]  LOGGING [disabled|sink]  SEED [1]  CMAB_VARIANT [1 when node-core is the first peer] (the 1mb-cmab variant)
#   DUMP_USERS [20] (users per entity in the diff dumps; 62mb uses DUMP_USERS_62MB [5])
#   NODE_FLAGS [--expose-gc --max-old-space-size=4096]
#   OUT [hack/bench/results/<timestamp>]
#   SKIP_BENCH [0] (1 = only dumps, diffs and the edge table; no timed runs)
#   PEER_CMD_<name> command for an extra peer runner (name with - replaced by _)
#   BENCH_WORK [~/.cache/statsig-bench] writable copy used when this directory is read-only
#
# bin/, data/, results/ and peers/*/node_modules/ are written beside this script (git-ignored).
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Work in a writable copy when the harness sits in a read-only place.
if [[ ! -w "$BENCH" && -z "${BENCH_COPIED:-}" ]]; then
  WORK="${BENCH_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/statsig-bench}"
  mkdir -p "$WORK"
  (cd "$BENCH" && tar --exclude=./bin --exclude=./data --exclude=./results --exclude='./peers/*/node_modules' -cf - .) | (cd "$WORK" && tar -xf -)
  BENCH_COPIED=1 exec "$WORK/run.sh" "$@"
fi
BIN="$BENCH/bin"
DATA="$BENCH/data"
SIZES="${SIZES:-1mb 10mb 62mb}"
PEERS="${PEERS:-go-sdk node-core node-legacy}"
REPS="${REPS:-5}"
REPS_62MB="${REPS_62MB:-3}"
EVAL_TARGET="${EVAL_TARGET:-100000}"
RESYNCS="${RESYNCS:-2}"
LOGGING="${LOGGING:-disabled}"
SEED="${SEED:-1}"
DUMP_USERS="${DUMP_USERS:-20}"
DUMP_USERS_62MB="${DUMP_USERS_62MB:-5}"
NODE_FLAGS="${NODE_FLAGS:---expose-gc --max-old-space-size=4096}"
OUT="${OUT:-$BENCH/results/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$BIN" "$DATA" "$OUT"

log() { printf '[run.sh %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# ------------------------------------------------------------------ build
log "building Go tools and the go-sdk peer"
(cd "$BENCH/gen" && go build -o "$BIN/gen" ./cmd/gen && go build -o "$BIN/dcsserver" ./cmd/dcsserver)
(cd "$BENCH/peers/gosdk" && go build -o "$BIN/peer-gosdk" .)
for p in node-core node-legacy; do
  if [[ " $PEERS " == *" $p "* ]]; then
    log "npm ci in peers/$p"
    (cd "$BENCH/peers/$p" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
done

# ------------------------------------------------------------------ payloads
for size in $SIZES; do
  log "generating $size payload (seed $SEED)"
  "$BIN/gen" -preset "$size" -seed "$SEED" -out "$DATA/$size" > "$OUT/gen.$size.json"
done
# Differential-testing variants (dumps + diffs only, not benchmarked):
#   1mb-keep-disabled: disabled specs keep their rules
#   1mb-edge: edge-case gates/configs + user attribute variants (gen -edge)
"$BIN/gen" -preset 1mb -seed "$SEED" -keep-disabled-rules -out "$DATA/1mb-keep-disabled" > "$OUT/gen.1mb-keep-disabled.json"
"$BIN/gen" -preset 1mb -seed "$SEED" -edge -out "$DATA/1mb-edge" > "$OUT/gen.1mb-edge.json"
VARIANTS="1mb-keep-disabled 1mb-edge"
#   1mb-cmab: cmab_configs and config mappings (gen -cmab -config-mapping -config-mapping-nested)
#   (by default only when Server Core is the first peer, the one the others are diffed against:
#   the legacy SDKs know neither feature)
[[ "${PEERS%% *}" == node-core ]] && cmab_default=1 || cmab_default=0
if [[ "${CMAB_VARIANT:-$cmab_default}" == 1 ]]; then
  "$BIN/gen" -preset 1mb -seed "$SEED" -cmab -config-mapping -config-mapping-nested -out "$DATA/1mb-cmab" > "$OUT/gen.1mb-cmab.json"
  VARIANTS="$VARIANTS 1mb-cmab"
fi
EDGE_DUMP_USERS="${EDGE_DUMP_USERS:-100}"

# ------------------------------------------------------------------ peers
peer_cmd() {
  case "$1" in
    go-sdk) echo "$BIN/peer-gosdk" ;;
    node-core) echo "node $NODE_FLAGS $BENCH/peers/node-core/runner.js" ;;
    node-legacy) echo "node $NODE_FLAGS $BENCH/peers/node-legacy/runner.js" ;;
    *) local var="PEER_CMD_${1//-/_}"; echo "${!var:?no command for peer $1 (set $var)}" ;;
  esac
}

SERVER_PID=""
stop_server() { if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; fi; }
trap stop_server EXIT

start_server() { # $1 = data dir, $2 = tag
  local addrfile="$OUT/server.$2.addr"
  rm -f "$addrfile"
  "$BIN/dcsserver" -addr 127.0.0.1:0 -data "$1" -addr-file "$addrfile" -precompute-bumps "$((RESYNCS + 1))" \
    > "$OUT/server.$2.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 240); do [[ -s "$addrfile" ]] && break; sleep 0.5; done
  [[ -s "$addrfile" ]] || { log "server for $2 did not start"; exit 1; }
  SERVER="http://$(cat "$addrfile")"
}

reset_server() { curl -s -X POST "$SERVER/_bench/reset" >/dev/null; }

run_one() { # $1 peer, $2 data dir, $3 out json, $4 stderr log, rest = extra args
  local peer="$1" dir="$2" out="$3" err="$4"; shift 4
  local cmd; cmd="$(peer_cmd "$peer")"
  reset_server
  # shellcheck disable=SC2086
  if timeout 600 $cmd -server "$SERVER" -data "$dir" "$@" > "$out.stdout" 2> "$err"; then :; fi
  if grep -q '^RESULT ' "$out.stdout"; then
    grep '^RESULT ' "$out.stdout" | tail -1 | sed 's/^RESULT //' > "$out"
  else
    printf '{"peer":"%s","init_ok":false,"error":"no RESULT line (see %s)"}\n' "$peer" "$(basename "$err")" > "$out"
  fi
  rm -f "$out.stdout"
}

for size in $SIZES; do
  start_server "$DATA/$size" "$size"
  log "server for $size at $SERVER"
  reps="$REPS"; [[ "$size" == "62mb" ]] && reps="$REPS_62MB"
  read -r -a peer_arr <<< "$PEERS"
  [[ "${SKIP_BENCH:-0}" == 1 ]] && reps=0
  for rep in $(seq 1 "$reps"); do
    # rotate the peer order every repetition so no peer always runs first
    n=${#peer_arr[@]}
    for i in $(seq 0 $((n - 1))); do
      peer="${peer_arr[$(( (i + rep - 1) % n ))]}"
      log "$size rep $rep/$reps: $peer"
      run_one "$peer" "$DATA/$size" "$OUT/run.$size.$peer.$rep.json" "$OUT/run.$size.$peer.$rep.stderr" \
        -eval-target "$EVAL_TARGET" -resyncs "$RESYNCS" -logging "$LOGGING"
    done
  done
  du="$DUMP_USERS"; [[ "$size" == "62mb" ]] && du="$DUMP_USERS_62MB"
  for peer in $PEERS; do
    log "$size dump: $peer ($du users per entity)"
    run_one "$peer" "$DATA/$size" "$OUT/dumprun.$size.$peer.json" "$OUT/dumprun.$size.$peer.stderr" \
      -dump-only -dump "$OUT/dump.$size.$peer.jsonl" -dump-users "$du"
  done
  stop_server
done

# differential-testing variants
for v in $VARIANTS; do
  start_server "$DATA/$v" "$v"
  for peer in $PEERS; do
    log "$v dump: $peer ($EDGE_DUMP_USERS users per entity)"
    run_one "$peer" "$DATA/$v" "$OUT/dumprun.$v.$peer.json" "$OUT/dumprun.$v.$peer.stderr" \
      -dump-only -dump "$OUT/dump.$v.$peer.jsonl" -dump-users "$EDGE_DUMP_USERS"
  done
  stop_server
done

# ------------------------------------------------------------------ diffs
first="${PEERS%% *}"
for size in $SIZES $VARIANTS; do
  for peer in $PEERS; do
    [[ "$peer" == "$first" ]] && continue
    [[ -s "$OUT/dump.$size.$first.jsonl" && -s "$OUT/dump.$size.$peer.jsonl" ]] || continue
    pl="$DATA/$size/dcs_v1.json"
    python3 "$BENCH/diff.py" "$OUT/dump.$size.$first.jsonl" "$OUT/dump.$size.$peer.jsonl" \
      --label-a "$first" --label-b "$peer" --examples 3 --payload "$pl" \
      --json "$OUT/diff.$size.$first-vs-$peer.json" > "$OUT/diff.$size.$first-vs-$peer.txt" || true
    log "diff $size $first vs $peer: $(grep '^TOTAL' "$OUT/diff.$size.$first-vs-$peer.txt" || echo n/a)"
  done
done

# per-entity table for the edge cases (users passing each edge_* entity, per peer)
args=()
for peer in $PEERS; do
  if [[ -s "$OUT/dump.1mb-edge.$peer.jsonl" ]]; then args+=("$peer=$OUT/dump.1mb-edge.$peer.jsonl"); fi
done
if (( ${#args[@]} > 1 )); then
  python3 "$BENCH/entity_table.py" --prefix edge_ "${args[@]}" > "$OUT/edge_table.md" || true
fi

# ------------------------------------------------------------------ table
{
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr); date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "go: $(go version | awk '{print $3}'), node: $(node --version); logging=$LOGGING eval_target=$EVAL_TARGET reps=$REPS (62mb: $REPS_62MB)"
  echo
} > "$OUT/summary.md"
if [[ "${SKIP_BENCH:-0}" != 1 ]]; then
  python3 "$BENCH/summarize.py" "$OUT" --md "$OUT/table.md" --json "$OUT/summary.json" | tee -a "$OUT/summary.md"
fi
echo
for f in "$OUT"/diff.*.txt; do [[ -e "$f" ]] || continue; echo "== $(basename "$f")"; sed -n '1,12p' "$f"; done | tee -a "$OUT/summary.md"
if [[ -s "$OUT/edge_table.md" ]]; then
  { echo; echo "== edge cases: users (of $EDGE_DUMP_USERS) passing each edge_* entity, per peer ('*' = peers disagree)"; cat "$OUT/edge_table.md"; } | tee -a "$OUT/summary.md"
fi
log "results in $OUT"
