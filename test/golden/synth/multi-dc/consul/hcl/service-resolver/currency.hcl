Kind = "service-resolver"
Name = "currency"
ConnectTimeout = "3s"
Failover = {
  "*" = {
    Datacenters = ["dc2"]
  }
}
Meta = {
  "managed-by" = "meshcc"
  "meshcc-environment" = "multi-dc"
}
