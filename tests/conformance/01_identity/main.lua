-- Identity (SPEC §1, §2.1): pids are unique strings usable as table keys and
-- in messages; process.id() is the definition id "namespace:name".
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

-- Spawns n monitored children, collects their reports and EXITs.
-- Returns the list of pids in spawn order.
local function spawn_batch(n, seen, ids_ok)
  local me = process.pid()
  local pids = {}
  for i = 1, n do
    local pid, err = process.spawn_monitored("app:child", "app:processes", me)
    if not pid then error("spawn failed: " .. tostring(err)) end
    pids[i] = pid
  end
  local reported = {}
  for _ = 1, n do
    local msg = recv(process.inbox(), "child report")
    local p = msg:payload()
    local pid, id = p[1]:data(), p[2]:data()
    if msg:from() ~= pid then ids_ok.from = false end
    if id ~= "app:child" then ids_ok.id = false end
    reported[pid] = true
  end
  for _ = 1, n do
    local ev = recv(process.events(), "child EXIT")
    if not reported[ev.from] then ids_ok.exit = false end
  end
  for _, pid in ipairs(pids) do
    if not reported[pid] then ids_ok.report = false end
    if seen[pid] then ids_ok.unique = false end
    seen[pid] = true
  end
  return pids
end

local function main()
  local me = process.pid()
  check(type(me) == "string" and #me > 0, "pid is a non-empty string")
  check(process.pid() == me, "pid is stable across calls")
  check(process.id() == "app:main", "id is the definition id", process.id())
  check(("pid=" .. me) == "pid=" .. tostring(me), "pid concatenates like a string")

  local seen = { [me] = true }
  local flags = { from = true, id = true, exit = true, report = true, unique = true }
  local first = spawn_batch(5, seen, flags)
  check(#first == 5 and type(first[1]) == "string", "spawn returns string pids")
  check(flags.report, "each child reports the pid its spawner got")
  check(flags.from, "msg:from() is the sender's pid")
  check(flags.id, "child's process.id() is its definition id")
  check(flags.exit, "EXIT.from is the child's pid")
  check(flags.unique, "pids are unique (table keys)")

  -- All five have ended; new processes must never reuse their pids.
  spawn_batch(5, seen, flags)
  check(flags.unique, "pids of ended processes are not reused")
  check(seen[me] and seen[first[1]], "pids work as table keys")

  -- A pid survives a round trip through a message unchanged.
  process.send(me, "self", me)
  local msg = recv(process.inbox(), "self message")
  check(msg:payload():data() == me and msg:from() == me, "pid round-trips through a message")
end

return { main = main }
