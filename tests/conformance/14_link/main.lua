-- process.link / unlink (SPEC §2.5): dead / unknown -> NOT_FOUND, linking
-- twice is a no-op, after unlink no LINK_DOWN arrives (and with
-- trap_links = false we survive), links are bidirectional.
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

local function quiet(events, ms)
  time.sleep(ms)
  return channel.select({ events:case_receive(), default = true }).default
end

local function main()
  local events = process.events()
  local H = "app:processes"
  local E, L = process.event.EXIT, process.event.LINK_DOWN

  local pid = assert(process.spawn_monitored("app:quick", H))
  recv(events, "EXIT of quick")
  local ok, err = process.link(pid)
  check(ok == nil and errors.is(err, errors.NOT_FOUND), "link to a dead pid -> NOT_FOUND")
  ok, err = process.link("conf14.nobody")
  check(ok == nil and errors.is(err, errors.NOT_FOUND), "link to an unknown name -> NOT_FOUND")

  -- Linking twice (once by pid, once by name): still exactly one LINK_DOWN.
  assert(process.set_options({ trap_links = true }))
  pid = assert(process.spawn_monitored("app:failer", H))
  assert(process.registry.register("conf14.failer", pid))
  check(process.link(pid) == true and process.link("conf14.failer") == true, "link twice (pid, then name) -> true, true")
  process.send(pid, "fail")
  local kinds = {}
  for _ = 1, 2 do
    local ev = recv(events, "EXIT and LINK_DOWN")
    assert(ev.from == pid, "event from an unexpected process")
    kinds[ev.kind] = (kinds[ev.kind] or 0) + 1
  end
  check(kinds[E] == 1 and kinds[L] == 1 and quiet(events, 50), "linking twice gives one LINK_DOWN")

  -- A LINK_DOWN already queued when unlink is called must not be received.
  -- (unlink of a process that has ended: true or NOT_FOUND both accepted.)
  pid = assert(process.spawn_linked("app:quick", H, process.pid(), true))
  check(recv(process.inbox(), "bye"):topic() == "bye", "linked child says bye, then fails")
  time.sleep("50ms")
  ok, err = process.unlink(pid)
  check(ok == true or errors.is(err, errors.NOT_FOUND), "unlink after the peer ended")
  check(quiet(events, 20), "an already queued LINK_DOWN is removed by unlink")

  -- unlink, then the peer fails: with trap_links = false we must survive.
  assert(process.set_options({ trap_links = false }))
  pid = assert(process.spawn_monitored("app:failer", H))
  check(process.link(pid) == true, "link a running process -> true")
  check(process.unlink(pid) == true, "unlink -> true")
  process.send(pid, "fail")
  local ev = recv(events, "EXIT of the unlinked failer")
  check(ev.kind == E and ev.result.error ~= nil, "the unlinked peer failed")
  check(quiet(events, 100), "after unlink its failure does not kill us (nor give LINK_DOWN)")

  -- Bidirectional: a process that linked itself to the sleeper fails.
  local sleeper = assert(process.spawn_monitored("app:sleeper", H))
  process.spawn("app:linker", H, sleeper)
  ev = recv(events, "EXIT of the sleeper")
  check(ev.from == sleeper and ev.result.error ~= nil
      and ev.result.error:message() == "linked process failed"
      and errors.is(ev.result.error, errors.INTERNAL),
    "link is bidirectional: the target dies with 'linked process failed' (INTERNAL)")
end

return { main = main }
