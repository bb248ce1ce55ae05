#!/usr/bin/env bash
# check_gate over keep-alive HTTP/1.1 on loopback against `statsig-operator serve` (eval project,
# logging off) and, in the same run, against minimal/ (net/http returning a fixed 60-byte JSON:
# the machine's ceiling for this server shape; issue 20), alternating, ROUNDS times each. Prints
# requests/s, p50, p99 and the server's heap allocations per request (its allocation counter
# before and after the run over wrk's request count: net/http's share on a real connection,
# from minimal, and the endpoint's).
#
# Env: ROUNDS [3], DURATION [10s], CONNS [32], STATSIG_OPERATOR_CACHE [~/.cache/statsig-operator],
#      BEFORE [none]: a git revision also built and served ("before"), in the same alternation.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
here="$root/hack/bench/endpoint"
command -v wrk >/dev/null || { echo "wrk.sh: wrk is required"; exit 1; }
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
cache=${STATSIG_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/statsig-operator}
out="$cache/endpoint-wrk"
mkdir -p "$out"
key=secret-load
ours_addr=127.0.0.1:18091
min_addr=127.0.0.1:18092
before_addr=127.0.0.1:18094
servers="ours minimal"

(cd "$root" && go build -o "$out/statsig-operator" .)
(cd "$here/minimal" && go build -o "$out/minimal" .)
if [[ -n "${BEFORE:-}" ]]; then
  rm -rf "$out/before-src" && mkdir -p "$out/before-src"
  git -C "$root" archive "$BEFORE" | tar -x -C "$out/before-src"
  (cd "$out/before-src" && go build -o "$out/statsig-operator-before" .)
  servers="ours minimal before"
fi
specs="$root/test/fixtures/testdata/statsig/server-core/eval_proj_dcs.json"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
"$out/statsig-operator" serve --specs-file "$specs" --listen "$ours_addr" --key "$key" >"$out/serve.log" 2>&1 &
pids+=($!)
if [[ -n "${BEFORE:-}" ]]; then
  "$out/statsig-operator-before" serve --specs-file "$specs" --listen "$before_addr" --key "$key" >"$out/before.log" 2>&1 &
  pids+=($!)
fi
"$out/minimal" --listen "$min_addr" >"$out/minimal.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  curl -sf "http://$ours_addr/readyz" >/dev/null && curl -sf "http://$min_addr/allocs" >/dev/null &&
    { [[ -z "${BEFORE:-}" ]] || curl -sf "http://$before_addr/readyz" >/dev/null; } && break
  sleep 0.1
done

addr() { case $1 in ours) echo "$ours_addr" ;; before) echo "$before_addr" ;; *) echo "$min_addr" ;; esac; }
allocs() { # the server's heap objects allocated so far
  if [[ $1 == minimal ]]; then
    curl -sf "http://$min_addr/allocs"
  else
    curl -sf "http://$(addr "$1")/metrics" | awk '/^go_memstats_mallocs_total /{printf "%.0f\n", $2}'
  fi
}
url() { echo "http://$(addr "$1")/v1/check_gate"; }

for t in $servers; do KEY=$key wrk -t1 -c"$CONNS" -d2s -s "$here/check_gate.lua" "$(url $t)" >/dev/null; done # warm-up
printf '%-8s %5s %12s %9s %9s %14s\n' server round req/s p50 p99 allocs/request
for r in $(seq "$ROUNDS"); do
  order=$servers
  (( r % 2 == 0 )) && order=$(tr ' ' '\n' <<<"$servers" | tac | tr '\n' ' ')
  for t in $order; do
    before=$(allocs "$t")
    res=$(KEY=$key wrk -t1 -c"$CONNS" -d"$DURATION" --latency -s "$here/check_gate.lua" "$(url "$t")")
    after=$(allocs "$t")
    rps=$(awk '/^Requests\/sec/{print $2}' <<<"$res")
    p50=$(awk '$1=="50%"{print $2}' <<<"$res")
    p99=$(awk '$1=="99%"{print $2}' <<<"$res")
    n=$(awk '/requests in/{print $1}' <<<"$res")
    non2xx=$(awk '/Non-2xx/{print $NF}' <<<"$res")
    [[ -z "$non2xx" ]] || { echo "wrk.sh: $t answered $non2xx non-2xx responses"; exit 1; }
    printf '%-8s %5s %12s %9s %9s %14s\n' "$t" "$r" "$rps" "$p50" "$p99" "$(awk -v a="$before" -v b="$after" -v n="$n" 'BEGIN{printf "%.1f", (b-a)/n}')"
  done
done
