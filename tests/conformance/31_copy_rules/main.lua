-- Copying rules (SPEC §6), checked on values sent to another process and
-- echoed back (so each value is copied twice, across two processes).
local time = require("time")
local io = require("io")

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

local echo

-- v -> echo -> back; returns the copy.
local function round_trip(v)
  assert(process.send(echo, "echo", v))
  return recv(process.inbox(), "echo reply"):payload():data()
end

local function nested(depth)
  local root = {}
  local t = root
  for _ = 2, depth do
    t.next = {}
    t = t.next
  end
  return root
end

local function depth_of(t)
  local d = 0
  while t do
    d = d + 1
    t = t.next
  end
  return d
end

local function structure()
  local r = round_trip({ a = { b = { c = "deep" } }, list = { 1, 2, 3 } })
  check(r.a.b.c == "deep" and #r.list == 3 and r.list[3] == 3, "nested tables are copied")

  local shared = { n = 1 }
  r = round_trip({ x = shared, y = shared })
  check(rawequal(r.x, r.y) and r.x.n == 1, "shared references stay shared")

  local c = { name = "c" }
  c.self = c
  c.kids = { c }
  r = round_trip(c)
  check(rawequal(r.self, r) and rawequal(r.kids[1], r) and r.name == "c", "cycles are preserved")

  local key = { k = true }
  r = round_trip({ [key] = "by table key", ref = key, [true] = "t", [1.5] = "f", [10] = "i", s = "s" })
  check(r[r.ref] == "by table key" and r[true] == "t" and r[1.5] == "f" and r[10] == "i" and r.s == "s",
    "keys of every copyable type are kept (incl. a shared table key)")

  r = round_trip({})
  check(type(r) == "table" and next(r) == nil, "an empty table is copied")
end

local function scalars()
  local r = round_trip({ i = 3, f = 3.0, big = math.maxinteger, small = math.mininteger,
    huge = 2 ^ 63, half = 0.5, inf = math.huge })
  check(math.type(r.i) == "integer" and math.type(r.f) == "float" and r.f == 3.0,
    "integer vs float subtype is preserved (3 vs 3.0)")
  check(r.big == math.maxinteger and r.small == math.mininteger and math.type(r.big) == "integer",
    "extreme integers are exact")
  check(math.type(r.huge) == "float" and r.half == 0.5 and r.inf == math.huge, "floats are exact")
  check(math.type(round_trip(7.0)) == "float" and math.type(round_trip(7)) == "integer",
    "top-level number subtypes are preserved")
  check(round_trip(true) == true and round_trip(false) == false, "booleans are copied")

  local bin = "a\0b\255\0"
  local s = round_trip(bin)
  check(s == bin and #s == 5, "binary strings with \\0 are copied intact")
  local big = string.rep("xyz\0", 250000)
  check(round_trip(big) == big, "a 1 MB string is copied intact")
end

local function metatables()
  local t = setmetatable({ x = 1 }, { __index = function() return "from meta" end })
  local r = round_trip(t)
  check(getmetatable(r) == nil and r.x == 1 and r.missing == nil, "metatables are not copied")
end

-- true when sending v to ourselves fails with INVALID
local function refused(...)
  local ok, err = process.send(process.pid(), "bad", ...)
  return ok == nil and errors.is(err, errors.INVALID)
end

local function uncopyable()
  check(refused(function() end), "function -> INVALID")
  check(refused(coroutine.create(function() end)), "coroutine -> INVALID")
  check(refused(channel.new()), "channel -> INVALID")
  check(refused(io.stdout), "userdata -> INVALID")
  check(refused({ ok = 1, deep = { f = print } }), "a function nested in a table -> INVALID")
  check(refused("fine", 2, { co = coroutine.create(print) }), "one bad value among several -> INVALID")
  check(refused(nested(250)), "tables nested 250 deep -> INVALID")
  local r = round_trip(nested(150))
  check(depth_of(r) == 150, "tables nested 150 deep are copied")

  -- None of the refused sends delivered anything.
  assert(process.send(process.pid(), "marker"))
  local msg = recv(process.inbox(), "marker")
  check(msg:topic() == "marker", "refused sends delivered nothing", msg:topic())
end

local function send_time_copy()
  local t = { v = 1, sub = { 1 } }
  assert(process.send(echo, "echo", t))
  t.v = 2
  t.sub[1] = 2
  local r = recv(process.inbox(), "echo reply"):payload():data()
  check(r.v == 1 and r.sub[1] == 1, "the copy is made at send time")

  assert(process.send(process.pid(), "self", t))
  t.v = 3
  r = recv(process.inbox(), "self message"):payload():data()
  check(r.v == 2, "... also when sending to oneself")
end

local function main()
  echo = assert(process.spawn("app:echo", "app:processes"))
  structure()
  scalars()
  metatables()
  uncopyable()
  send_time_copy()
  process.send(echo, "stop")

  local pid = assert(process.spawn_monitored("app:cyclic", "app:processes"))
  local ev = recv(process.events(), "EXIT of cyclic")
  local v = ev.result.value
  check(ev.from == pid and v and rawequal(v.self, v) and v.name == "loop", "an EXIT result keeps its cycle")
end

return { main = main }
