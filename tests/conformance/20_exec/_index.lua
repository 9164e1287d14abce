return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 4 } },
    { name = "main", kind = "process.lua", source = "file://main.lua", method = "main",
      modules = { "time" }, lifecycle = { auto_start = true } },
    { name = "callee", kind = "process.lua", source = "file://callee.lua", method = "main" },
  },
}
