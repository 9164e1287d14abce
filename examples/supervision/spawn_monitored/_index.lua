-- Spawn with monitoring (tutorial: "Process Supervision").
--   build/lua-actor examples/supervision/spawn_monitored
return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host",
      host = { workers = 16 },
      lifecycle = { auto_start = true } },
    { name = "main", kind = "process.lua",
      source = "file://main.lua", method = "main",
      modules = { "time" },
      lifecycle = { auto_start = true } },
  },
}
