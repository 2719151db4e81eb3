Kind = "service-intentions"
Name = "socat"
Meta = {
  "managed-by" = "meshcc"
  "meshcc-environment" = "primary-secondary"
}
Sources = [
  {
    Action = "allow"
    Name = "web"
  },
]
