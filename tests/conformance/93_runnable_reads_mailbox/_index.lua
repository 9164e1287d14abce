return { version = "1.0", namespace = "app", entries = {
  { name = "one", kind = "process.host", host = { workers = 1 } },
  { name = "main", kind = "process.lua", source = "file://main.lua", method = "main",
    modules = { "time" }, lifecycle = { auto_start = true } },
  { name = "poller", kind = "process.lua", source = "file://main.lua", method = "poller", modules = { "time" } },
  { name = "cruncher", kind = "process.lua", source = "file://main.lua", method = "cruncher", modules = { "time" } },
  { name = "spinner", kind = "process.lua", source = "file://main.lua", method = "spinner", modules = { "time" } },
  { name = "failer", kind = "process.lua", source = "file://main.lua", method = "failer", modules = { "time" } },
}}
