-- --timeout: when it passes, the runner cancels every process with a 1 s
-- deadline, waits, and exits with status 3. One process handles the CANCEL,
-- the other ignores it in a busy loop and is force-terminated.
return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 2 } },
    { name = "patient", kind = "process.lua", source = "file://patient.lua", method = "main",
      lifecycle = { auto_start = true } },
    { name = "stubborn", kind = "process.lua", source = "file://stubborn.lua", method = "main",
      lifecycle = { auto_start = true } },
  },
}
