-- send and Message objects (SPEC §2.3): one call = one message carrying every
-- payload value; msg:topic(), msg:from(), msg:payload() (nil / Payload /
-- array of Payload), payload:data(). Sending to a registered name.
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
  return r.value
end

-- Receives the three messages of sender.lua and checks them.
local function check_messages(inbox, sender, how)
  local m1 = recv(inbox, "message 'none'")
  check(m1:topic() == "none" and m1:from() == sender and m1:payload() == nil,
    how .. ": no payload -> payload() is nil")
  local m2 = recv(inbox, "message 'one'")
  local p2 = m2:payload()
  check(m2:topic() == "one" and m2:from() == sender and p2 ~= nil and p2:data().k == "v",
    how .. ": one payload -> a Payload object")
  local m3 = recv(inbox, "message 'three'")
  local p3 = m3:payload()
  check(m3:topic() == "three" and type(p3) == "table" and #p3 == 3
      and p3[1]:data() == 1 and p3[2]:data() == "two" and p3[3]:data()[1] == 3,
    how .. ": several payloads -> one message with an array of Payloads")
end

local function main()
  local me = process.pid()
  local inbox = process.inbox()

  check(process.send(me, "self", "x") == true, "send returns true")
  local m = recv(inbox, "self message")
  check(m:from() == me and m:topic() == "self" and m:payload():data() == "x", "a process can send to itself")

  local pid = process.spawn("app:sender", "app:processes", me)
  check_messages(inbox, pid, "by pid")

  assert(process.registry.register("conf05.main"))
  pid = process.spawn("app:sender", "app:processes", "conf05.main")
  check_messages(inbox, pid, "by name")

  -- payload:data() gives the same copied value each time it is called.
  process.send(me, "t", { n = 1 })
  local p = recv(inbox, "table message"):payload()
  check(p:data().n == 1 and p:data().n == 1, "payload:data() can be called again")
end

return { main = main }
