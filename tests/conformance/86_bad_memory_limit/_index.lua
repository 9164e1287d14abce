-- A memory limit no machine has (or NaN): refused before anything runs.
return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 1 } },
    { name = "main", kind = "process.lua", source = "file://main.lua", method = "main",
      memory_limit = "1e30MB", lifecycle = { auto_start = true } },
  },
}
