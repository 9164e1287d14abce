return { version = "1.0", namespace = "app", entries = {
  { name = "processes", kind = "process.host", host = { workers = 2 } },
  { name = "main", kind = "process.lua", source = "file://main.lua", method = "main",
    modules = { "time" }, memory_limit = "2MB", lifecycle = { auto_start = true } },
  { name = "w", kind = "process.lua", source = "file://main.lua", method = "worker", modules = { "time" } },
  { name = "tiny", kind = "process.lua", source = "file://main.lua", method = "worker", modules = { "time" }, memory_limit = "1KB" },
}}
