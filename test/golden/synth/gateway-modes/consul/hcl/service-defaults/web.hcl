Kind = "service-defaults"
Name = "web"
MeshGateway {
  Mode = "local"
}
Meta = {
  "managed-by" = "meshcc"
  "meshcc-environment" = "gateway-modes"
}
