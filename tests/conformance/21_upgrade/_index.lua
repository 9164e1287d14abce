return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 4 } },
    { name = "main", kind = "process.lua", source = "file://main.lua", method = "main",
      modules = { "time" }, lifecycle = { auto_start = true } },
    { name = "v1", kind = "process.lua", source = "file://v1.lua", method = "main" },
    { name = "v2", kind = "process.lua", source = "file://v2.lua", method = "main",
      modules = { "time" } },
    { name = "watched", kind = "process.lua", source = "file://watched.lua", method = "main" },
    { name = "partner", kind = "process.lua", source = "file://partner.lua", method = "main" },
    { name = "selfup", kind = "process.lua", source = "file://selfup.lua", method = "main" },
    { name = "to_broken", kind = "process.lua", source = "file://to_broken.lua", method = "main" },
    { name = "broken", kind = "process.lua", source = "file://broken.lua", method = "main" },
  },
}
