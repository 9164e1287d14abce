return {
  version = "1.0",
  namespace = "app.workers",
  entries = {
    { name = "default_worker", kind = "process.lua", source = "file://default_worker.lua", method = "main" },
    { name = "trapping_worker", kind = "process.lua", source = "file://trapping_worker.lua", method = "main" },
    { name = "error_worker", kind = "process.lua", source = "file://error_worker.lua", method = "main",
      modules = { "time" } },
  },
}
