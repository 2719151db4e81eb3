#!/usr/bin/env bash
# Builds helm from source through the Go module proxy (cached under ~/.cache/meshcc/) and finds the consul-k8s chart
# the tests render. Prints `helm=<path>` and `chart=<dir>` (the directory with Chart.yaml) on stdout; progress goes to
# stderr. Idempotent: a cached helm that answers `version` is reused.
#
# The chart: MESHCC_CONSUL_CHART_DIR when set (charts/consul of a consul-k8s checkout at the version you run, or an
# unpacked `helm pull hashicorp/consul --untar`), else ../shared/consul-k8s-chart beside the repository (consul-k8s
# a507b1d1, chart 2.1.0-dev; its SOURCE.md says where it comes from). The chart is not fetched here: no registry
# reachable from CI serves it (the Go module proxy answers 403 for github.com/hashicorp/consul-k8s), and it is never
# copied into the project.
#
# Exit codes: 0 both ready; 3 Go missing (nothing built); 4 helm ready but no chart directory.
#
# Pin: helm v3.19.5, newest v3.19.x on the proxy; its go.mod has no replace directive (checked: `go mod download -json
# helm.sh/helm/v3@v3.19.5`, GoMod), so `go install` works.
set -euo pipefail
HELM_V="${MESHCC_HELM_VERSION:-v3.19.5}"
CACHE="${MESHCC_CACHE:-$HOME/.cache/meshcc}"
HELM="$CACHE/helm-$HELM_V/helm"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

if [ -x "$HELM" ] && "$HELM" version >/dev/null 2>&1; then
  echo "setup-helm: using cached $HELM" >&2
else
  command -v go >/dev/null || { echo "setup-helm: Go is not installed; cannot build helm $HELM_V" >&2; exit 3; }
  echo "setup-helm: building helm $HELM_V (cold build takes several minutes)" >&2
  mkdir -p "$(dirname "$HELM")"
  (cd "$(mktemp -d)" && GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$(dirname "$HELM")" go install -trimpath \
    -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_V" "helm.sh/helm/v3/cmd/helm@$HELM_V" >&2)
  "$HELM" version >&2
fi
echo "helm=$HELM"

chart="${MESHCC_CONSUL_CHART_DIR:-$ROOT/../shared/consul-k8s-chart}"
if ! { [ -f "$chart/Chart.yaml" ] && [ -f "$chart/values.yaml" ] && [ -d "$chart/templates" ]; }; then
  echo "setup-helm: no consul-k8s chart at $chart (no Chart.yaml/values.yaml/templates)" >&2
  echo "setup-helm: set MESHCC_CONSUL_CHART_DIR to a chart directory (charts/consul of a consul-k8s checkout)" >&2
  exit 4
fi
chart="$(cd "$chart" && pwd)"
echo "setup-helm: using chart $chart ($(sed -n 's/^version: *//p' "$chart/Chart.yaml"))" >&2
echo "chart=$chart"
