return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 4 } },
    { name = "main", kind = "process.lua", source = "file://main.lua", method = "main",
      imports = { util = "app.lib:util" }, lifecycle = { auto_start = true } },
    { name = "user", kind = "process.lua", source = "file://user.lua", method = "main",
      imports = { util = "app.lib:util" } },
  },
}
