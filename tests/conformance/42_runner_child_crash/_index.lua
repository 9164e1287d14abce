-- A crash of a process that was not auto-started is reported on stderr but
-- does not change the exit status.
return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 2 } },
    { name = "main", kind = "process.lua", source = "file://main.lua", method = "main",
      lifecycle = { auto_start = true } },
    { name = "crasher", kind = "process.lua", source = "file://crasher.lua", method = "main" },
  },
}
