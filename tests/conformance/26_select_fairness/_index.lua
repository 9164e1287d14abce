return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 4 } },
    { name = "main", kind = "process.lua", source = "file://main.lua", method = "main",
      lifecycle = { auto_start = true } },
  },
}
