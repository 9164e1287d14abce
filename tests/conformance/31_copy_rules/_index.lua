return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 4 } },
    { name = "main", kind = "process.lua", source = "file://main.lua", method = "main",
      modules = { "time", "io" }, lifecycle = { auto_start = true } },
    { name = "echo", kind = "process.lua", source = "file://echo.lua", method = "main" },
    { name = "cyclic", kind = "process.lua", source = "file://cyclic.lua", method = "main" },
  },
}
