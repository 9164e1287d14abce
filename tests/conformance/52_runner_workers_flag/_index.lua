-- The runner accepts --workers N.
return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host" },
    { name = "main", kind = "process.lua", source = "file://main.lua", method = "main",
      lifecycle = { auto_start = true } },
    { name = "square", kind = "process.lua", source = "file://square.lua", method = "main" },
  },
}
