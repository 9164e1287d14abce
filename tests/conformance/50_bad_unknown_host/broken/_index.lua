-- lifecycle.host names a host that does not exist, on purpose.
return {
  version = "1.0",
  namespace = "app.broken",
  entries = {
    { name = "w", kind = "process.lua", source = "file://w.lua", method = "main",
      lifecycle = { auto_start = true, host = "app:no_such_host" } },
  },
}
