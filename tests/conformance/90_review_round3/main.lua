-- Third review round (permissions, names, topics, spawn arguments):
-- exec needs only process.exec + process.host; ctx.get returns copies;
-- with_name is checked like registry.register and refuses pid-shaped
-- names; topics are byte strings (NUL included) in listen routing; more
-- than 250 arguments for a new process are refused up front;
-- coroutine.spawn takes many arguments; upgrade applies the new code's
-- memory limit and keeps deep messages.
local security = require("security")
local time = require("time")

local function check(cond, what, detail)
  if not cond then error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2) end
  print("ok " .. what)
end

return { main = function()
  local me = process.pid()
  local events = process.events()
  local pid, ev

  local function run_jailed(mode, policies)
    local sp = process.with_context({ cfg = { role = "guest" } })
      :with_actor(security.new_actor("jailed")):with_scope(security.new_scope(policies))
    assert(sp:spawn_monitored("app:jailed", "app:h", mode))
    local ev = events:receive()
    local out = ev.result.value or ("FAILED " .. tostring(ev.result.error))
    for line in out:gmatch("[^\n]+") do print(line) end
  end
  run_jailed("exec", { { actions = { "process.exec", "process.host" }, resources = "*", effect = "allow" } })
  run_jailed("named", {
    { actions = { "process.spawn", "process.host", "process.context" }, resources = "*", effect = "allow" },
    { actions = "process.registry.register", resources = "public.*", effect = "allow" },
  })

  -- with_name: pid-shaped names are refused, like registry.register
  local s2, err = process.with_context({}):with_name(me)
  check(s2 == nil and errors.is(err, errors.INVALID), "with_name refuses a name that reads as a pid", err)

  -- topics are byte strings: "job\0A" and "job\0B" are different topics
  assert(process.send(me, "job\0A", "for A"))
  time.sleep(20) -- it waits in the pending list, unrouted
  local chB = process.listen("job\0B")
  local chA = process.listen("job\0A")
  local r = channel.select({ chB:case_receive(), chA:case_receive(), default = true })
  check(r.channel == chA and r.value == "for A", "a waiting message goes to the listen of its exact topic",
    r.default and "nothing" or tostring(r.value))

  -- more than 250 arguments for a new process: refused before anything runs
  local t = {}
  for i = 1, 251 do t[i] = i end
  local p2, e2 = process.spawn("app:callee", "app:h", table.unpack(t))
  check(p2 == nil and errors.is(e2, errors.INVALID), "251 spawn arguments -> INVALID", e2)
  local n = process.exec("app:callee", "app:h", "echo", table.unpack(t, 1, 249))
  check(n == 249, "250 arguments are fine", n)

  -- upgrade: the new definition's memory limit applies; a message that
  -- could be sent (200 levels deep) is kept, however the carry wraps it
  pid = assert(process.spawn_monitored("app:big", "app:h", "grow"))
  ev = events:receive()
  check(ev.from == pid and ev.result.error and ev.result.error:message() == "memory limit exceeded",
    "after upgrade the new code's memory limit applies", ev.result.error or ev.result.value)
  local deep = {}
  for _ = 1, 199 do deep = { next = deep } end
  pid = assert(process.spawn_monitored("app:big", "app:h", "deep"))
  assert(process.send(pid, "deep", deep))
  ev = events:receive()
  check(ev.from == pid and ev.result.value == 200, "a 200-level message survives an upgrade",
    ev.result.error or ev.result.value)

  -- coroutine.spawn with many arguments (a new coroutine's stack grows to fit)
  local got = channel.new(1)
  coroutine.spawn(function(...) got:send(select("#", ...)) end, table.unpack(t, 1, 200))
  check(got:receive() == 200, "coroutine.spawn passes 200 arguments")
end }
