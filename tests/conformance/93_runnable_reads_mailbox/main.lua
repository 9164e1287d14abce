-- A process that never blocks (preempted, or polling with sleep(0)) still
-- reads its mailbox: messages reach its channels (SPEC 2.3), CANCEL its
-- events (2.7), and a linked peer's failure ends it (2.5). All of them
-- share one worker with the busy ones.
local time = require("time")
local LIMIT = 5000 -- ms; the answers come within a few slices

local function poller() -- polls its inbox, letting the others run between polls
  local inbox, t0 = process.inbox(), time.now()
  while time.now() - t0 < LIMIT do
    local r = channel.select{ inbox:case_receive(), default = true }
    if not r.default then return "got " .. r.value:payload():data() end
    time.sleep(0)
  end
  return "no message"
end

local function cruncher() -- computes; looks at its events between chunks
  local ev, t0, x = process.events(), time.now(), 0
  while time.now() - t0 < LIMIT do
    for i = 1, 1e5 do x = x + i end
    local r = channel.select{ ev:case_receive(), default = true }
    if not r.default and r.value.kind == process.event.CANCEL then return "saw CANCEL" end
  end
  return "no CANCEL"
end

local function spinner() -- computes, never looks at anything
  local t0, x = time.now(), 0
  while time.now() - t0 < LIMIT do x = x + 1 end
  return "still alive"
end

local function failer(target)
  process.link(target)
  time.sleep(20)
  error("boom")
end

local function main()
  local ev = process.events()
  local names = {}
  local p = process.spawn_monitored("app:poller", "app:one"); names[p] = "poller"
  local c = process.spawn_monitored("app:cruncher", "app:one"); names[c] = "cruncher"
  local s = process.spawn_monitored("app:spinner", "app:one"); names[s] = "spinner"
  time.sleep(30)
  process.send(p, "hello", "hello")
  process.cancel(c)
  process.spawn("app:failer", "app:one", s)
  local got = {}
  for _ = 1, 3 do
    local e = ev:receive()
    got[#got + 1] = names[e.from] .. ": " .. tostring(e.result.value or e.result.error)
  end
  table.sort(got)
  for _, line in ipairs(got) do print(line) end
end

return { main = main, poller = poller, cruncher = cruncher, spinner = spinner, failer = failer }
