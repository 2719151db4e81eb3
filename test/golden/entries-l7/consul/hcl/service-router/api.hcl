Kind = "service-router"
Name = "api"
Routes = [
  {
    Destination = {
      NumRetries = 2
      PrefixRewrite = "/"
      RequestTimeout = "10s"
      RetryOnConnectFailure = true
      RetryOnStatusCodes = [503]
      ServiceSubset = "v2"
    }
    Match = {
      HTTP = {
        Methods = ["GET"]
        PathPrefix = "/v2"
      }
    }
  },
  {
    Destination = {
      RequestHeaders = {
        Add = {
          "X-Routed-By" = "meshcc"
        }
        Remove = ["X-Internal"]
      }
      ServiceSubset = "v2"
    }
    Match = {
      HTTP = {
        Header = [
          {
            Exact = "yes"
            Name = "X-Canary"
          },
        ]
        QueryParam = [
          {
            Name = "debug"
            Present = true
          },
        ]
      }
    }
  },
]
