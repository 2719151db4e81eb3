Kind = "exported-services"
Name = "default"
Meta = {
  "managed-by" = "meshcc"
  "meshcc-environment" = "peered"
}
Services = [
  {
    Consumers = [
      {
        Peer = "east"
      },
    ]
    Name = "currency"
  },
  {
    Consumers = [
      {
        Peer = "east"
      },
    ]
    Name = "ledger"
  },
]
