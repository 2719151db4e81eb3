Kind = "mesh"
Meta = {
  "managed-by" = "meshcc"
  "meshcc-environment" = "peered"
}
Peering {
  PeerThroughMeshGateways = true
}
