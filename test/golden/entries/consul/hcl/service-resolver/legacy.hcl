Kind = "service-resolver"
Name = "legacy"
Redirect {
  Datacenter = "dc2"
  Service = "currency"
}
