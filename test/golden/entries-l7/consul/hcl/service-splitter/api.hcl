Kind = "service-splitter"
Name = "api"
Splits = [
  {
    ServiceSubset = "v1"
    Weight = 90
  },
  {
    ResponseHeaders = {
      Set = {
        "X-Canary" = "v2"
      }
    }
    ServiceSubset = "v2"
    Weight = 10
  },
]
