-- The process file has a syntax error; it is never spawned, but process
-- files are checked at load time.
return {
  version = "1.0",
  namespace = "app.broken",
  entries = {
    { name = "w", kind = "process.lua", source = "file://bad_syntax.lua", method = "main" },
  },
}
