-- process.with_context (SPEC §2.10): immutable spawners; children read
-- values with ctx.get / ctx.all; values are inherited by descendants.
local time = require("time")

local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

local function recv(ch, what)
  local timer = time.after(2000)
  local r = channel.select({ ch:case_receive(), timer:case_receive() })
  if r.channel == timer then error("FAILED timed out waiting for " .. what, 2) end
  return r.value
end

-- Spawns reader through `spawner` (or the plain module) and returns its view.
local function view_of(spawner, depth)
  local pid
  if spawner then
    pid = assert(spawner:spawn_monitored("app:reader", "app:processes", depth))
  else
    pid = assert(process.spawn_monitored("app:reader", "app:processes", depth))
  end
  local ev = recv(process.events(), "EXIT of reader")
  assert(ev.from == pid, "EXIT from an unexpected process")
  if ev.result.error then error("FAILED reader: " .. tostring(ev.result.error), 2) end
  return ev.result.value
end

local function count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

local function main()
  local s1 = process.with_context({ a = 1, cfg = { level = "high" } })
  local s2 = s1:with_context({ b = "two" })
  check(s1 ~= nil and s2 ~= nil and s1 ~= s2, "with_context returns a new spawner")

  local v = view_of(s1, 1)
  check(v.a == 1 and v.all.cfg.level == "high", "ctx.get / ctx.all see the spawner's values")
  check(v.b == nil and v.missing_is_nil and v.missing_not_found, "ctx.get of a missing key -> nil, NOT_FOUND")
  check(v.child and v.child.a == 1 and v.child.all.cfg.level == "high",
    "context values are inherited by descendants")

  v = view_of(s2, 1)
  check(v.a == 1 and v.b == "two" and count(v.all) == 3, "a derived spawner adds to the values")
  check(v.child.b == "two", "added values are inherited too")

  v = view_of(s1, 0)
  check(v.b == nil and count(v.all) == 2, "the original spawner is unchanged (immutable)")

  v = view_of(nil, 0)
  check(count(v.all) == 0 and v.a == nil, "a plain spawn without context has none")

  -- Every spawn method exists on the spawner.
  local me = process.pid()
  local p1 = s2:spawn("app:reader", "app:processes", 0)
  local p2 = s2:spawn_linked("app:reader", "app:processes", 0)
  local p3 = s2:spawn_linked_monitored("app:reader", "app:processes", 0)
  check(type(p1) == "string" and type(p2) == "string" and type(p3) == "string" and me ~= p1,
    "spawner:spawn / spawn_linked / spawn_linked_monitored return pids")
  local ev = recv(process.events(), "EXIT of spawn_linked_monitored reader")
  check(ev.from == p3 and ev.result.value.b == "two", "spawn_linked_monitored child has the context")
end

return { main = main }
