#!/usr/bin/env bash
# Builds actionlint from source through the Go module proxy and caches it under ~/.cache/meshcc/actionlint-<ver>/.
# Prints `actionlint=<path>` on stdout and, when shellcheck is available, `shellcheck=<path>` (actionlint runs it on
# every `run:` script when it is on PATH); progress goes to stderr. Idempotent: a cached binary that answers
# `-version` is reused.
#
# Installing shellcheck is optional: when it is missing and we are root with apt-get, it is installed; otherwise actionlint
# runs without it (set MESHCC_NO_SHELLCHECK_INSTALL=1 to never install).
#
# Exit codes: 0 ready; 3 Go missing (nothing built).
#
# Pin: actionlint v1.7.12 (newest on the proxy when pinned).
set -euo pipefail
V="${MESHCC_ACTIONLINT_VERSION:-v1.7.12}"
CACHE="${MESHCC_CACHE:-$HOME/.cache/meshcc}"
BIN="$CACHE/actionlint-$V/actionlint"

if [ -x "$BIN" ] && "$BIN" -version >/dev/null 2>&1; then
  echo "setup-actionlint: using cached $BIN" >&2
else
  command -v go >/dev/null || { echo "setup-actionlint: Go is not installed; cannot build actionlint $V" >&2; exit 3; }
  echo "setup-actionlint: building actionlint $V" >&2
  mkdir -p "$(dirname "$BIN")"
  (cd "$(mktemp -d)" && GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$(dirname "$BIN")" go install -trimpath \
    -ldflags="-s -w -X github.com/rhysd/actionlint.version=$V" "github.com/rhysd/actionlint/cmd/actionlint@$V" >&2)
  "$BIN" -version >&2
fi
echo "actionlint=$BIN"

if ! command -v shellcheck >/dev/null 2>&1 && [ -z "${MESHCC_NO_SHELLCHECK_INSTALL:-}" ] \
  && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup-actionlint: installing shellcheck (optional)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y shellcheck >&2 || echo "setup-actionlint: shellcheck install failed; continuing without it" >&2
fi
if command -v shellcheck >/dev/null 2>&1; then
  echo "shellcheck=$(command -v shellcheck)"
else
  echo "setup-actionlint: shellcheck not found; actionlint will skip shell script checks" >&2
fi
