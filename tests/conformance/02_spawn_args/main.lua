-- All four spawn variants pass `...` deep-copied to main(...) (SPEC §2.2, §6).
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

-- Spawns echo_args with one variant; the argument table is changed right
-- after spawn returns, which must not be seen by the child.
local function try_variant(name)
  local me = process.pid()
  local t = { n = 1, sub = { "x", "y" } }
  local pid, err = process[name]("app:echo_args", "app:processes",
    me, name, t, 7, 2.0, "bin\0ary", true)
  check(type(pid) == "string", name .. " returns a pid", err)
  t.n = 2
  t.sub[1] = "mutated"
  local got = recv(process.inbox(), name .. " args"):payload():data()
  check(got.tag == name and got.t.n == 1 and got.t.sub[1] == "x" and got.t.sub[2] == "y",
    name .. " passes a deep copy taken at spawn time")
  check(got.i == 7 and got.i_type == "integer" and got.f == 2.0 and got.f_type == "float",
    name .. " keeps number subtypes")
  check(got.s == "bin\0ary" and got.b == true, name .. " passes strings and booleans")
  return pid
end

local function main()
  local events = process.events()
  process.set_options({ trap_links = true })

  try_variant("spawn")
  local mpid = try_variant("spawn_monitored")
  local ev = recv(events, "EXIT of spawn_monitored child")
  check(ev.kind == process.event.EXIT and ev.from == mpid, "spawn_monitored child gives EXIT")

  try_variant("spawn_linked")
  local lmpid = try_variant("spawn_linked_monitored")
  ev = recv(events, "EXIT of spawn_linked_monitored child")
  check(ev.kind == process.event.EXIT and ev.from == lmpid and ev.result.error == nil,
    "spawn_linked_monitored child gives EXIT (normal)")

  -- The linked children ended normally: no LINK_DOWN may arrive.
  time.sleep("50ms")
  local r = channel.select({ events:case_receive(), default = true })
  check(r.default, "normal exit of linked children sends no LINK_DOWN")
end

return { main = main }
