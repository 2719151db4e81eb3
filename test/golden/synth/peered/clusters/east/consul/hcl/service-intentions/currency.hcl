Kind = "service-intentions"
Name = "currency"
Meta = {
  "managed-by" = "meshcc"
  "meshcc-environment" = "peered"
}
Sources = [
  {
    Action = "allow"
    Name = "payments"
  },
]
