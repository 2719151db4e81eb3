Kind = "service-intentions"
Name = "payments"
Meta = {
  "managed-by" = "meshcc"
  "meshcc-environment" = "multi-dc"
}
Sources = [
  {
    Action = "allow"
    Name = "web"
  },
]
