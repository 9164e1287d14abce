return {
  version = "1.0",
  namespace = "app.workers",
  entries = {
    { name = "star_parent", kind = "process.lua", source = "file://star_parent.lua", method = "main",
      modules = { "time" } },
    { name = "linker_child", kind = "process.lua", source = "file://linker_child.lua", method = "main" },
  },
}
