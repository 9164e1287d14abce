-- Messages that arrive while neither a listen channel for their topic nor the
-- inbox exists wait, in arrival order: listen(t) takes the waiting ones of
-- topic t, inbox() takes the rest; nothing is dropped (SPEC §2.3).
-- Waiting for the sender's EXIT guarantees every message has arrived.
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

local function drain(ch)
  local out = {}
  while true do
    local r = channel.select({ ch:case_receive(), default = true })
    if r.default then return out end
    out[#out + 1] = r.value
  end
end

-- Runs app:sender with `list` and waits until it has ended.
local function send_all(list)
  local pid = process.spawn_monitored("app:sender", "app:processes", process.pid(), list)
  local ev = recv(process.events(), "sender EXIT")
  assert(ev.from == pid and ev.result.error == nil, "sender failed")
  return pid
end

local function main()
  send_all({ { "x", 1 }, { "y", 1 }, { "x", 2 }, { "y", 2 }, { "z", "last" } })

  local x = process.listen("x")
  local xs = drain(x)
  check(#xs == 2 and xs[1] == 1 and xs[2] == 2, "listen takes the waiting messages of its topic, in order")

  local rest = drain(process.inbox())
  local topics = {}
  for i, m in ipairs(rest) do topics[i] = m:topic() .. "=" .. tostring(m:payload():data()) end
  check(table.concat(topics, ",") == "y=1,y=2,z=last", "inbox takes the other waiting messages, in order",
    table.concat(topics, ","))

  -- Once the inbox exists, a later listen only gets messages sent after it.
  send_all({ { "w", 1 }, { "w", 2 } })
  local w = process.listen("w", { message = true })
  check(#drain(w) == 0, "messages already routed to the inbox stay there")
  local ws = drain(process.inbox())
  check(#ws == 2 and ws[1]:topic() == "w" and ws[2]:payload():data() == 2, "... and are received from the inbox")

  local pid2 = send_all({ { "w", 3 } })
  local got = drain(w)
  check(#got == 1 and got[1]:topic() == "w" and got[1]:payload():data() == 3 and got[1]:from() == pid2,
    "listen {message = true} gets later messages as Message objects")
end

return { main = main }
