-- The same host twice: a clear message, status 2.
return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 1 } },
    { name = "processes", kind = "process.host", host = { workers = 2 } },
    { name = "main", kind = "process.lua", source = "file://main.lua", method = "main",
      lifecycle = { auto_start = true } },
  },
}
