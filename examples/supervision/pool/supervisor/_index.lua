-- The tutorial's src/supervisor/_index.yaml.
return {
  version = "1.0",
  namespace = "app.supervisor",
  entries = {
    { name = "pool", kind = "process.lua",
      source = "file://pool.lua", method = "main",
      modules = { "time" },
      lifecycle = { auto_start = true } },
  },
}
