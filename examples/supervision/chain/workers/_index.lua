return {
  version = "1.0",
  namespace = "app.workers",
  entries = {
    { name = "chain_root", kind = "process.lua", source = "file://chain_root.lua", method = "main",
      modules = { "time" } },
    { name = "chain_node", kind = "process.lua", source = "file://chain_node.lua", method = "main",
      modules = { "time" } },
  },
}
