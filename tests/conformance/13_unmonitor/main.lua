-- process.unmonitor (SPEC §2.5): after it returns, no EXIT from that process
-- can be received, even one already queued or in flight.
-- unmonitor of a process that has already ended is not specified: either
-- true or NOT_FOUND is accepted, but its EXIT must not show up afterwards.
local time = require("time")

local ROUNDS = 50

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
  local r = channel.select({ events:case_receive(), default = true })
  return r.default, r.value and (tostring(r.value.kind) .. " from " .. tostring(r.value.from))
end

-- unmonitor of a possibly dead process: true, or nil + NOT_FOUND
local function unmonitor_any(pid)
  local ok, err = process.unmonitor(pid)
  return ok == true or (ok == nil and errors.is(err, errors.NOT_FOUND))
end

local function main()
  local me = process.pid()
  local events = process.events()
  local inbox = process.inbox()
  local H = "app:processes"

  -- Plain case: unmonitor a running process, then it ends.
  local pid = assert(process.spawn_monitored("app:waiter", H))
  check(process.unmonitor(pid) == true, "unmonitor a monitored running process -> true")
  process.send(pid, "stop")
  recv(inbox, "stopping")
  check(quiet(events, 100), "no EXIT after unmonitor")

  -- The EXIT is already queued in our events channel when we unmonitor.
  pid = assert(process.spawn_monitored("app:quick", H, me))
  recv(inbox, "bye")
  time.sleep("50ms")
  check(unmonitor_any(pid), "unmonitor after the process ended")
  check(quiet(events, 20), "an already queued EXIT is removed by unmonitor")

  -- Race: the child ends while we unmonitor it.
  local ok_all = true
  for _ = 1, ROUNDS do
    pid = assert(process.spawn_monitored("app:quick", H))
    ok_all = unmonitor_any(pid) and ok_all
  end
  check(ok_all, "racing unmonitor returns true or NOT_FOUND")
  local sentinel = assert(process.spawn_monitored("app:quick", H))
  local ev = recv(events, "sentinel EXIT")
  check(ev.from == sentinel, "no EXIT from any unmonitored process (race)", ev.from)
  local q, what = quiet(events, 50)
  check(q, "nothing else arrives later", what)
end

return { main = main }
