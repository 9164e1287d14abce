return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "h", kind = "process.host", host = { workers = 2 } },
    { name = "main", kind = "process.lua", source = "file://main.lua", modules = { "security", "time" },
      lifecycle = { auto_start = true } },
    { name = "jailed", kind = "process.lua", source = "file://jailed.lua", modules = { "ctx" } },
    { name = "callee", kind = "process.lua", source = "file://callee.lua", modules = { "ctx" } },
    { name = "big", kind = "process.lua", source = "file://big.lua", modules = { "time" }, memory_limit = "64MB" },
    { name = "small", kind = "process.lua", source = "file://small.lua", memory_limit = "4MB" },
  },
}
