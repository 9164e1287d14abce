-- Runs with the actor and scope A set by main.lua (see there). Returns the
-- list of checks that passed; fails on the first that does not.
local security = require("security")

local H = "app:processes"

local function main(main_pid)
  local passed = {}
  local function check(cond, what, detail)
    if not cond then error("FAILED restricted: " .. what .. " (" .. tostring(detail) .. ")", 0) end
    passed[#passed + 1] = "ok restricted: " .. what
  end
  -- nil + PERMISSION_DENIED whose message names the action and the resource
  local function denied(action, resource, ok, err)
    local text = tostring(err)
    return ok == nil and errors.is(err, errors.PERMISSION_DENIED)
      and string.find(text, action, 1, true) ~= nil and string.find(text, resource, 1, true) ~= nil, text
  end
  local function wait_exit(pid)
    local ev = process.events():receive()
    assert(ev.from == pid, "EXIT from an unexpected process")
    return ev.result
  end

  local pid = process.spawn_monitored("app:probe", H, "noop")
  check(pid ~= nil and wait_exit(pid).value == "noop done", "allowed: spawn_monitored of app:probe")
  check(process.spawn("app:probe", H, "noop") ~= nil, "allowed: spawn of app:probe")
  check(denied("process.spawn", "app:other", process.spawn("app:other", H)),
    "denied: spawn of app:other (no policy), message names action and resource")
  check(denied("process.spawn.linked", "app:probe", process.spawn_linked("app:probe", H, "noop")),
    "denied: spawn_linked needs process.spawn.linked too")
  check(denied("process.host", "app:other_host", process.spawn("app:probe", "app:other_host", "noop")),
    "denied: spawn on a host the scope does not allow")

  pid = process.spawn_monitored("app:probe", H, "try_other")
  local r = wait_exit(pid).value
  check(r and r.denied and not r.spawned, "children inherit the actor and scope")

  check(process.send(main_pid, "hello", "from restricted") == true, "allowed: send to main (exact resource)")
  check(denied("process.send", process.pid(), process.send(process.pid(), "t")),
    "denied: send to any other pid")

  check(process.registry.register("public.conf35") == true, "allowed: register (action prefix pattern)")
  check(denied("process.registry.register", "secret.conf35", process.registry.register("secret.conf35")),
    "denied: a deny policy wins over a matching allow")
  check(process.registry.unregister("public.conf35") == true, "allowed: unregister")
  check(denied("process.registry.unregister", "locked.conf35", process.registry.unregister("locked.conf35")),
    "denied: unregister returns nil, err only when denied")

  check(process.exec("app:probe", H, "noop") == "noop done", "allowed: exec of app:probe (resource prefix)")
  check(denied("process.exec", "app:other", process.exec("app:other", H)), "denied: exec of app:other")
  check(denied("process.upgrade", "app:other", process.upgrade("app:other")),
    "denied: upgrade to app:other (running other code is checked like a spawn)")

  local s = process.with_context({ x = "ctx value" })
  pid = s and s:spawn_monitored("app:probe", H, "ctx")
  check(pid ~= nil and wait_exit(pid).value == "ctx value", "allowed: with_context (process.context)")

  -- with_actor needs process.security, which scope A does not grant; the
  -- denial may surface at with_actor() or at spawn.
  local ok, res, err = pcall(function()
    local sp = process.with_context({})
    local sp2, e = sp:with_actor(security.new_actor("intruder", {}))
    if not sp2 then return nil, e end
    return sp2:spawn("app:probe", H, "noop")
  end)
  check(ok and denied("process.security", "security", res, err), "denied: with_actor without process.security", err)
  return passed
end

return { main = main }
