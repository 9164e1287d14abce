-- Name registry (SPEC §2.11).
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

local function fails(kind, ok, err)
  return ok == nil and errors.is(err, kind)
end

local function main()
  local me = process.pid()
  local reg = process.registry
  local H = "app:processes"
  local inbox, events = process.inbox(), process.events()

  check(reg.register("conf24.me") == true, "register(name) registers self")
  check(reg.lookup("conf24.me") == me, "lookup(name) -> pid")
  check(reg.register("conf24.me") == true, "registering the same name to the same pid is a no-op")
  check(fails(errors.NOT_FOUND, reg.lookup("conf24.unknown")), "lookup of an unknown name -> NOT_FOUND")
  check(fails(errors.INVALID, reg.register("")), "empty name -> INVALID")
  check(fails(errors.INVALID, reg.register(true)), "non-string name -> INVALID")
  check(fails(errors.INVALID, reg.register({})), "table name -> INVALID")
  check(fails(errors.INVALID, reg.register("{zz|77.1}")), "a name that reads as a pid -> INVALID")

  local holder = assert(process.spawn_monitored("app:holder", H, me, { "conf24.a", "conf24.b" }))
  recv(inbox, "registered")
  check(reg.lookup("conf24.a") == holder and reg.lookup("conf24.b") == holder, "a process may hold several names")
  check(fails(errors.ALREADY_EXISTS, reg.register("conf24.a")), "a name taken by another pid -> ALREADY_EXISTS")
  check(reg.register("conf24.other", holder) == true and reg.lookup("conf24.other") == holder,
    "register(name, pid) names another process")
  check(process.send("conf24.me", "hello") == true and recv(inbox, "hello"):topic() == "hello",
    "send to a registered name")

  check(reg.unregister("conf24.me") == true, "unregister -> true when a name was removed")
  check(reg.unregister("conf24.me") == false, "unregister -> false when there was no such name")
  check(fails(errors.NOT_FOUND, reg.lookup("conf24.me")), "an unregistered name is gone")
  check(reg.register("conf24.me") == true, "a freed name can be registered again")

  -- Names are released when the process ends, before its EXIT arrives.
  process.send("conf24.a", "stop")
  local ev = recv(events, "EXIT of holder")
  check(ev.from == holder, "holder ended")
  check(fails(errors.NOT_FOUND, reg.lookup("conf24.a")) and fails(errors.NOT_FOUND, reg.lookup("conf24.b"))
    and fails(errors.NOT_FOUND, reg.lookup("conf24.other")), "all its names are released before its EXIT")
  check(reg.register("conf24.a") == true, "a released name can be taken by another process")

  -- ... and before its LINK_DOWN.
  assert(process.set_options({ trap_links = true }))
  local linked = assert(process.spawn_linked("app:holder", H, me, { "conf24.c" }))
  recv(inbox, "registered")
  process.send(linked, "stop", "fail")
  ev = recv(events, "LINK_DOWN of holder")
  check(ev.kind == process.event.LINK_DOWN and ev.from == linked and fails(errors.NOT_FOUND, reg.lookup("conf24.c")),
    "names are released before LINK_DOWN")
end

return { main = main }
