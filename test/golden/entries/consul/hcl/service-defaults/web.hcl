Kind = "service-defaults"
Name = "web"
ExternalSNI = "web.example.com"
MeshGateway {
  Mode = "remote"
}
Meta = {
  "managed-by" = "meshcc"
}
Protocol = "http"
UpstreamConfig {
  Defaults {
    ConnectTimeoutMs = 5000
    Protocol = "tcp"
  }
  Overrides = [
    {
      ConnectTimeoutMs = 2500
      MeshGateway = {
        Mode = "local"
      }
      Name = "payments"
    },
    {
      Name = "currency"
      Peer = "partner"
      Protocol = "grpc"
    },
  ]
}
