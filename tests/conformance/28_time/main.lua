-- The time module (SPEC §5): sleep, after, ticker, now. Only safe lower
-- bounds on elapsed time are checked (clocks may tick in whole ms).
local time = require("time")

local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

local function main()
  local t0 = time.now()
  check(type(t0) == "number" and math.abs(t0 / 1000 - os.time()) < 5,
    "time.now() is ms since the Unix epoch", t0)

  time.sleep("50ms")
  local t1 = time.now()
  check(t1 - t0 >= 45, "sleep('50ms') waits at least ~50 ms", t1 - t0)
  time.sleep(30)
  check(time.now() - t1 >= 25, "sleep(30) takes a number of milliseconds")

  local start = time.now()
  local after = time.after("30ms")
  local v, ok = after:receive()
  check(ok == true and type(v) == "number" and v >= start + 25,
    "after(d) delivers the current time once d has passed", v)
  local v2, ok2 = after:receive()
  check(v2 == nil and ok2 == false, "then the after channel is closed")

  local a2 = time.after(20)
  check(channel.select({ a2:case_receive(), default = true }).default, "after(d) is not ready before d")
  check(a2:receive() ~= nil, "after(number) works")

  start = time.now()
  local ticker = time.ticker("10ms")
  local ch = ticker:channel()
  for _ = 1, 3 do ch:receive() end
  check(time.now() - start >= 25, "ticker delivers repeatedly, spaced by its period")
  ticker:stop()
  check(true, "ticker:stop() returns")

  -- Sleeping suspends only this coroutine.
  local progressed = false
  coroutine.spawn(function() progressed = true end)
  time.sleep(5)
  check(progressed, "time.sleep lets the process's other coroutines run")

  local pid = assert(process.spawn_monitored("app:timer_owner", "app:processes"))
  local ev = process.events():receive()
  check(ev.from == pid and ev.result.value == "left timers behind",
    "a process with pending timers still ends (its timers vanish)")
end

return { main = main }
