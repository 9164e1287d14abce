-- Red-team round 4 (Lua layer): stopped tickers are forgotten at once,
-- UNKNOWN errors keep their kind across an exit, a memory limit below a
-- fresh state's size reads "memory limit exceeded", repeated cancels with
-- a deadline cost nothing.
local time = require("time")

local function worker(mode)
  if mode == "raise" then error(errors.new("plain unknown")) end
  if mode == "return" then return nil, errors.new("returned unknown") end
  return "ok"
end

local function main()
  -- 100,000 tickers made and stopped in a 2 MB process
  for i = 1, 100000 do time.ticker("1h"):stop() end
  print("tickers made and stopped: ok")

  local ev = process.events()
  process.spawn_monitored("app:w", "app:processes", "raise")
  local r = ev:receive().result
  print("raised:", r.error:kind(), r.error:message(), errors.is(r.error, errors.UNKNOWN))
  process.spawn_monitored("app:w", "app:processes", "return")
  r = ev:receive().result
  print("returned:", r.error:kind(), r.error:message())
  local _, err = process.exec("app:w", "app:processes", "raise")
  print("exec:", err:kind())

  process.spawn_monitored("app:tiny", "app:processes")
  r = ev:receive().result
  print("tiny:", r.error:kind(), r.error:message())

  -- a cancel with a deadline, again and again: one deadline, no growth
  local me = process.pid()
  for i = 1, 20000 do
    process.cancel(me, "1000h")
    ev:receive()
  end
  print("cancelled 20000 times, heap under 1 MB:", collectgarbage("count") < 1024)
end

return { main = main, worker = worker }
