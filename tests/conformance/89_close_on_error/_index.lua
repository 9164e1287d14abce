return { namespace = "app", entries = {
  { name = "h", kind = "process.host", host = { workers = 2 } },
  { name = "main", kind = "process.lua", source = "file://main.lua", modules = {"time"}, lifecycle = { auto_start = true } },
  { name = "victim", kind = "process.lua", source = "file://victim.lua" },
} }
