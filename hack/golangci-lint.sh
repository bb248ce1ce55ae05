#!/usr/bin/env bash
# Builds golangci-lint from the Go module proxy and caches it outside the repo, keyed by its
# version and the Go toolchain's version (golangci-lint refuses to load code that targets a newer
# Go than it was built with); a warm run only prints the path. Safe to run concurrently (flock).
# golangci-lint is pinned as a Go tool in its own module, hack/tools/go.mod, so its large
# dependency tree stays out of the operator's go.mod; bump it with
#   (cd hack/tools && go get -tool github.com/golangci/golangci-lint/v2/cmd/golangci-lint@vX.Y.Z)
#
# Usage: hack/golangci-lint.sh   -> prints the path of the golangci-lint binary
# Env:   STATSIG_OPERATOR_CACHE (default ~/.cache/statsig-operator)
set -euo pipefail

tools=$(cd "$(dirname "$0")/tools" && pwd)
mod=github.com/golangci/golangci-lint/v2
version=$(awk -v m="$mod" '$1 == m { print $2 }' "$tools/go.mod")
[[ -n "$version" ]] || { echo "golangci-lint: no $mod requirement in $tools/go.mod" >&2; exit 1; }
gover=$(go env GOVERSION)
cache=${STATSIG_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/statsig-operator}
out="$cache/golangci-lint/$version-$gover"
bin="$out/golangci-lint"

if [[ -x "$bin" ]]; then echo "$bin"; exit 0; fi

mkdir -p "$cache/golangci-lint"
exec 9>"$cache/golangci-lint/.lock"
flock 9                      # another build may be running: wait for it, then re-check
if [[ -x "$bin" ]]; then echo "$bin"; exit 0; fi

log() { echo "golangci-lint: $*" >&2; }
work=$(mktemp -d "$cache/golangci-lint/.build-XXXXXX")
trap 'rm -rf "$work"' EXIT
export GOWORK=off CGO_ENABLED=0

log "building golangci-lint $version with $gover from the Go module proxy (cold build takes several minutes on 2 cores)"
# Built from the tools module, the binary's main module is hack/tools: stamp the real version
# (with a non-empty date, which keeps main.version instead of the build info's "(devel)").
ldflags="-s -w -X main.version=${version#v} -X main.commit=go-module-proxy -X main.date=(unknown)"
(cd "$tools" && go build -mod=readonly -trimpath -ldflags "$ldflags" -o "$work/bin/golangci-lint" "$mod/cmd/golangci-lint" >&2)

# Publish atomically: readers see either no directory or a complete one.
rm -rf "$out.tmp" && mv "$work/bin" "$out.tmp" && rm -rf "$out" && mv "$out.tmp" "$out"
log "cached in $out"
echo "$bin"
