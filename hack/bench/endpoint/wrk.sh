#!/usr/bin/env bash
# Each route of ROUTES over keep-alive HTTP/1.1 on loopback against `statsig-operator serve` (eval
# project, logging off) and, in the same run, against minimal/ (net/http returning a fixed 60-byte
# JSON: the machine's ceiling for this server shape; issue 20), alternating, ROUNDS times each.
# Prints requests/s, p50, p99, the ratio to minimal's requests/s in the same round, and the
# server's heap allocations per request (its allocation counter before and after the run over
# wrk's request count: net/http's share on a real connection, from minimal, and the endpoint's).
#
# Env: ROUTES [check_gate] (also check_gate_batch get_config get_config_batch ofrep),
#      ROUNDS [3], DURATION [10s], CONNS [32], STATSIG_OPERATOR_CACHE [~/.cache/statsig-operator],
#      BEFORE [none]: a git revision also built and served ("before"), in the same alternation.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
here="$root/hack/bench/endpoint"
command -v wrk >/dev/null || { echo "wrk.sh: wrk is required"; exit 1; }
ROUTES=${ROUTES:-check_gate}
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
user='"user":{"userID":"bench-user","email":"a@statsig.com","country":"US","custom":{"plan":"pro","level":3},"customIDs":{"companyID":"c1"}}'
route() { # path and body of a route (the handler benchmarks' requests)
  case $1 in
    check_gate) echo "/v1/check_gate" "{\"gateName\":\"test_public\",$user}" ;;
    check_gate_batch) echo "/v1/check_gate" "{\"gateNames\":[\"test_public\",\"test_email\",\"test_country\"],$user}" ;;
    get_config) echo "/v1/get_config" "{\"configName\":\"test_email_config\",$user}" ;;
    get_config_batch) echo "/v1/get_config" \
      "{\"configNames\":[\"test_email_config\",\"test_custom_config\",\"operating_system_config\"],$user}" ;;
    ofrep) echo "/ofrep/v1/evaluate/flags/test_public" '{"context":{"targetingKey":"bench-user","email":"a@statsig.com","country":"US","plan":"pro","level":3,"customIDs":{"companyID":"c1"}}}' ;;
    *) echo "wrk.sh: unknown route $1" >&2; exit 1 ;;
  esac
}

printf '%-17s %-8s %5s %12s %9s %9s %8s %14s\n' route server round req/s p50 p99 /minimal allocs/request
for rt in $ROUTES; do
  read -r path body <<<"$(route "$rt")"
  for t in $servers; do # warm-up
    BODY=$body KEY=$key wrk -t1 -c"$CONNS" -d2s -s "$here/request.lua" "http://$(addr "$t")$path" >/dev/null
  done
  for r in $(seq "$ROUNDS"); do
    order=$servers
    (( r % 2 == 0 )) && order=$(tr ' ' '\n' <<<"$servers" | tac | tr '\n' ' ')
    declare -A rps=() line=()
    for t in $order; do
      before=$(allocs "$t")
      res=$(BODY=$body KEY=$key wrk -t1 -c"$CONNS" -d"$DURATION" --latency -s "$here/request.lua" "http://$(addr "$t")$path")
      after=$(allocs "$t")
      rps[$t]=$(awk '/^Requests\/sec/{print $2}' <<<"$res")
      n=$(awk '/requests in/{print $1}' <<<"$res")
      non2xx=$(awk '/Non-2xx/{print $NF}' <<<"$res")
      [[ -z "$non2xx" ]] || { echo "wrk.sh: $t answered $non2xx non-2xx responses on $rt"; exit 1; }
      line[$t]="$(awk '$1=="50%"{p50=$2} $1=="99%"{p99=$2} END{printf "%9s %9s", p50, p99}' <<<"$res")"
      line[$t]+=" RATIO $(awk -v a="$before" -v b="$after" -v n="$n" 'BEGIN{printf "%14.1f", (b-a)/n}')"
    done
    for t in $order; do
      ratio=$(awk -v a="${rps[$t]}" -v m="${rps[minimal]}" 'BEGIN{printf "%8.2f", a/m}')
      printf '%-17s %-8s %5s %12s %s\n' "$rt" "$t" "$r" "${rps[$t]}" "${line[$t]/RATIO/$ratio}"
    done
  done
done
