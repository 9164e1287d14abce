-- Trap links: default (die) vs trap_links = true (tutorial: "Process Supervision").
--   build/lua-actor examples/supervision/default_trap_death
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
