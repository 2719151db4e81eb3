Kind = "service-intentions"
Name = "currency"
Meta = {
  "managed-by" = "meshcc"
  "meshcc-environment" = "multi-dc"
}
Sources = [
  {
    Action = "allow"
    Name = "payments"
  },
]
