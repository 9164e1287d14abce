-- Syntax error on purpose (missing closing brace).
return {
  version = "1.0",
  namespace = "app.broken",
  entries = {
    { name = "w", kind = "process.lua", source = "file://w.lua" },
