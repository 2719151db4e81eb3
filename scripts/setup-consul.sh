#!/usr/bin/env bash
# Builds the real Consul from source through the Go module proxy and caches the binary under
# ~/.cache/meshcc/consul-<version>/consul. Prints the binary's path on the last line of stdout.
# Idempotent: a cached binary that answers `version` is reused.
set -euo pipefail
V="${MESHCC_CONSUL_VERSION:-v1.22.7}"
# Consul's root go.mod replaces its api submodule with ./api, whose code is newer than the api tag the root requires
# (v1.22.7 needs ACLToken.Name and ACLAuthMethod.TokenNameFormat, first published in api v1.34.1). The module zip
# leaves nested modules out, so the wrapper requires the published api release that carries them.
API_V="${MESHCC_CONSUL_API_VERSION:-v1.34.1}"
CACHE="${MESHCC_CACHE:-$HOME/.cache/meshcc}"
OUT="$CACHE/consul-$V/consul"
if [ -x "$OUT" ] && "$OUT" version >/dev/null 2>&1; then echo "$OUT"; exit 0; fi
command -v go >/dev/null || { echo "setup-consul: Go is not installed; cannot build Consul $V" >&2; exit 3; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
W="$CACHE/consul-build/$V"
mkdir -p "$W" "$(dirname "$OUT")"
cd "$W"
cat > go.mod <<GOMOD
module local.invalid/consulbuild

go 1.26

// Copied from hashicorp/consul's own go.mod: exclude only takes effect in the main module.
exclude (
	github.com/hashicorp/go-msgpack v1.1.5
	github.com/hashicorp/go-msgpack v1.1.6
)
GOMOD
rm -f go.sum
echo "setup-consul: resolving github.com/hashicorp/consul@$V" >&2
go get -tool "github.com/hashicorp/consul@$V" >&2
go get "github.com/hashicorp/consul/api@$API_V" >&2
got=$(go list -m -f '{{.Version}}' github.com/hashicorp/consul)
[ "$got" = "$V" ] || { echo "setup-consul: MVS selected consul $got, wanted $V" >&2; exit 1; }
TAGS=()
if grep -qs 'hashicorpmetrics' "$(go env GOMODCACHE)/github.com/hashicorp/consul@$V/Makefile"; then TAGS=(-tags=hashicorpmetrics); fi
echo "setup-consul: building consul $V (cold build takes several minutes)" >&2
go build "${TAGS[@]}" -trimpath -ldflags='-s -w' -o "$OUT.tmp" github.com/hashicorp/consul >&2
mv "$OUT.tmp" "$OUT"
"$OUT" version >&2
echo "$OUT"
