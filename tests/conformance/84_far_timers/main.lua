local time = require("time")

local function main()
  time.sleep("5ms") -- the wheel's clock is past 0 now
  local far = { time.after("20000h"), time.after("100000h"), time.after(2^40) }
  for _, ch in ipairs(far) do
    local r = channel.select({ ch:case_receive(), default = true })
    print("far timer pending", r.default == true)
  end
  local t = time.ticker("30000h")
  t:stop()
  local pid = process.spawn_monitored("app:sleeper", "app:processes")
  process.cancel(pid, "50000h") -- a deadline far away: cooperative in practice
  local ev = process.events():receive()
  print("sleeper ended", ev.kind == process.event.EXIT, ev.result.value)
  local soon = time.after("10ms")
  print("near timer still fires", soon:receive() ~= nil)
end

local function sleeper()
  local ev = process.events()
  ev:receive() -- CANCEL
  return "cancelled"
end

return { main = main, sleeper = sleeper }
