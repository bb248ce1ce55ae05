#!/usr/bin/env bash
# Builds kwok (simulated nodes: it runs pods without containers) from the Go module proxy and
# writes next to it kwok-stages.yaml, the default stages kwokctl would give it (node-initialize,
# node-heartbeat-with-lease, pod-ready, pod-complete, pod-delete), taken from the same module.
# Cached outside the repo, keyed by the kwok version; a warm run only prints the directory.
# Safe to run concurrently (flock). hack/envtest-assets.sh calls it and links both files into
# the control-plane directory.
#
# Usage: hack/kwok-assets.sh             -> prints the directory holding kwok and kwok-stages.yaml
# Env:   KWOK_VERSION (default v0.8.0), STATSIG_OPERATOR_CACHE (default ~/.cache/statsig-operator)
set -euo pipefail

KWOK_VERSION=${KWOK_VERSION:-v0.8.0}
goos=$(go env GOOS); goarch=$(go env GOARCH)
cache=${STATSIG_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/statsig-operator}
out="$cache/kwok/${KWOK_VERSION}-${goos}-${goarch}"

complete() { [[ -x "$out/kwok" && -s "$out/kwok-stages.yaml" ]]; }
if complete; then echo "$out"; exit 0; fi

mkdir -p "$cache/kwok"
exec 8>"$cache/kwok/.lock"
flock 8
if complete; then echo "$out"; exit 0; fi

log() { echo "kwok-assets: $*" >&2; }
work=$(mktemp -d "$cache/kwok/.build-XXXXXX")
trap 'rm -rf "$work"' EXIT
export GOFLAGS=-mod=mod GOWORK=off CGO_ENABLED=0

log "building kwok $KWOK_VERSION (a few minutes cold)"
mkdir -p "$work/src" "$work/bin"
# A throwaway module that requires kwok and builds its own cmd/kwok: no code of ours.
printf 'module kwokbuild\n\ngo %s\n\nrequire sigs.k8s.io/kwok %s\n' \
  "$(go env GOVERSION | sed 's/^go//; s/^\([0-9]*\.[0-9]*\).*/\1/')" "$KWOK_VERSION" >"$work/src/go.mod"
printf '//go:build tools\n\npackage tools\n\nimport _ "sigs.k8s.io/kwok/cmd/kwok"\n' >"$work/src/tools.go"
(cd "$work/src" && go mod tidy >&2 &&
  go build -trimpath -ldflags "-s -w" -o "$work/bin/kwok" sigs.k8s.io/kwok/cmd/kwok >&2)

dir=$(cd "$work/src" && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
for f in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
  pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
  echo "---"
  cat "$dir/kustomize/stage/$f.yaml"
done >"$work/bin/kwok-stages.yaml"

# Publish atomically: readers see either no directory or a complete one.
rm -rf "$out.tmp" && mv "$work/bin" "$out.tmp" && rm -rf "$out" && mv "$out.tmp" "$out"
log "cached in $out"
echo "$out"
