-- How a process ends and its EXIT result (SPEC §2.4, §3).
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

-- Runs ender with `mode` and returns the result table of its EXIT.
local function result_of(mode)
  local pid = assert(process.spawn_monitored("app:ender", "app:processes", mode))
  local ev = recv(process.events(), "EXIT of " .. mode)
  assert(ev.kind == process.event.EXIT and ev.from == pid, "unexpected event")
  return ev.result
end

local function normal(r, value)
  return r.error == nil and r.value == value
end

local function abnormal(r, message, kind)
  local e = r.error
  if e == nil then return false end
  if message and e:message() ~= message then return false end
  return kind == nil or errors.is(e, kind)
end

local function main()
  check(normal(result_of("value"), 42), "return v -> {value = v}")
  local r = result_of("table_value")
  check(r.error == nil and r.value.a[2] == 2, "a returned table is copied into the result")
  r = result_of("nothing")
  check(r.error == nil and r.value == nil, "return nothing -> normal, value nil")
  check(normal(result_of("value_nil"), "a"), "return v, nil -> normal")
  check(normal(result_of("value_number"), 1), "return v, 2 -> normal, first value only")
  check(abnormal(result_of("err_string"), "soft failure", errors.INTERNAL),
    "return nil, 'msg' -> {error = err} of kind INTERNAL")
  check(abnormal(result_of("err_object"), "nf", errors.NOT_FOUND),
    "return nil, err object -> that error, kind kept")
  check(abnormal(result_of("value_and_err"), "oops"), "return v, 'msg' -> abnormal")
  r = result_of("raise_string")
  check(r.error ~= nil and string.find(tostring(r.error), "raised-text", 1, true),
    "error('text') -> {error = ...} with the message")
  check(abnormal(result_of("raise_plain"), "plain"), "error('plain', 0) -> message 'plain'")
  check(abnormal(result_of("raise_object"), "typed", errors.TIMEOUT), "error(err object) -> that error, kind kept")
  check(abnormal(result_of("raise_in_coroutine"), "coroutine-failure"),
    "an error in another coroutine ends the process")
  check(normal(result_of("main_returns_first"), "main done"),
    "when the method returns, other coroutines are discarded")
end

return { main = main }
