Kind = "service-defaults"
Name = "admin"
MeshGateway {
  Mode = "remote"
}
Meta = {
  "managed-by" = "meshcc"
  "meshcc-environment" = "gateway-modes"
}
