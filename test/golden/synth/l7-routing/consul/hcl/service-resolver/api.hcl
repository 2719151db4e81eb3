Kind = "service-resolver"
Name = "api"
ConnectTimeout = "3s"
DefaultSubset = "v1"
Failover = {
  "*" = {
    Datacenters = ["dc2"]
  }
}
Meta = {
  "managed-by" = "meshcc"
  "meshcc-environment" = "l7-routing"
}
Subsets = {
  "v1" = {
    Filter = "Service.Meta.version == v1"
  }
  "v2" = {
    Filter = "Service.Meta.version == v2"
    OnlyPassing = true
  }
}
