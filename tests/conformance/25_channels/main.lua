-- Channels (SPEC §4): rendezvous and buffered channels, close semantics,
-- select with and without default, channels cannot leave the process.
local time = require("time")

local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

local function unbuffered()
  local ch = channel.new()
  local done = channel.new(1)
  local sent = false
  coroutine.spawn(function()
    ch:send("v")
    sent = true
    done:send(true)
  end)
  time.sleep("20ms") -- the sender runs and blocks: nobody receives yet
  check(sent == false, "unbuffered: send blocks until a receiver comes")
  local v, ok = ch:receive()
  check(v == "v" and ok == true, "unbuffered: receive -> v, true")
  done:receive()
  check(sent == true, "unbuffered: the sender resumes after the hand-over")
  check(channel.select({ ch:case_send(1), default = true }).default,
    "unbuffered: a send with no receiver is not ready")
end

local function buffered()
  local ch = channel.new(2)
  ch:send(1)
  ch:send(2) -- neither blocks: there is room for two
  check(channel.select({ ch:case_send(3), default = true }).default, "buffered: full channel -> send not ready")
  local a, b = ch:receive(), ch:receive()
  check(a == 1 and b == 2, "buffered: FIFO order")
  check(channel.select({ ch:case_receive(), default = true }).default, "buffered: empty channel -> receive not ready")
  local r = channel.select({ ch:case_send("s"), default = true })
  check(r.channel == ch and ch:receive() == "s", "select on case_send with room sends")
end

local function closing()
  local ch = channel.new(3)
  ch:send("a")
  ch:send("b")
  ch:close()
  local v1, ok1 = ch:receive()
  local v2, ok2 = ch:receive()
  local v3, ok3 = ch:receive()
  local v4, ok4 = ch:receive()
  check(v1 == "a" and ok1 and v2 == "b" and ok2, "receive after close drains buffered values")
  check(v3 == nil and ok3 == false and v4 == nil and ok4 == false, "then gives nil, false (every time)")
  check(pcall(ch.close, ch), "closing twice is a no-op")
  check(not pcall(ch.send, ch, "x"), "send on a closed channel raises")

  local waiting = channel.new()
  local result = channel.new(1)
  coroutine.spawn(function()
    local v, ok = waiting:receive()
    result:send({ v = v, ok = ok })
  end)
  time.sleep("10ms")
  waiting:close()
  local r = result:receive()
  check(r.v == nil and r.ok == false, "close wakes a blocked receiver with nil, false")

  local closed = channel.new()
  closed:close()
  local sel = channel.select({ closed:case_receive() })
  check(sel.channel == closed and sel.ok == false and sel.value == nil, "select on a closed channel -> ok = false")
end

local function selecting()
  local a, b = channel.new(1), channel.new(1)
  local r = channel.select({ a:case_receive(), b:case_receive(), default = true })
  check(r.default == true, "select with default and nothing ready -> {default = true}")
  b:send("bee")
  r = channel.select({ a:case_receive(), b:case_receive(), default = true })
  check(r.channel == b and r.value == "bee" and r.ok == true, "select returns {channel, value, ok}")

  local late = channel.new()
  coroutine.spawn(function()
    time.sleep("20ms")
    late:send("late")
  end)
  r = channel.select({ a:case_receive(), late:case_receive() })
  check(r.channel == late and r.value == "late", "select without default blocks until a case is ready")
end

local function main()
  check(channel.new(0) ~= nil, "channel.new(0) is a rendezvous channel")
  unbuffered()
  buffered()
  closing()
  selecting()
  local ok, err = process.send(process.pid(), "t", channel.new())
  check(ok == nil and errors.is(err, errors.INVALID), "a channel cannot be sent to a process")
end

return { main = main }
