return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 4 } },
    { name = "main", kind = "process.lua", source = "file://main.lua", method = "main",
      modules = { "time" }, lifecycle = { auto_start = true } },
    { name = "failer", kind = "process.lua", source = "file://failer.lua", method = "main" },
    { name = "quick", kind = "process.lua", source = "file://quick.lua", method = "main" },
    { name = "sleeper", kind = "process.lua", source = "file://sleeper.lua", method = "main",
      modules = { "time" } },
    { name = "linker", kind = "process.lua", source = "file://linker.lua", method = "main" },
  },
}
