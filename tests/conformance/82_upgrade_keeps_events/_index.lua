-- Events not yet received survive process.upgrade (monitors are kept, so
-- must their queued EXITs be): one queued before events() was ever called,
-- one already in the events channel.
return {
  version = "1.0", namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 2 } },
    { name = "v1", kind = "process.lua", source = "file://v1.lua", modules = { "time" },
      lifecycle = { auto_start = true } },
    { name = "v2", kind = "process.lua", source = "file://v2.lua" },
    { name = "quick", kind = "process.lua", source = "file://quick.lua" },
  },
}
