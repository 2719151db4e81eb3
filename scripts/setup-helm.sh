#!/usr/bin/env bash
# Builds helm from source through the Go module proxy and fetches the consul-k8s chart as a Go module, both cached
# under ~/.cache/meshcc/. Prints `helm=<path>` and, when the chart could be had, `chart=<dir>` (the directory with
# Chart.yaml) on stdout; progress goes to stderr. Idempotent: a cached helm that answers `version` and a cached chart
# with a Chart.yaml are reused.
#
# Exit codes: 0 both ready; 3 Go missing (nothing built); 4 helm ready but the chart could not be fetched.
#
# Pins:
# - helm v3.19.5: newest v3.19.x on the proxy; its go.mod has no replace directive (checked: `go mod download -json
#   helm.sh/helm/v3@v3.19.5`, GoMod), so `go install` works.
# - chart: github.com/hashicorp/consul-k8s/charts has no tags of its own (charts/go.mod is consumed by the CLI through
#   a replace), so it is fetched by commit: 7af6b659 is consul-k8s v2.0.3, whose federation / meshGateway / acls / tls
#   keys are identical to v1.9.x, the line that pairs with Consul 1.22 (see shared reference consul-k8s-helm.md).
#   Override with MESHCC_CHART_REF=<commit>, or point MESHCC_CONSUL_CHART_DIR at a chart directory you already have.
set -euo pipefail
HELM_V="${MESHCC_HELM_VERSION:-v3.19.5}"
CHART_REF="${MESHCC_CHART_REF:-7af6b659}"
CACHE="${MESHCC_CACHE:-$HOME/.cache/meshcc}"
HELM="$CACHE/helm-$HELM_V/helm"
CHART_LINK="$CACHE/consul-chart-$CHART_REF"

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

chart_ok() { [ -f "$1/Chart.yaml" ] && [ -f "$1/values.yaml" ] && [ -d "$1/templates" ]; }

if [ -n "${MESHCC_CONSUL_CHART_DIR:-}" ]; then
  chart_ok "$MESHCC_CONSUL_CHART_DIR" || { echo "setup-helm: $MESHCC_CONSUL_CHART_DIR has no Chart.yaml/values.yaml/templates" >&2; exit 4; }
  echo "chart=$MESHCC_CONSUL_CHART_DIR"
  exit 0
fi
if [ -L "$CHART_LINK" ] && chart_ok "$CHART_LINK"; then
  echo "setup-helm: using cached chart $CHART_LINK" >&2
  echo "chart=$CHART_LINK"
  exit 0
fi
echo "setup-helm: fetching github.com/hashicorp/consul-k8s/charts@$CHART_REF" >&2
set +e
json=$(cd "$(mktemp -d)" && GOTOOLCHAIN=local GOMODCACHE="$CACHE/gomod" GOFLAGS=-modcacherw \
  go mod download -json "github.com/hashicorp/consul-k8s/charts@$CHART_REF" 2>&1)
set -e
dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
if [ -z "$dir" ] || ! chart_ok "$dir/consul"; then
  err=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",\{0,1\}$/\1/p')
  echo "setup-helm: could not fetch the consul-k8s chart: ${err:-$json}" >&2
  echo "setup-helm: set MESHCC_CONSUL_CHART_DIR to a checkout's charts/consul to use a local copy" >&2
  exit 4
fi
ln -sfn "$dir/consul" "$CHART_LINK"
echo "chart=$CHART_LINK"
