-- After process.unmonitor no EXIT event arrives, even though the worker is
-- then cancelled. (Tutorial code.)
local function main()
  local time = require("time")
  local events_ch = process.events()

  -- Spawn and monitor
  local worker_pid, err = process.spawn_monitored(
    "app.workers:long_worker",
    "app:processes"
  )
  time.sleep("5ms")

  -- Stop monitoring
  local ok, unmon_err = process.unmonitor(worker_pid)
  if unmon_err then
    return nil, "unmonitor failed: " .. tostring(unmon_err)
  end

  -- Cancel worker
  process.cancel(worker_pid, "100ms")

  -- No EXIT event will be received (we unmonitored)
  local timeout = time.after("200ms")
  local result = channel.select {
    events_ch:case_receive(),
    timeout:case_receive(),
  }

  if result.channel == events_ch then
    return nil, "should not receive event after unmonitor"
  end
  print("No EXIT event within 200ms after unmonitor, as expected")
end

return { main = main }
