return {
  version = "1.0",
  namespace = "app.sub.deeper",
  entries = {
    { name = "w2", kind = "process.lua", source = "file://w2.lua", method = "main" },
    { name = "auto", kind = "process.lua", source = "file://auto.lua", method = "main",
      lifecycle = { auto_start = true } },
  },
}
