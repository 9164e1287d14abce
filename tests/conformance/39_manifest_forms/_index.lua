-- Several manifests in nested folders; a process.host with lifecycle (as in
-- the tutorial); entries without `method`; lifecycle.args.
return {
  version = "1.0",
  namespace = "app",
  entries = {
    { name = "processes", kind = "process.host", host = { workers = 2 },
      lifecycle = { auto_start = true } },
    { name = "main", kind = "process.lua", source = "file://main.lua",
      modules = { "time" },
      lifecycle = { auto_start = true, host = "app:processes", args = { 7, "seven", { k = "v" } } } },
    { name = "fn_file", kind = "process.lua", source = "file://fn_file.lua" },
    { name = "run_method", kind = "process.lua", source = "file://run_method.lua", method = "run" },
  },
}
