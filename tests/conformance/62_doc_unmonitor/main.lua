-- Tutorial "Stop Monitoring": after unmonitor, cancelling the worker gives
-- no EXIT event (select against a 200ms timeout).
local time = require("time")

local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

local function main()
  local events_ch = process.events()
  local worker_pid, err = process.spawn_monitored("app.workers:long_worker", "app:processes")
  if err then return nil, "spawn failed: " .. tostring(err) end
  time.sleep("5ms")

  local ok, unmon_err = process.unmonitor(worker_pid)
  if unmon_err then return nil, "unmonitor failed: " .. tostring(unmon_err) end
  check(ok == true, "unmonitor(worker_pid) -> true")

  process.cancel(worker_pid, "100ms")
  local timeout = time.after("200ms")
  local result = channel.select({
    events_ch:case_receive(),
    timeout:case_receive(),
  })
  check(result.channel == timeout, "no EXIT event after unmonitor")
  -- The worker is really gone (cancelled), though we were not told.
  local sent, send_err = process.send(worker_pid, "ping")
  check(sent == nil and errors.is(send_err, errors.NOT_FOUND), "the cancelled worker has ended")
end

return { main = main }
