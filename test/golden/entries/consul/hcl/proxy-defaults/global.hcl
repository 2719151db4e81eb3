Kind = "proxy-defaults"
Name = "global"
Config = {
  "envoy_prometheus_bind_addr" = "0.0.0.0:9102"
  "local_connect_timeout_ms" = 1000
  "protocol" = "http"
}
MeshGateway {
  Mode = "local"
}
Meta = {
  "managed-by" = "meshcc"
  "meshcc-environment" = "multi-dc"
}
Mode = "direct"
