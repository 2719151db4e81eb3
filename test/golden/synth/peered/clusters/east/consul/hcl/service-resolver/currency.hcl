Kind = "service-resolver"
Name = "currency"
ConnectTimeout = "3s"
Failover = {
  "*" = {
    Targets = [
      {
        Peer = "west"
      },
    ]
  }
}
Meta = {
  "managed-by" = "meshcc"
  "meshcc-environment" = "peered"
}
