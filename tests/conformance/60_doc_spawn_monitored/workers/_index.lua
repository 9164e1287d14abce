return {
  version = "1.0",
  namespace = "app.workers",
  entries = {
    { name = "task_worker", kind = "process.lua", source = "file://task_worker.lua", method = "main",
      modules = { "time" } },
    { name = "error_worker", kind = "process.lua", source = "file://error_worker.lua", method = "main" },
  },
}
