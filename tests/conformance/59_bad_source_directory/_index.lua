-- A source that names a folder, not a file: refused before anything runs.
return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 1 } },
    { name = "main", kind = "process.lua", source = "file://notafile", method = "main",
      lifecycle = { auto_start = true } },
  },
}
