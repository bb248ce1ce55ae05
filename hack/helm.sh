#!/usr/bin/env bash
# Builds the Helm CLI from the Go module proxy (no release downloads here) and caches it outside
# the repo, keyed by version; a warm run only prints the path. Safe to run concurrently (flock).
# Helm stays out of the project's go.mod: it is built in a throwaway wrapper module.
#
# Usage: hack/helm.sh          -> prints the path of the helm binary
# Env:   HELM_VERSION (default v4.3.1), STATSIG_OPERATOR_CACHE (default ~/.cache/statsig-operator)
set -euo pipefail

HELM_VERSION=${HELM_VERSION:-v4.3.1}
cache=${STATSIG_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/statsig-operator}
out="$cache/helm/$HELM_VERSION"
bin="$out/helm"

if [[ -x "$bin" ]]; then echo "$bin"; exit 0; fi

mkdir -p "$cache/helm"
exec 9>"$cache/helm/.lock"
flock 9                      # another build may be running: wait for it, then re-check
if [[ -x "$bin" ]]; then echo "$bin"; exit 0; fi

log() { echo "helm: $*" >&2; }
work=$(mktemp -d "$cache/helm/.build-XXXXXX")
trap 'rm -rf "$work"' EXIT
export GOFLAGS=-mod=mod GOWORK=off CGO_ENABLED=0

log "building helm $HELM_VERSION from the Go module proxy (cold build takes a few minutes on 2 cores)"
{
  echo "module helmbuild"
  echo "go $(go env GOVERSION | sed 's/^go//; s/^\([0-9]*\.[0-9]*\).*/\1/')"
  echo "require helm.sh/helm/v4 $HELM_VERSION"
} >"$work/go.mod"
# Same version stamping as Helm's Makefile, so `helm version` reports the real release.
ldflags="-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION -X helm.sh/helm/v4/internal/version.gitTreeState=clean"
(cd "$work" && go get "helm.sh/helm/v4/cmd/helm@$HELM_VERSION" >&2 && go build -trimpath -ldflags "$ldflags" -o "$work/bin/helm" helm.sh/helm/v4/cmd/helm >&2)

# Publish atomically: readers see either no directory or a complete one.
rm -rf "$out.tmp" && mv "$work/bin" "$out.tmp" && rm -rf "$out" && mv "$out.tmp" "$out"
log "cached in $out"
echo "$bin"
