-- restart with max_attempts = 2: the entry always fails, so it runs 3 times
-- (first run + 2 restarts), then stays down; its last run failed -> 1.
return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 2 } },
    { name = "keeper", kind = "process.lua", source = "file://keeper.lua", method = "main",
      modules = { "time" }, lifecycle = { auto_start = true, args = { 3, 400 } } },
    { name = "flaky", kind = "process.lua", source = "file://flaky.lua", method = "main",
      modules = { "time" },
      lifecycle = { auto_start = true, restart = { max_attempts = 2, delay = "50ms" } } },
  },
}
