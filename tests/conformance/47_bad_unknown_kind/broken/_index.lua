-- Unknown entry kind on purpose.
return {
  version = "1.0",
  namespace = "app.broken",
  entries = {
    { name = "w", kind = "process.bogus" },
  },
}
