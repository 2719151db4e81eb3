Kind = "service-resolver"
Name = "api"
ConnectTimeout = "3s"
DefaultSubset = "v1"
Failover = {
  "*" = {
    Datacenters = ["dc2"]
  }
  "v2" = {
    Targets = [
      {
        Datacenter = "dc2"
        ServiceSubset = "v2"
      },
    ]
  }
}
LoadBalancer {
  HashPolicies = [
    {
      CookieConfig = {
        Path = "/"
        TTL = "30m0s"
      }
      Field = "cookie"
      FieldValue = "session"
    },
    {
      SourceIP = true
      Terminal = true
    },
  ]
  Policy = "ring_hash"
  RingHashConfig {
    MinimumRingSize = 1024
  }
}
RequestTimeout = "20s"
Subsets = {
  "v1" = {
    Filter = "Service.Meta.version == v1"
  }
  "v2" = {
    Filter = "Service.Meta.version == v2"
    OnlyPassing = true
  }
}
