#!/usr/bin/env bash
# Copies the generated CRDs (config/crd/bases, from `make manifests`) into the Helm chart, which
# templates them from files/crds/. test/chart (TestChartCRDsInSync) fails when the copies differ.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/charts/statsig-operator/files/crds"
mkdir -p "$dest"
# Remove copies of CRDs that no longer exist, then copy byte for byte.
for f in "$dest"/*.yaml; do
  [[ -e "$f" && ! -e "$root/config/crd/bases/$(basename "$f")" ]] && rm -f "$f"
done
cp "$root"/config/crd/bases/*.yaml "$dest/"
