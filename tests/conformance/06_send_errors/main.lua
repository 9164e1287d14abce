-- send failures (SPEC §2.3): bad topic -> INVALID, dead / unknown
-- destination -> NOT_FOUND, uncopyable payload -> INVALID with nothing sent.
-- Failures return nil, err and never raise.
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

-- true when send(...) returned nil plus an error of `kind` without raising
local function send_fails(kind, ...)
  local ok, res, err = pcall(process.send, ...)
  return ok and res == nil and errors.is(err, kind), tostring(res) .. ", " .. tostring(err)
end

local function main()
  local me = process.pid()
  check(send_fails(errors.INVALID, me, ""), "empty topic -> INVALID")
  check(send_fails(errors.INVALID, me, "@inbox"), "topic starting with @ -> INVALID")
  check(send_fails(errors.INVALID, me, "@x", 1), "any @ topic -> INVALID")
  check(send_fails(errors.INVALID, me, nil, 1), "missing topic -> INVALID")
  check(send_fails(errors.INVALID, me, { "t" }), "table topic -> INVALID")

  local pid = process.spawn_monitored("app:quick", "app:processes")
  recv(process.events(), "EXIT of quick")
  check(send_fails(errors.NOT_FOUND, pid, "t", 1), "dead pid -> NOT_FOUND")
  check(send_fails(errors.NOT_FOUND, "conf06.no.such.name", "t", 1), "unknown name -> NOT_FOUND")
  local elsewhere = me:gsub("^{[^|]*|", "{app:no_such_host|")
  check(elsewhere ~= me and send_fails(errors.NOT_FOUND, elsewhere, "t", 1),
    "a live pid with another host's name -> NOT_FOUND")

  check(send_fails(errors.INVALID, me, "bad", function() end), "function payload -> INVALID")
  check(send_fails(errors.INVALID, me, "bad", 1, 2, { f = print }), "uncopyable value among several -> INVALID")
  check(send_fails(errors.INVALID, me, "bad", channel.new()), "channel payload -> INVALID")

  -- Nothing of the failed sends may have arrived: the next message is "marker".
  assert(process.send(me, "marker", "m"))
  local msg = recv(process.inbox(), "marker")
  check(msg:topic() == "marker", "failed sends delivered nothing", msg:topic())
end

return { main = main }
