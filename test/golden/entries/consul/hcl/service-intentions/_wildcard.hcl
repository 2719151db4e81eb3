Kind = "service-intentions"
Name = "*"
Sources = [
  {
    Action = "deny"
    Name = "*"
    Type = "consul"
  },
]
