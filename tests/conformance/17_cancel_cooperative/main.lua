-- Cooperative cancel (SPEC §2.4, §2.7): CANCEL event {kind, from, deadline};
-- deadline is absolute ms since the epoch (or nil); a process that returns
-- after CANCEL, even after some cleanup, has exited normally.
local time = require("time")

local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

local function recv(ch, what)
  local timer = time.after(3000)
  local r = channel.select({ ch:case_receive(), timer:case_receive() })
  if r.channel == timer then error("FAILED timed out waiting for " .. what, 2) end
  return r.value
end

-- Spawns a handler, cancels it with cancel(dest_of(pid), ...) and returns
-- (result of its EXIT, time.now() just before the cancel).
local function cancel_and_wait(cleanup_ms, dest_of, ...)
  local pid = assert(process.spawn_monitored("app:handler", "app:processes", cleanup_ms))
  local t0 = time.now()
  local ok, err = process.cancel(dest_of(pid), ...)
  assert(ok == true, "cancel failed: " .. tostring(err))
  local ev = recv(process.events(), "EXIT of handler")
  assert(ev.from == pid, "EXIT from an unexpected process")
  return ev.result, t0
end

local function same(pid) return pid end

local function main()
  local me = process.pid()
  check(type(time.now()) == "number", "time.now() is a number")

  local r, t0 = cancel_and_wait(nil, same, "300ms")
  check(r.error == nil and r.value.kind == process.event.CANCEL, "CANCEL event delivered; handled -> normal exit")
  check(r.value.from == me, "CANCEL.from is the canceller's pid")
  local d = r.value.deadline
  check(type(d) == "number" and d >= t0 + 250 and d < t0 + 60000,
    "CANCEL.deadline is an absolute time in ms (now + 300ms)", tostring(d) .. " vs now " .. t0)

  r, t0 = cancel_and_wait(nil, same, 500)
  check(r.error == nil and r.value.deadline >= t0 + 450, "a number deadline is milliseconds")

  r = cancel_and_wait(nil, same)
  check(r.error == nil and r.value.has_deadline == false, "no deadline -> CANCEL.deadline is nil")

  r = cancel_and_wait(50, same, "1s")
  check(r.error == nil and r.value.kind == process.event.CANCEL, "cleanup within the deadline -> normal exit")

  r = cancel_and_wait(nil, function(pid)
    assert(process.registry.register("conf17.handler", pid))
    return "conf17.handler"
  end, "1s")
  check(r.error == nil and r.value.kind == process.event.CANCEL, "cancel by registered name")

  local pid = assert(process.spawn_monitored("app:handler", "app:processes"))
  local ok, err = process.cancel(pid, "soon")
  check(ok == nil and errors.is(err, errors.INVALID), "bad deadline -> INVALID")
  process.cancel(pid)
  recv(process.events(), "EXIT of the last handler")
end

return { main = main }
