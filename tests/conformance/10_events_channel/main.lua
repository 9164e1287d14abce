-- Events channel (SPEC §2.4): events that arrive before the first
-- process.events() call are kept and delivered when it is made; the same
-- channel is returned each call; event tables carry kind / from / result /
-- deadline. This process calls process.events() only after both events
-- have surely been sent.
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

local function main()
  local me = process.pid()
  local inbox = process.inbox()
  local E = process.event
  check(E.EXIT ~= nil and E.LINK_DOWN ~= nil and E.CANCEL ~= nil
    and E.EXIT ~= E.LINK_DOWN and E.EXIT ~= E.CANCEL and E.LINK_DOWN ~= E.CANCEL,
    "process.event holds three distinct constants")

  local quick = process.spawn_monitored("app:quick", "app:processes", me)
  check(recv(inbox, "bye"):topic() == "bye", "monitored child said bye")
  local canceller = process.spawn("app:canceller", "app:processes", me)
  check(recv(inbox, "cancel sent"):topic() == "cancel sent", "canceller has cancelled us")
  time.sleep("100ms") -- let the EXIT arrive too, still without calling events()

  local events = process.events()
  check(process.events() == events, "events() returns the same channel each call")
  local got = {}
  for _ = 1, 2 do
    local ev = recv(events, "queued event")
    got[ev.kind] = ev
  end
  local exit, cancel = got[E.EXIT], got[E.CANCEL]
  check(exit and exit.from == quick and exit.result.value == "quick result" and exit.result.error == nil,
    "EXIT that arrived before events() is delivered")
  check(cancel and cancel.from == canceller and cancel.deadline == nil,
    "CANCEL that arrived before events() is delivered (no deadline -> nil)")
end

return { main = main }
