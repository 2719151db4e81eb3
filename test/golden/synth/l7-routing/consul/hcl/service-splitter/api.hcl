Kind = "service-splitter"
Name = "api"
Meta = {
  "managed-by" = "meshcc"
  "meshcc-environment" = "l7-routing"
}
Splits = [
  {
    ServiceSubset = "v1"
    Weight = 90
  },
  {
    ResponseHeaders = {
      Set = {
        "x-served-by" = "canary"
      }
    }
    ServiceSubset = "v2"
    Weight = 10
  },
]
