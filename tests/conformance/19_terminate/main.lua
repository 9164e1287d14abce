-- process.terminate (SPEC §2.7, §3): ends the process at once, even in a
-- busy loop, with error "terminated" (kind CANCELED), an abnormal exit (so
-- a linked peer with trap_links gets LINK_DOWN). dest may be a name.
local time = require("time")

local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

local function recv(ch, what)
  local timer = time.after(3000)
  local r = channel.select({ ch:case_receive(), timer:case_receive() })
  if r.channel == timer then error("FAILED timed out waiting for " .. what, 2) end
  return r.value
end

local function terminated(result)
  local e = result and result.error
  return e ~= nil and e:message() == "terminated" and errors.is(e, errors.CANCELED)
end

local function terminate_victim(how, by_name)
  local pid = assert(process.spawn_monitored("app:victim", "app:processes", how))
  time.sleep("20ms") -- let it get into its loop
  local dest = pid
  if by_name then
    assert(process.registry.register("conf19.victim", pid))
    dest = "conf19.victim"
  end
  check(process.terminate(dest) == true, how .. ": terminate -> true")
  local ev = recv(process.events(), "EXIT of " .. how)
  check(ev.from == pid and terminated(ev.result), how .. ": ended with 'terminated' (CANCELED)",
    ev.result.error or ev.result.value)
end

local function main()
  terminate_victim("busy")
  terminate_victim("busy_pcall")
  terminate_victim("blocked", true)

  assert(process.set_options({ trap_links = true }))
  local pid = assert(process.spawn_linked("app:victim", "app:processes", "busy"))
  time.sleep("20ms")
  assert(process.terminate(pid))
  local ev = recv(process.events(), "LINK_DOWN")
  check(ev.kind == process.event.LINK_DOWN and ev.from == pid and terminated(ev.result),
    "terminate is abnormal: linked peer gets LINK_DOWN with 'terminated'")
end

return { main = main }
