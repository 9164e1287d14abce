-- Memory limit (SPEC §3, §8): exceeding the definition's memory_limit ends
-- that process with "memory limit exceeded" (kind INTERNAL), never the host.
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

  pid = assert(process.spawn_monitored("app:hog", "app:processes", "small"))
  ev = recv(events, "EXIT of the small hog")
  check(ev.from == pid and ev.result.value == 100, "the host keeps running processes afterwards")
end

return { main = main }
