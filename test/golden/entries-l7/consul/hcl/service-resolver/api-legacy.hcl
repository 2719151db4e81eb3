Kind = "service-resolver"
Name = "api-legacy"
Redirect {
  Datacenter = "dc2"
  Service = "api"
  ServiceSubset = "v1"
}
