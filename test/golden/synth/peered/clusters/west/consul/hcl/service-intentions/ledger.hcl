Kind = "service-intentions"
Name = "ledger"
Meta = {
  "managed-by" = "meshcc"
  "meshcc-environment" = "peered"
}
Sources = [
  {
    Action = "allow"
    Name = "payments"
    Peer = "east"
  },
]
