-- Cancel deadlines (SPEC §2.7): a process still running when the deadline
-- passes is force-terminated with "cancel deadline exceeded" (kind
-- TIMEOUT) wherever it is: blocked, sleeping, or in a loop that never
-- yields. The deadline belongs to the target (it holds after the canceller
-- ended). Without a deadline, cancel is cooperative only.
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

local function timed_out(result)
  local e = result.error
  return e ~= nil and e:message() == "cancel deadline exceeded" and errors.is(e, errors.TIMEOUT)
end

-- Cancels an ignorer of kind `how` with a 100ms deadline; returns the EXIT
-- result and the elapsed time.
local function cancel_ignorer(how)
  local pid = assert(process.spawn_monitored("app:ignorer", "app:processes", how))
  time.sleep("10ms") -- let it reach its blocking call / loop
  local t0 = time.now()
  assert(process.cancel(pid, "100ms"))
  local ev = recv(process.events(), "EXIT of " .. how .. " ignorer")
  assert(ev.from == pid, "EXIT from an unexpected process")
  return ev.result, time.now() - t0
end

local function main()
  for _, how in ipairs({ "blocked", "sleeping", "busy" }) do
    local r, elapsed = cancel_ignorer(how)
    check(timed_out(r), how .. ": force-terminated with 'cancel deadline exceeded' (TIMEOUT)",
      r.error or r.value)
    check(elapsed >= 90, how .. ": not before the deadline", elapsed)
  end

  -- The canceller ends right after cancelling; the deadline still holds.
  local target = assert(process.spawn_monitored("app:ignorer", "app:processes", "blocked"))
  local canceller = assert(process.spawn_monitored("app:canceller", "app:processes", target, "100ms"))
  local results = {}
  for _ = 1, 2 do
    local ev = recv(process.events(), "EXITs of canceller and target")
    results[ev.from] = ev.result
  end
  check(results[canceller] and results[canceller].value == "cancel sent", "the canceller ended normally right after cancelling")
  check(results[target] and timed_out(results[target]), "deadline enforced after the canceller ended")

  -- No deadline: the process may ignore the CANCEL and finish normally.
  local pid = assert(process.spawn_monitored("app:ignorer", "app:processes", "slow"))
  assert(process.cancel(pid))
  local ev = recv(process.events(), "EXIT of the slow ignorer")
  check(ev.result.error == nil and ev.result.value == "still here",
    "without a deadline cancel is cooperative only")
end

return { main = main }
