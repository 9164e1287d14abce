-- coroutine.spawn (SPEC §4): runs fn(...) as another coroutine of the same
-- process, cooperatively (it runs when the others block); blocking calls
-- suspend only the calling coroutine. Plain Lua coroutines still work.
local time = require("time")

local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

local function main()
  local ran_with
  coroutine.spawn(function(a, b) ran_with = a .. b end, "x", "y")
  check(ran_with == nil, "the spawned coroutine does not run before the spawner blocks")
  time.sleep("10ms")
  check(ran_with == "xy", "it runs with its arguments once the spawner blocks")

  -- A pipeline of coroutines sharing the process's state through channels.
  local numbers, squares = channel.new(), channel.new()
  coroutine.spawn(function()
    for i = 1, 5 do numbers:send(i) end
    numbers:close()
  end)
  coroutine.spawn(function()
    for n in function() return (numbers:receive()) end do squares:send(n * n) end
    squares:close()
  end)
  local sum = 0
  while true do
    local v, ok = squares:receive()
    if not ok then break end
    sum = sum + v
  end
  check(sum == 55, "coroutines form a pipeline over channels", sum)

  -- Many coroutines, each blocked in time.sleep, all finish.
  local done = channel.new(100)
  for i = 1, 100 do
    coroutine.spawn(function()
      time.sleep(5)
      done:send(i)
    end)
  end
  local total = 0
  for _ = 1, 100 do total = total + done:receive() end
  check(total == 5050, "100 sleeping coroutines all complete")

  -- One coroutine waits on the inbox while another sends to this process.
  local got = channel.new(1)
  coroutine.spawn(function() got:send(process.inbox():receive():topic()) end)
  coroutine.spawn(function() process.send(process.pid(), "ping") end)
  check(got:receive() == "ping", "a coroutine can receive process messages")

  -- Plain Lua coroutines (generators) are unaffected.
  local gen = coroutine.wrap(function()
    for i = 1, 3 do coroutine.yield(i) end
  end)
  check(gen() == 1 and gen() == 2 and gen() == 3, "coroutine.wrap generators still work")
  local co = coroutine.create(function(x) return x + coroutine.yield(x * 2) end)
  local _, first = coroutine.resume(co, 10)
  local _, second = coroutine.resume(co, 5)
  check(first == 20 and second == 15 and coroutine.status(co) == "dead", "coroutine.create / resume still work")
end

return { main = main }
