-- Memory limit (SPEC §3, §8): exceeding the definition's memory_limit ends
-- that process with "memory limit exceeded" (kind INTERNAL), never the host.
-- Messages waiting in its mailbox are charged to the same limit.
local time = require("time")

local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

local function recv(ch, what)
  local timer = time.after(4000)
  local r = channel.select({ ch:case_receive(), timer:case_receive() })
  if r.channel == timer then error("FAILED timed out waiting for " .. what, 2) end
  return r.value
end

local function main()
  local events = process.events()
  local pid = assert(process.spawn_monitored("app:hog", "app:processes", "grow"))
  local ev = recv(events, "EXIT of the hog")
  local e = ev.result.error
  check(ev.from == pid and e ~= nil and e:message() == "memory limit exceeded" and errors.is(e, errors.INTERNAL),
    "exceeding memory_limit -> 'memory limit exceeded' (INTERNAL)", e or ev.result.value)

  -- queued messages count too: they wait in C memory, outside the heap
  pid = assert(process.spawn_monitored("app:hog", "app:processes", "selfflood"))
  ev = recv(events, "EXIT of the self-flooder")
  e = ev.result.error
  check(ev.from == pid and e ~= nil and e:message() == "memory limit exceeded" and errors.is(e, errors.INTERNAL),
    "flooding its own mailbox -> 'memory limit exceeded'", e or ev.result.value)

  pid = assert(process.spawn_monitored("app:hog", "app:processes", "deaf"))
  local mb, sent = string.rep("s", 1024 * 1024), 0
  for _ = 1, 64 do -- 64MB at a 16MB receiver that never receives
    if process.send(pid, "flood", mb) then sent = sent + 1 end
  end
  ev = recv(events, "EXIT of the deaf receiver")
  e = ev.result.error
  -- (sends return true until it is gone; then false, as to any dead pid)
  check(sent >= 15 and ev.from == pid and e ~= nil and e:message() == "memory limit exceeded",
    "a receiver that falls 16MB behind ends 'memory limit exceeded'",
    e or ev.result.value)

  pid = assert(process.spawn_monitored("app:hog", "app:processes", "small"))
  ev = recv(events, "EXIT of the small hog")
  check(ev.from == pid and ev.result.value == 100, "the host keeps running processes afterwards")
end

return { main = main }
