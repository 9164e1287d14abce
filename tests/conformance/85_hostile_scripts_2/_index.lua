return { namespace = "h", entries = {
  { name = "h", kind = "process.host", host = { workers = 2 } },
  { name = "main", kind = "process.lua", source = "file://main.lua", modules = { "time" }, lifecycle = { auto_start = true } },
  { name = "bad", kind = "process.lua", source = "file://bad.lua", modules = { "time" }, memory_limit = "16MB" },
} }
