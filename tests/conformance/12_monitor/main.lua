-- process.monitor (SPEC §2.5): monitoring a running process gives one EXIT
-- when it ends (normally or not); monitoring twice -> ALREADY_EXISTS;
-- dead / unknown -> NOT_FOUND; dest may be a registered name.
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

local function quiet(events, ms)
  time.sleep(ms)
  return channel.select({ events:case_receive(), default = true }).default
end

local function main()
  local events = process.events()
  local H = "app:processes"

  local pid = assert(process.spawn("app:waiter", H))
  check(process.monitor(pid) == true, "monitor a running process -> true")
  local ok, err = process.monitor(pid)
  check(ok == nil and errors.is(err, errors.ALREADY_EXISTS), "monitor twice -> ALREADY_EXISTS")
  process.send(pid, "stop")
  local ev = recv(events, "EXIT")
  check(ev.kind == process.event.EXIT and ev.from == pid and ev.result.value == "stopped",
    "EXIT with from = pid and the result")
  check(quiet(events, 50), "exactly one EXIT even after monitoring twice")

  ok, err = process.monitor(pid)
  check(ok == nil and errors.is(err, errors.NOT_FOUND), "monitor a dead pid -> NOT_FOUND")
  ok, err = process.monitor("conf12.nobody")
  check(ok == nil and errors.is(err, errors.NOT_FOUND), "monitor an unknown name -> NOT_FOUND")

  -- By registered name; abnormal end.
  pid = assert(process.spawn("app:waiter", H))
  assert(process.registry.register("conf12.watched", pid))
  check(process.monitor("conf12.watched") == true, "monitor by registered name")
  process.send("conf12.watched", "stop", "fail")
  ev = recv(events, "EXIT (abnormal)")
  check(ev.from == pid and ev.result.error ~= nil and ev.result.error:message() == "waiter asked to fail",
    "EXIT of an abnormal end carries {error = err}; from is the pid, not the name")
end

return { main = main }
