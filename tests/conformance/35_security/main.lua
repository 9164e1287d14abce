-- Permissions (SPEC §9). main itself has no actor/scope, so everything is
-- allowed to it; it starts restricted processes with :with_actor /
-- :with_scope and prints the checks they report.
local time = require("time")
local security = require("security")

local H = "app:processes"

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

-- Spawns `id` through `spawner`, waits for its EXIT, prints its checks.
local function run_checks(spawner, id, ...)
  local pid = assert(spawner:spawn_monitored(id, H, ...))
  local ev = recv(process.events(), "EXIT of " .. id)
  assert(ev.from == pid, "EXIT from an unexpected process")
  if ev.result.error then error(tostring(ev.result.error), 0) end
  for _, line in ipairs(ev.result.value) do print(line) end
end

local function main()
  local me = process.pid()
  local actor = security.new_actor("tester", { role = "test" })
  local scope_a = security.new_scope({
    { actions = { "process.spawn", "process.spawn.monitored" }, resources = "app:probe", effect = "allow" },
    { actions = "process.host", resources = H, effect = "allow" },
    { actions = "process.send", resources = me, effect = "allow" },
    { actions = "process.registry.*", resources = "*", effect = "allow" },
    { actions = "process.registry.register", resources = "secret*", effect = "deny" },
    { actions = "process.registry.unregister", resources = "locked*", effect = "deny" },
    { actions = "process.exec", resources = "app:pro*", effect = "allow" },
    { actions = "process.context", resources = "context", effect = "allow" },
  })
  local scope_b = security.new_scope({
    { actions = "process.send", resources = { me }, effect = "allow" },
  })
  local base = process.with_context({})

  run_checks(base:with_actor(actor):with_scope(scope_a), "app:restricted", me)
  local hello = recv(process.inbox(), "hello from restricted")
  check(hello:payload():data() == "from restricted", "main got the restricted process's message")

  local dummy = assert(process.spawn_monitored("app:dummy", H))
  run_checks(base:with_actor(actor):with_scope(scope_b), "app:minimal", me, dummy)
  hello = recv(process.inbox(), "hello from minimal")
  check(hello:payload():data() == "from minimal", "main got the minimal process's message")
  assert(process.send(dummy, "stop"))
  local ev = recv(process.events(), "EXIT of dummy")
  check(ev.from == dummy and ev.result.value == "dummy stopped", "the bystander was not touched")

  -- An actor without a scope, or a scope without an actor: all allowed.
  local pid = assert(base:with_actor(actor):spawn_monitored("app:probe", H, "try_other"))
  ev = recv(process.events(), "EXIT of actor-only probe")
  check(ev.from == pid and ev.result.value.spawned, "actor without scope -> everything allowed")
  pid = assert(base:with_scope(scope_b):spawn_monitored("app:probe", H, "try_other"))
  ev = recv(process.events(), "EXIT of scope-only probe")
  check(ev.from == pid and ev.result.value.spawned, "scope without actor -> everything allowed")
end

return { main = main }
