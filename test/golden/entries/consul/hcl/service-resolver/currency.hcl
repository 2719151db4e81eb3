Kind = "service-resolver"
Name = "currency"
ConnectTimeout = "3s"
DefaultSubset = "v1"
Failover = {
  "*" = {
    Datacenters = ["dc2", "dc3"]
  }
  "v2" = {
    Targets = [
      {
        Datacenter = "dc2"
        ServiceSubset = "v2"
      },
      {
        Peer = "partner"
        Service = "currency"
      },
    ]
  }
}
Meta = {
  "managed-by" = "meshcc"
}
RequestTimeout = "1m30s"
Subsets = {
  "v1" = {
    Filter = "Service.Meta.version == \"v1\""
    OnlyPassing = true
  }
  "v2" = {
    Filter = "Service.Meta.version == \"v2\""
  }
}
