-- Spawner :with_name and :with_message (SPEC §2.10): the name is registered
-- before the child runs; a taken name -> nil, ALREADY_EXISTS and no process
-- starts; with_message messages come before any other, from the spawner.
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

local function main()
  local me = process.pid()
  local H = "app:processes"
  local inbox, events = process.inbox(), process.events()
  local base = process.with_context({})

  -- with_name
  local pid = assert(base:with_name("conf23.svc"):spawn_monitored("app:named", H, me, "conf23.svc"))
  check(process.registry.lookup("conf23.svc") == pid, "with_name: the name is registered when spawn returns")
  check(recv(inbox, "lookup"):payload():data() == true, "with_name: registered before the child runs")
  process.send("conf23.svc", "stop")
  recv(events, "EXIT of named")
  local gone, err = process.registry.lookup("conf23.svc")
  check(gone == nil and errors.is(err, errors.NOT_FOUND), "the name is released when the child ends")

  -- An immutable builder: `base` itself has no name.
  local p1 = assert(base:spawn("app:marker", H, me))
  recv(inbox, "marker started")
  check(p1 and process.registry.lookup("conf23.svc") == nil, "with_name does not change the original spawner")

  -- A taken name: nothing starts.
  assert(process.registry.register("conf23.taken"))
  local taken = base:with_name("conf23.taken")
  local none
  none, err = taken:spawn("app:marker", H, me)
  check(none == nil and errors.is(err, errors.ALREADY_EXISTS), "with_name of a taken name -> nil, ALREADY_EXISTS")
  none, err = taken:spawn_monitored("app:marker", H, me)
  check(none == nil and errors.is(err, errors.ALREADY_EXISTS), "... for spawn_monitored too")
  time.sleep("100ms")
  check(channel.select({ inbox:case_receive(), default = true }).default, "no process was started")
  check(process.registry.lookup("conf23.taken") == me, "the name still belongs to its owner")

  -- with_message: delivered first, from the spawning process.
  local s = base:with_message("m1", 1, 2):with_message("m2", "x")
  pid = assert(s:spawn_monitored("app:first", H))
  process.send(pid, "after", 3)
  local ev = recv(events, "EXIT of first")
  local got = ev.result.value
  check(got and got[1].topic == "m1" and got[2].topic == "m2" and got[3].topic == "after",
    "with_message messages come first, in order")
  check(got[1].from == me and got[2].from == me, "their from is the spawning process")
  check(got[1].values[1] == 1 and got[1].values[2] == 2 and got[2].values[1] == "x"
    and got[3].values[1] == 3, "their payloads are delivered")
end

return { main = main }
