-- spawn failures (SPEC §2.2): unknown definition or host -> NOT_FOUND,
-- missing / wrong-typed id or host -> INVALID, uncopyable args -> INVALID.
-- Failures return nil, err and never raise.
local time = require("time")

local H = "app:processes"
local VARIANTS = { "spawn", "spawn_monitored", "spawn_linked", "spawn_linked_monitored" }

local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

-- Calls every variant with the given arguments; true when each one returned
-- nil plus an error of `kind` without raising.
local function all_fail(kind, ...)
  local args = table.pack(...)
  for _, v in ipairs(VARIANTS) do
    local ok, pid, err = pcall(process[v], table.unpack(args, 1, args.n))
    if not ok then return false, v .. " raised: " .. tostring(pid) end
    if pid ~= nil or not errors.is(err, kind) then
      return false, v .. " returned " .. tostring(pid) .. ", " .. tostring(err)
    end
  end
  return true
end

local function main()
  local me = process.pid()
  check(all_fail(errors.NOT_FOUND, "app:no_such_definition", H, me), "unknown definition -> NOT_FOUND")
  check(all_fail(errors.NOT_FOUND, "nowhere:marker", H, me), "unknown namespace -> NOT_FOUND")
  check(all_fail(errors.NOT_FOUND, "app:marker", "app:no_such_host", me), "unknown host -> NOT_FOUND")
  check(all_fail(errors.INVALID), "missing id and host -> INVALID")
  check(all_fail(errors.INVALID, "app:marker"), "missing host -> INVALID")
  check(all_fail(errors.INVALID, true, H, me), "id of the wrong type -> INVALID")
  check(all_fail(errors.INVALID, "app:marker", { H }, me), "host of the wrong type -> INVALID")
  check(all_fail(errors.INVALID, "app:marker", H, me, function() end), "uncopyable argument -> INVALID")

  -- None of the failed calls may have started a process.
  time.sleep("100ms")
  local r = channel.select({ process.inbox():case_receive(), default = true })
  check(r.default, "failed spawns start nothing")

  -- The same definition spawns fine with proper arguments.
  local pid = process.spawn("app:marker", H, me)
  local msg = process.inbox():receive()
  check(msg:topic() == "started" and msg:payload():data() == pid, "valid spawn still works")
end

return { main = main }
