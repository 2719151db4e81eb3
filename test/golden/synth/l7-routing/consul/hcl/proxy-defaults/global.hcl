Kind = "proxy-defaults"
Name = "global"
Config = {
  "protocol" = "http"
}
MeshGateway {
  Mode = "local"
}
Meta = {
  "managed-by" = "meshcc"
  "meshcc-environment" = "l7-routing"
}
