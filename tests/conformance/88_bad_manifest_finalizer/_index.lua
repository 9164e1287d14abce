-- A valid manifest whose process must never run: another manifest of this
-- app is broken, so the runner must stop (status 2) before starting anything.
return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 1 } },
    { name = "main", kind = "process.lua", source = "file://main.lua", method = "main",
      lifecycle = { auto_start = true } },
  },
}
