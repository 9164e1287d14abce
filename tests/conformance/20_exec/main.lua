-- process.exec (SPEC §2.8): spawns, blocks the calling coroutine until the
-- child ends, returns its first value or nil + its error; the caller gets
-- no EXIT / LINK_DOWN for it.
local time = require("time")

local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

local function main()
  local H = "app:processes"
  local events = process.events()

  check(process.exec("app:callee", H, "square", 7) == 49, "exec returns the child's return value")
  local t = process.exec("app:callee", H, "echo", { a = { b = "deep" } })
  check(type(t) == "table" and t.a.b == "deep", "exec passes and returns deep copies")

  local v, err = process.exec("app:callee", H, "raise")
  check(v == nil and err ~= nil and err:message() == "exec-failure-text", "exec of a failing child -> nil, err")
  v, err = process.exec("app:callee", H, "soft")
  check(v == nil and err:message() == "soft exec failure" and errors.is(err, errors.INTERNAL),
    "child returning nil, 'msg' -> nil, err (INTERNAL)")
  v, err = process.exec("app:callee", H, "typed")
  check(v == nil and errors.is(err, errors.TIMEOUT), "the child's error kind is kept")

  v, err = process.exec("app:no_such_definition", H)
  check(v == nil and errors.is(err, errors.NOT_FOUND), "exec of an unknown definition -> NOT_FOUND")
  v, err = process.exec("app:callee", "app:no_such_host", "square", 1)
  check(v == nil and errors.is(err, errors.NOT_FOUND), "exec on an unknown host -> NOT_FOUND")

  -- exec blocks only its own coroutine: the main coroutine answers the
  -- child's hand-shake while another coroutine waits in exec.
  local done = channel.new(1)
  coroutine.spawn(function()
    done:send(process.exec("app:callee", H, "handshake", process.pid()))
  end)
  local msg = process.inbox():receive()
  check(msg:topic() == "ready", "the exec'd child runs while the caller's other coroutines run")
  process.send(msg:payload():data(), "go")
  check(done:receive() == "handshake go", "exec returns after the hand-shake")

  time.sleep("50ms")
  check(channel.select({ events:case_receive(), default = true }).default,
    "the caller gets no EXIT or LINK_DOWN from exec'd children")
end

return { main = main }
