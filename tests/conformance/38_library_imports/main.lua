-- library.lua entries and imports (SPEC §10): require("util") gives the
-- module, loaded once per process, into that process's own state.
local util = require("util")

local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

local function main()
  check(util.double(4) == 8, "require('util') returns the library's table")
  util.loads = util.loads + 1
  check(rawequal(require("util"), util) and require("util").loads == 2,
    "the library is loaded once per process (require returns the same table)")

  util.state.mark = "set by main"
  local pid = assert(process.spawn_monitored("app:user", "app:processes"))
  local ev = process.events():receive()
  local r = ev.result.value
  check(ev.from == pid and r and r.double == 42, "another process can import it too")
  check(r.mark == nil and r.loads == 1, "each process has its own copy of the library's state")
end

return { main = main }
