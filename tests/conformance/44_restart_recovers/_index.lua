-- restart: an auto-started entry that fails is spawned again after `delay`,
-- up to max_attempts times; its last run decides the exit status (here it
-- succeeds on the 3rd run -> status 0).
return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 2 } },
    { name = "keeper", kind = "process.lua", source = "file://keeper.lua", method = "main",
      modules = { "time" }, lifecycle = { auto_start = true, args = { 3 } } },
    { name = "flaky", kind = "process.lua", source = "file://flaky.lua", method = "main",
      modules = { "time" },
      lifecycle = { auto_start = true, args = { 3 },
                    restart = { max_attempts = 5, delay = "50ms" } } },
  },
}
