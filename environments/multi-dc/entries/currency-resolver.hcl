kind            = "service-resolver"
name            = "currency"
connect_timeout = "3s"
failover = {
  "*" = {
    datacenters = ["dc2"]
  }
}
