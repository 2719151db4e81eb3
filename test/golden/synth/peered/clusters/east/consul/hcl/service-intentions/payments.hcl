Kind = "service-intentions"
Name = "payments"
Meta = {
  "managed-by" = "meshcc"
  "meshcc-environment" = "peered"
}
Sources = [
  {
    Action = "allow"
    Name = "web"
  },
]
