return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 4 } },
    { name = "main", kind = "process.lua", source = "file://main.lua", method = "main",
      modules = { "time" }, lifecycle = { auto_start = true } },
    { name = "hog", kind = "process.lua", source = "file://hog.lua", method = "main",
      memory_limit = "16MB" },
  },
}
