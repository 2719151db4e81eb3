Kind = "service-intentions"
Name = "admin"
Meta = {
  "managed-by" = "meshcc"
  "meshcc-environment" = "l7-routing"
}
Sources = [
  {
    Action = "allow"
    Name = "web"
  },
]
