-- trap_links (SPEC §2.5, §3): a linked process that fails kills peers with
-- trap_links = false (error "linked process failed", kind INTERNAL), even
-- blocked ones that never called events(), and this cascades; peers with
-- trap_links = true get LINK_DOWN {kind, from, result}. A normal exit of a
-- linked process does nothing to its peers.
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

local function died_of_link(ev)
  local e = ev.result and ev.result.error
  return e ~= nil and e:message() == "linked process failed" and errors.is(e, errors.INTERNAL)
end

local function main()
  local events = process.events()
  local H = "app:processes"
  check(process.get_options().trap_links == false, "trap_links is false by default")

  -- A blocked process (trap_links = false) whose linked child fails dies.
  local pid = assert(process.spawn_monitored("app:node", H, { "link_then_block", "fail", tag = "one" }))
  local ev = recv(events, "EXIT of the blocked peer")
  check(ev.from == pid and died_of_link(ev),
    "blocked peer without trap_links dies with 'linked process failed' (INTERNAL)")

  -- Cascade: A -> B -> C(fails); B dies, then A dies.
  pid = assert(process.spawn_monitored("app:node", H,
    { "link_then_block", "link_then_block", "fail", tag = "two" }))
  ev = recv(events, "EXIT of the chain head")
  check(ev.from == pid and died_of_link(ev), "the death cascades along links")

  -- With trap_links = true: LINK_DOWN instead of death.
  assert(process.set_options({ trap_links = true }))
  check(process.get_options().trap_links == true, "trap_links can be set to true")
  pid = assert(process.spawn_linked("app:node", H, { "fail", tag = "three" }))
  ev = recv(events, "LINK_DOWN")
  check(ev.kind == process.event.LINK_DOWN and ev.from == pid, "trap_links = true -> LINK_DOWN event")
  check(ev.result and ev.result.error and ev.result.error:message() == "leaf failed: three"
    and ev.result.value == nil, "LINK_DOWN carries result = {error = err}")

  -- Normal exit of a linked child: no LINK_DOWN (trap on) ...
  pid = assert(process.spawn_linked_monitored("app:node", H, { "ok" }))
  ev = recv(events, "EXIT of ok child")
  check(ev.kind == process.event.EXIT and ev.result.value == "fine" and quiet(events, 50),
    "normal exit of a linked process gives no LINK_DOWN")
  -- ... and no death (trap off).
  assert(process.set_options({ trap_links = false }))
  pid = assert(process.spawn_linked_monitored("app:node", H, { "ok" }))
  recv(events, "EXIT of ok child")
  check(quiet(events, 50), "normal exit of a linked process does not kill peers")
end

return { main = main }
