return {
  version = "1.0",
  namespace = "app.sub",
  entries = {
    { name = "worker", kind = "process.lua", source = "file://worker.lua", method = "main" },
  },
}
