return {
  version = "1.0",
  namespace = "app.lib",
  entries = {
    { name = "util", kind = "library.lua", source = "file://util.lua" },
  },
}
