-- Preemption (SPEC §8): on a host with a single worker, processes that
-- compute without blocking are preempted, so other processes (and each
-- other) keep running, and terminate still reaches them.
local time = require("time")

local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

local function recv(ch, what)
  local timer = time.after(4000)
  local r = channel.select({ ch:case_receive(), timer:case_receive() })
  if r.channel == timer then error("FAILED timed out waiting for " .. what, 2) end
  return r.value
end

local function main()
  local H = "app:processes"
  local me = process.pid()
  local events = process.events()

  local s1 = assert(process.spawn_monitored("app:spinner", H))
  local s2 = assert(process.spawn_monitored("app:spinner", H))
  time.sleep("30ms")
  check(true, "a sleeping process wakes up while two busy processes hold the only worker")

  local ticker = time.ticker("5ms")
  for _ = 1, 5 do ticker:channel():receive() end
  ticker:stop()
  check(true, "a ticker keeps ticking")

  check(process.exec("app:square", H, 12) == 144, "a new process gets to run and finish")

  -- Two reporting spinners both make progress: busy processes share the worker.
  local r1 = assert(process.spawn_monitored("app:spinner", H, me, "r1"))
  local r2 = assert(process.spawn_monitored("app:spinner", H, me, "r2"))
  local progress = process.listen("progress")
  local seen = {}
  while not (seen.r1 and seen.r2) do seen[recv(progress, "progress of both spinners")] = true end
  check(true, "two busy processes both make progress")

  for _, pid in ipairs({ s1, s2, r1, r2 }) do assert(process.terminate(pid)) end
  local ended = 0
  for _ = 1, 4 do
    local ev = recv(events, "EXIT of a spinner")
    if ev.result.error and ev.result.error:message() == "terminated" then ended = ended + 1 end
  end
  check(ended == 4, "terminate ends busy processes on a 1-worker host")
end

return { main = main }
