-- One of two auto-started processes fails -> exit status 1, crash report.
return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 2 } },
    { name = "good", kind = "process.lua", source = "file://good.lua", method = "main",
      lifecycle = { auto_start = true } },
    { name = "bad", kind = "process.lua", source = "file://bad.lua", method = "main",
      lifecycle = { auto_start = true } },
  },
}
