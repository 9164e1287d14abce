return {
  version = "1.0",
  namespace = "app.workers",
  entries = {
    { name = "linker", kind = "process.lua", source = "file://linker.lua", method = "main",
      modules = { "time" } },
    { name = "target", kind = "process.lua", source = "file://target.lua", method = "main" },
  },
}
