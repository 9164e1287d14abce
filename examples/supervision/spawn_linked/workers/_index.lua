return {
  version = "1.0",
  namespace = "app.workers",
  entries = {
    { name = "child_worker", kind = "process.lua", source = "file://child_worker.lua", method = "main",
      modules = { "time" } },
  },
}
