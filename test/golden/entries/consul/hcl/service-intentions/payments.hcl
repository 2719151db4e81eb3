Kind = "service-intentions"
Name = "payments"
Sources = [
  {
    Action = "allow"
    Description = "storefront calls payments"
    Name = "web"
    Type = "consul"
  },
  {
    Name = "admin"
    Permissions = [
      {
        Action = "allow"
        HTTP = {
          Methods = ["GET", "POST"]
          PathPrefix = "/admin"
        }
      },
    ]
    Type = "consul"
  },
  {
    Action = "deny"
    Name = "*"
    Type = "consul"
  },
]
