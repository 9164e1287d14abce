-- Two auto-started processes that both end normally -> exit status 0.
return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 2 } },
    { name = "one", kind = "process.lua", source = "file://hello.lua", method = "main",
      lifecycle = { auto_start = true, args = { "one" } } },
    { name = "two", kind = "process.lua", source = "file://hello.lua", method = "main",
      lifecycle = { auto_start = true, args = { "two" } } },
  },
}
