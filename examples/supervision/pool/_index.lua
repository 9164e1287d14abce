-- Supervised worker pool (tutorial: "Process Supervision").
--   build/lua-actor examples/supervision/pool
-- The process host, as in the tutorial's src/_index.yaml.
return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host",
      host = { workers = 16 },
      lifecycle = { auto_start = true } },
  },
}
