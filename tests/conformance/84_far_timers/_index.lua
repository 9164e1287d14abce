-- Timers and deadlines far in the future (beyond the timer wheel's 2^36 ms
-- horizon) once the wheel's clock has moved: no crash, they simply wait.
return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 1 } },
    { name = "main", kind = "process.lua", source = "file://main.lua", method = "main",
      modules = { "time" }, lifecycle = { auto_start = true } },
    { name = "sleeper", kind = "process.lua", source = "file://main.lua", method = "sleeper", modules = { "time" } },
  },
}
