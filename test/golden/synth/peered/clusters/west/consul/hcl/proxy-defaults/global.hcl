Kind = "proxy-defaults"
Name = "global"
MeshGateway {
  Mode = "local"
}
Meta = {
  "managed-by" = "meshcc"
  "meshcc-environment" = "peered"
}
