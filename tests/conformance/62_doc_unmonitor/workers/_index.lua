return {
  version = "1.0",
  namespace = "app.workers",
  entries = {
    { name = "long_worker", kind = "process.lua", source = "file://long_worker.lua", method = "main",
      modules = { "time" } },
  },
}
