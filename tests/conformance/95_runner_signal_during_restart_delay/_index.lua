return { version = "1.0", namespace = "app", entries = {
  { name = "processes", kind = "process.host", host = { workers = 2 } },
  { name = "boot", kind = "process.lua", source = "file://boot.lua", method = "main",
    lifecycle = { auto_start = true, restart = { max_attempts = 100, delay = "1h" } } },
}}
