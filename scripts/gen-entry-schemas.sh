#!/usr/bin/env bash
# Regenerates src/input/entries/schema.generated.ts: every config-entry kind's fields, aliases and Go types, read by
# reflection from Consul's api module (scripts/gen-entry-schemas/main.go). For a new Consul version set API_V to the
# api release that version's go.mod needs (see scripts/setup-consul.sh) and review the diff; meshcc's analyzed fields
# live in src/input/entries/schema.ts and are checked against the generated shape by test/entries/schema.test.ts.
set -euo pipefail
API_V="${MESHCC_CONSUL_API_VERSION:-v1.34.1}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/src/input/entries/schema.generated.ts"
command -v go >/dev/null || { echo "gen-entry-schemas: Go is not installed" >&2; exit 3; }
cd "$ROOT/scripts/gen-entry-schemas"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
if [ "$(go list -m -f '{{.Version}}' github.com/hashicorp/consul/api)" != "$API_V" ]; then
  go get "github.com/hashicorp/consul/api@$API_V" >&2
fi
go run . "$API_V" > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
cd "$ROOT" && npx biome format --write "$OUT" >/dev/null
echo "$OUT"
