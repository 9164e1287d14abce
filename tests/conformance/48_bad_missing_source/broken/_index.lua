-- The source file does not exist on purpose.
return {
  version = "1.0",
  namespace = "app.broken",
  entries = {
    { name = "w", kind = "process.lua", source = "file://does_not_exist.lua", method = "main" },
  },
}
