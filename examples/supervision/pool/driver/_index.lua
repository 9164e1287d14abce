-- Not in the tutorial: a client that uses the pool, then shuts it down.
return {
  version = "1.0",
  namespace = "app.driver",
  entries = {
    { name = "driver", kind = "process.lua",
      source = "file://driver.lua", method = "main",
      modules = { "time" },
      lifecycle = { auto_start = true } },
  },
}
