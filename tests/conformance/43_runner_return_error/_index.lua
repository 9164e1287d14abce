-- An auto-started process that returns nil, "message" ended abnormally.
return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 1 } },
    { name = "main", kind = "process.lua", source = "file://main.lua", method = "main",
      lifecycle = { auto_start = true } },
  },
}
