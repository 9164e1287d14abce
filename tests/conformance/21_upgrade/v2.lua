-- Second version: checks what the upgrade kept and reset, then returns the
-- list of checks that passed (the parent prints them).
local time = require("time")

local function main(state)
  local passed = {}
  local function check(cond, what)
    if not cond then error("FAILED v2: " .. what, 0) end
    passed[#passed + 1] = "ok " .. what
  end
  local function recv(ch, what)
    local timer = time.after(2000)
    local r = channel.select({ ch:case_receive(), timer:case_receive() })
    if r.channel == timer then error("FAILED v2: timed out waiting for " .. what, 0) end
    return r.value
  end

  check(state.q1 == "q1", "upgrade passes its arguments to the new method")
  check(process.id() == "app:v2", "process.id() is the new definition's id")
  check(process.pid() == state.pid, "pid is kept")
  check(process.registry.lookup("conf21.upgraded") == state.pid, "registered name is kept")
  check(process.get_options().trap_links == false, "options are reset")

  local inbox = process.inbox()
  local q2, q3 = recv(inbox, "q2"), recv(inbox, "q3")
  check(q2:payload():data() == "q2" and q3:payload():data() == "q3" and q2:from() == state.parent,
    "messages not yet received are kept, in order")

  assert(process.set_options({ trap_links = true }))
  local events = process.events()
  process.send(state.watched, "stop")
  process.send(state.partner, "fail")
  local got = {}
  for _ = 1, 2 do
    local ev = recv(events, "events from watched / partner")
    got[ev.kind .. ":" .. ev.from] = ev
  end
  local exit = got[process.event.EXIT .. ":" .. state.watched]
  check(exit and exit.result.value == "watched done", "monitors made before the upgrade are kept")
  check(got[process.event.LINK_DOWN .. ":" .. state.partner], "links made before the upgrade are kept")
  return passed
end

return { main = main }
