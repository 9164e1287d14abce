return {
  version = "1.0",
  namespace = "app",
  entries = {
    -- One worker thread: the busy processes and main share it.
    { name = "processes", kind = "process.host", host = { workers = 1 } },
    { name = "main", kind = "process.lua", source = "file://main.lua", method = "main",
      modules = { "time" }, lifecycle = { auto_start = true } },
    { name = "spinner", kind = "process.lua", source = "file://spinner.lua", method = "main" },
    { name = "square", kind = "process.lua", source = "file://square.lua", method = "main" },
  },
}
