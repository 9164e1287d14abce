-- listen / unlisten / inbox routing (SPEC §2.3): a listen channel takes its
-- exact topic (raw values by default, Message objects with message = true),
-- everything else goes to the inbox; unlisten closes the channel and the
-- topic goes to the inbox again. @ / empty topics -> INVALID.
local time = require("time")

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
  return r.value, r.ok
end

local function main()
  local me = process.pid()
  local inbox = process.inbox()
  check(process.inbox() == inbox, "inbox() returns the same channel each call")

  local a = process.listen("a")
  process.send(me, "a", 1)
  process.send(me, "b", "to inbox")
  process.send(me, "a", 1, 2)
  process.send(me, "a")
  local v, ok = recv(a, "a #1")
  check(v == 1 and ok == true, "raw mode: one payload -> the value itself")
  v = recv(a, "a #2")
  check(type(v) == "table" and #v == 2 and v[1] == 1 and v[2] == 2, "raw mode: several payloads -> {v1, v2}")
  v, ok = recv(a, "a #3")
  check(v == nil and ok == true, "raw mode: no payload -> nil")
  local msg = recv(inbox, "b")
  check(msg:topic() == "b" and msg:payload():data() == "to inbox", "other topics go to the inbox")

  local m = process.listen("m", { message = true })
  process.send(me, "m", "hi")
  msg = recv(m, "m")
  check(msg:topic() == "m" and msg:from() == me and msg:payload():data() == "hi",
    "listen {message = true} delivers Message objects")

  -- Messages from another process are split by topic, each channel in order.
  local pid = process.spawn("app:mixer", "app:processes", me)
  local order_ok = true
  for i = 1, 5 do
    local x = recv(a, "mixer a")
    local y = recv(inbox, "mixer b")
    order_ok = order_ok and x == i and y:topic() == "b" and y:payload():data() == i and y:from() == pid
  end
  check(order_ok, "topics of one sender are split, each in order")

  process.unlisten(a) -- (its return value is not specified)
  v, ok = a:receive()
  check(v == nil and ok == false, "unlisten closes the channel")
  process.send(me, "a", 5)
  msg = recv(inbox, "a after unlisten")
  check(msg:topic() == "a" and msg:payload():data() == 5, "after unlisten the topic goes to the inbox")

  local a2 = process.listen("a")
  process.send(me, "a", 6)
  check(recv(a2, "a again") == 6, "listen again after unlisten")

  local ch, err = process.listen("")
  check(ch == nil and errors.is(err, errors.INVALID), "listen('') -> INVALID")
  ch, err = process.listen("@inbox")
  check(ch == nil and errors.is(err, errors.INVALID), "listen('@inbox') -> INVALID")
end

return { main = main }
