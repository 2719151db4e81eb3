Kind = "service-router"
Name = "api"
Meta = {
  "managed-by" = "meshcc"
  "meshcc-environment" = "l7-routing"
}
Routes = [
  {
    Destination = {
      PrefixRewrite = "/"
      ServiceSubset = "v2"
    }
    Match = {
      HTTP = {
        PathPrefix = "/v2/"
      }
    }
  },
  {
    Destination = {
      ServiceSubset = "v2"
    }
    Match = {
      HTTP = {
        Header = [
          {
            Exact = "always"
            Name = "x-canary"
          },
        ]
      }
    }
  },
  {
    Destination = {
      RequestTimeout = "30s"
      Service = "admin"
    }
    Match = {
      HTTP = {
        PathPrefix = "/admin"
      }
    }
  },
]
