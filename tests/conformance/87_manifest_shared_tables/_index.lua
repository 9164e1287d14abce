-- A manifest may hold shared and cyclic tables (with metatables): they are
-- read as plain data, each table once (a naive walk would take 10^32 steps).
local junk = setmetatable({}, { __index = function() error("never run") end })
for i = 1, 10 do junk[i] = junk end
local host = { name = "processes", kind = "process.host", host = { workers = 1 } }
return {
  version = "1.0",
  namespace = "app",
  junk = junk,
  entries = {
    host,
    { name = "main", kind = "process.lua", source = "file://main.lua", method = "main",
      lifecycle = { auto_start = true, args = { junk[1][2][3] == junk and "shared ok" or "?" } } },
  },
}
