-- On SIGINT / SIGTERM the runner cancels every process with a 1 s deadline,
-- waits, and exits with status 130 / 143.
return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 2 } },
    { name = "patient", kind = "process.lua", source = "file://patient.lua", method = "main",
      lifecycle = { auto_start = true } },
  },
}
