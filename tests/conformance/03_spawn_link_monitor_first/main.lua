-- The monitor / link of spawn_* is set up before the child runs, so a child
-- that ends at once still produces EXIT / LINK_DOWN (SPEC §2.2). Repeated
-- to give a racy implementation many chances to lose one.
local time = require("time")

local ROUNDS = 20

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

-- Receives `n` events and counts them by kind .. ":" .. from.
local function collect(events, n)
  local seen = {}
  for _ = 1, n do
    local ev = recv(events, "event")
    local key = ev.kind .. ":" .. ev.from
    seen[key] = (seen[key] or 0) + 1
  end
  return seen
end

local function main()
  local events = process.events()
  process.set_options({ trap_links = true })
  local E, L = process.event.EXIT, process.event.LINK_DOWN

  local pids = {}
  for i = 1, ROUNDS do pids[i] = assert(process.spawn_monitored("app:quick", "app:processes", "ok")) end
  local seen = collect(events, ROUNDS)
  local all = true
  for _, pid in ipairs(pids) do all = all and seen[E .. ":" .. pid] == 1 end
  check(all, "spawn_monitored: a child that returns at once still gives EXIT")

  for i = 1, ROUNDS do pids[i] = assert(process.spawn_linked("app:quick", "app:processes", "fail")) end
  seen = collect(events, ROUNDS)
  all = true
  for _, pid in ipairs(pids) do all = all and seen[L .. ":" .. pid] == 1 end
  check(all, "spawn_linked: a child that fails at once still gives LINK_DOWN")

  for i = 1, ROUNDS do
    pids[i] = assert(process.spawn_linked_monitored("app:quick", "app:processes", "fail"))
  end
  seen = collect(events, 2 * ROUNDS)
  all = true
  for _, pid in ipairs(pids) do
    all = all and seen[L .. ":" .. pid] == 1 and seen[E .. ":" .. pid] == 1
  end
  check(all, "spawn_linked_monitored: a child that fails at once gives LINK_DOWN and EXIT")

  time.sleep("50ms")
  check(channel.select({ events:case_receive(), default = true }).default, "no extra events")
end

return { main = main }
