-- Two hosts, so every process entry names its host explicitly.
return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 4 } },
    -- a second host, which scope A does not allow
    { name = "other_host", kind = "process.host", host = { workers = 1 } },
    { name = "main", kind = "process.lua", source = "file://main.lua", method = "main",
      modules = { "time", "security" },
      lifecycle = { auto_start = true, host = "app:processes" } },
    { name = "restricted", kind = "process.lua", source = "file://restricted.lua", method = "main",
      modules = { "security" }, lifecycle = { host = "app:processes" } },
    { name = "minimal", kind = "process.lua", source = "file://minimal.lua", method = "main",
      lifecycle = { host = "app:processes" } },
    { name = "probe", kind = "process.lua", source = "file://probe.lua", method = "main",
      modules = { "ctx" }, lifecycle = { host = "app:processes" } },
    { name = "other", kind = "process.lua", source = "file://other.lua", method = "main",
      lifecycle = { host = "app:processes" } },
    { name = "dummy", kind = "process.lua", source = "file://dummy.lua", method = "main",
      lifecycle = { host = "app:processes" } },
  },
}
