#!/usr/bin/env bash
# Regenerates the real `meshcc plan/drift --json` fixtures from a throwaway Consul dev agent on 127.0.61.1 (killed on exit).
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=test/github/real
D=$(mktemp -d)
"${MESHCC_CONSUL_BIN:-$HOME/.cache/meshcc/consul-v1.22.7/consul}" agent -dev -bind=127.0.61.1 -client=127.0.61.1 \
  -http-port=8500 -grpc-port=-1 -dns-port=-1 -serf-lan-port=8311 -serf-wan-port=-1 -server-port=8310 -data-dir="$D" >"$D/log" 2>&1 &
pid=$!
trap 'kill $pid; rm -rf "$D"' EXIT
export CONSUL_HTTP_ADDR=http://127.0.61.1:8500
until curl -sf "$CONSUL_HTTP_ADDR/v1/status/leader" | grep -q :; do sleep 0.2; done
node bin/meshcc.js plan environments/multi-dc --json >"$out/plan-create.json" || [ $? = 2 ]
node bin/meshcc.js apply environments/multi-dc >/dev/null
node bin/meshcc.js drift environments/multi-dc --json >"$out/drift-clean.json"
r=$(curl -sf "$CONSUL_HTTP_ADDR/v1/config/service-resolver" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0))[0].Name)')
curl -sf -X DELETE "$CONSUL_HTTP_ADDR/v1/config/service-resolver/$r" >/dev/null
printf '{"Kind":"service-defaults","Name":"%s","Protocol":"http"}' "$r" | curl -sf -X PUT --data-binary @- "$CONSUL_HTTP_ADDR/v1/config" >/dev/null
printf '{"Kind":"service-defaults","Name":"adhoc","Protocol":"http"}' | curl -sf -X PUT --data-binary @- "$CONSUL_HTTP_ADDR/v1/config" >/dev/null
node bin/meshcc.js drift environments/multi-dc --json >"$out/drift-drifted.json" || [ $? = 2 ]
node bin/meshcc.js plan environments/multi-dc --json >"$out/plan-drifted.json" || [ $? = 2 ]
