-- The errors module (SPEC §7): kinds, errors.new, err:kind(), err:message(),
-- tostring / concatenation, errors.is, and error objects surviving copies
-- (messages and EXIT results).
local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

local KINDS = { "NOT_FOUND", "ALREADY_EXISTS", "INVALID", "PERMISSION_DENIED", "CANCELED",
  "TIMEOUT", "INTERNAL", "UNAVAILABLE", "UNKNOWN" }

local function main()
  local distinct, seen = true, {}
  for _, k in ipairs(KINDS) do
    local v = errors[k]
    if type(v) ~= "string" or seen[v] then distinct = false end
    seen[v or k] = true
  end
  check(distinct, "the nine kinds are distinct string constants")

  local e = errors.new({ message = "thing missing", kind = errors.NOT_FOUND })
  check(e:message() == "thing missing" and e:kind() == errors.NOT_FOUND, "errors.new{message, kind}")
  check(tostring(e) == "thing missing", "tostring(err) is the message")
  check("x: " .. e == "x: thing missing", "'x' .. err gives the message")
  check(errors.is(e, errors.NOT_FOUND) and not errors.is(e, errors.INVALID), "errors.is(err, kind)")

  local plain = errors.new("plain message")
  check(plain:message() == "plain message" and type(plain:kind()) == "string", "errors.new(message)")

  local ok, caught = pcall(error, e)
  check(not ok and errors.is(caught, errors.NOT_FOUND), "an error object can be raised and caught")

  local _, lookup_err = process.registry.lookup("conf30.nobody")
  check(errors.is(lookup_err, errors.NOT_FOUND) and type(lookup_err:message()) == "string"
    and #lookup_err:message() > 0, "API failures return error objects with a message")

  -- Through a message: alone and nested in a table.
  local me = process.pid()
  assert(process.send(me, "err", e, { nested = { e } }))
  local p = process.inbox():receive():payload()
  local direct, wrapped = p[1]:data(), p[2]:data()
  check(errors.is(direct, errors.NOT_FOUND) and direct:message() == "thing missing",
    "an error object survives a message")
  check(errors.is(wrapped.nested[1], errors.NOT_FOUND) and tostring(wrapped.nested[1]) == "thing missing",
    "an error object nested in a table survives a message")

  -- Messages are byte strings: a NUL inside one travels whole.
  local nul = errors.new({ message = "a\0b", kind = errors.INVALID })
  assert(process.send(me, "err", nul))
  local got = process.inbox():receive():payload():data()
  check(got:message() == "a\0b" and got == nul and got ~= errors.new({ message = "a", kind = errors.INVALID }),
    "an error message with a NUL byte survives a message, and == compares all of it")

  -- Through EXIT results.
  local events = process.events()
  for _, how in ipairs({ "return", "raise" }) do
    local pid = assert(process.spawn_monitored("app:thrower", "app:processes", how))
    local ev = events:receive()
    check(ev.from == pid and errors.is(ev.result.error, errors.TIMEOUT)
      and ev.result.error:message() == "late " .. how, "error object survives an EXIT result (" .. how .. ")")
  end
  local npid = assert(process.spawn_monitored("app:thrower", "app:processes", "nul"))
  local nev = events:receive()
  check(nev.from == npid and errors.is(nev.result.error, errors.TIMEOUT)
    and nev.result.error:message() == "late\0after a NUL", "an error message with a NUL byte survives an EXIT result")
  local pid = assert(process.spawn_monitored("app:thrower", "app:processes", "inside_value"))
  local ev = events:receive()
  check(ev.from == pid and ev.result.error == nil and errors.is(ev.result.value.e, errors.TIMEOUT),
    "error object inside a normal result value survives")
end

return { main = main }
