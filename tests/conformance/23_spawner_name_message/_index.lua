return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 4 } },
    { name = "main", kind = "process.lua", source = "file://main.lua", method = "main",
      modules = { "time" }, lifecycle = { auto_start = true } },
    { name = "named", kind = "process.lua", source = "file://named.lua", method = "main" },
    { name = "marker", kind = "process.lua", source = "file://marker.lua", method = "main" },
    { name = "first", kind = "process.lua", source = "file://first.lua", method = "main" },
  },
}
