#!/usr/bin/env bash
# Builds the envtest control plane (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl,
# etcd) from the Go module proxy, because setup-envtest's downloads are unreachable here, and links
# in kwok and its stages (hack/kwok-assets.sh, cached under its own version). Results are cached
# outside the repo, keyed by version; a warm run only prints the directory. Safe to run
# concurrently (flock).
#
# Usage: hack/envtest-assets.sh          -> prints the directory to use as KUBEBUILDER_ASSETS
# Env:   K8S_VERSION (default: from go.mod's k8s.io/api), ETCD_VERSION (default: what that
#        k8s.io/kubernetes release requires), KWOK_VERSION (see hack/kwok-assets.sh),
#        STATSIG_OPERATOR_CACHE (default ~/.cache/statsig-operator)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z "${K8S_VERSION:-}" ]]; then
  api=$(grep -oE 'k8s\.io/api v0\.[0-9]+\.[0-9]+' "$root/go.mod" | head -1 | cut -d' ' -f2)   # v0.37.2
  K8S_VERSION="v1.${api#v0.}"
fi
minor=$(echo "$K8S_VERSION" | cut -d. -f2)
staging_version="v0.${K8S_VERSION#v1.}"
goos=$(go env GOOS); goarch=$(go env GOARCH)
cache=${STATSIG_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/statsig-operator}
out="$cache/k8s/${K8S_VERSION}-${goos}-${goarch}"
bins=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd)

# kwok lives in its own version-keyed directory (built first if missing); the control-plane
# directory links to it, relatively so the cache can move, and the link says which version it is.
kwok_dir=$("$root/hack/kwok-assets.sh")
kwok_link="../../kwok/${kwok_dir##*/}"
k8s_complete() { for b in "${bins[@]}"; do [[ -x "$out/$b" ]] || return 1; done; }
kwok_linked() { [[ "$(readlink "$out/kwok" 2>/dev/null)" == "$kwok_link/kwok" && -x "$out/kwok" && -s "$out/kwok-stages.yaml" ]]; }
complete() { k8s_complete && kwok_linked; }
if complete; then echo "$out"; exit 0; fi

mkdir -p "$cache/k8s"
exec 9>"$cache/k8s/.lock"
flock 9                      # another build may be running: wait for it, then re-check
if complete; then echo "$out"; exit 0; fi

log() { echo "envtest-assets: $*" >&2; }
link_kwok() {
  # Stages first, binary last: a reader that sees the new kwok link also sees its stages.
  for f in kwok-stages.yaml kwok; do
    ln -sfn "$kwok_link/$f" "$out/.$f.tmp" && mv -fT "$out/.$f.tmp" "$out/$f"
  done
}
if k8s_complete; then link_kwok; echo "$out"; exit 0; fi
work=$(mktemp -d "$cache/k8s/.build-XXXXXX")
trap 'rm -rf "$work"' EXIT
export GOFLAGS=-mod=mod GOWORK=off CGO_ENABLED=0

# --- Kubernetes: a wrapper module that replaces every staging module by its published version ---
log "building Kubernetes $K8S_VERSION (cold build takes ~10 minutes on 2 cores)"
kmod=$(cd "$work" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
mkdir -p "$work/k8s/kube-apiserver" "$work/k8s/kube-controller-manager" "$work/k8s/kube-scheduler" "$work/k8s/kubectl"
{
  echo "module envtestbuild"
  echo "go $(go env GOVERSION | sed 's/^go//; s/^\([0-9]*\.[0-9]*\).*/\1/')"
  echo "require k8s.io/kubernetes $K8S_VERSION"
  grep -E '^\s*k8s.io/[a-z0-9-]+ => ./staging/' "$kmod" | awk -v v="$staging_version" '{print "replace " $1 " => " $1 " " v}'
} >"$work/k8s/go.mod"
cat >"$work/k8s/kube-apiserver/main.go" <<'GO'
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() { os.Exit(cli.Run(app.NewAPIServerCommand())) }
GO
cat >"$work/k8s/kube-controller-manager/main.go" <<'GO'
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() { os.Exit(cli.Run(app.NewControllerManagerCommand())) }
GO
cat >"$work/k8s/kube-scheduler/main.go" <<'GO'
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-scheduler/app"
)

func main() { os.Exit(cli.Run(app.NewSchedulerCommand())) }
GO
cat >"$work/k8s/kubectl/main.go" <<'GO'
package main

import (
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	if err := cli.RunNoErrOutput(cmd.NewDefaultKubectlCommand()); err != nil {
		util.CheckErr(err)
	}
}
GO
ver="k8s.io/component-base/version"
ldflags="-s -w -X $ver.gitVersion=$K8S_VERSION -X $ver.gitMajor=1 -X $ver.gitMinor=$minor -X $ver.gitTreeState=clean"
ldflags="$ldflags -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
(cd "$work/k8s" && go mod tidy >&2 && go build -trimpath -ldflags "$ldflags" -o "$work/bin/" ./kube-apiserver ./kube-controller-manager ./kube-scheduler ./kubectl >&2)

# --- etcd: the server module needs no replaces ---
if [[ -z "${ETCD_VERSION:-}" ]]; then
  ETCD_VERSION=$(awk '$1=="go.etcd.io/etcd/server/v3"{print $2; exit}' "$kmod")
fi
log "building etcd $ETCD_VERSION"
mkdir -p "$work/etcd"
printf 'module etcdbuild\n\ngo 1.24\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" >"$work/etcd/go.mod"
cat >"$work/etcd/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
(cd "$work/etcd" && go mod tidy >&2 && go build -trimpath -ldflags "-s -w" -o "$work/bin/etcd" . >&2)

# Publish atomically: readers see either no directory or a complete one.
rm -rf "$out.tmp" && mv "$work/bin" "$out.tmp" && rm -rf "$out" && mv "$out.tmp" "$out"
link_kwok
log "cached in $out"
echo "$out"
