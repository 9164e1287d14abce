-- Runs with scope B (only: send to main). Nothing else may be allowed.
local H = "app:processes"

local function main(main_pid, dummy)
  local passed = {}
  local function check(cond, what, detail)
    if not cond then error("FAILED minimal: " .. what .. " (" .. tostring(detail) .. ")", 0) end
    passed[#passed + 1] = "ok minimal: " .. what
  end
  local function denied(action, ok, err)
    return ok == nil and errors.is(err, errors.PERMISSION_DENIED)
      and string.find(tostring(err), action, 1, true) ~= nil, tostring(err)
  end

  check(process.send(main_pid, "hello", "from minimal") == true, "allowed: the one allowed action")
  check(denied("process.spawn", process.spawn("app:probe", H, "noop")), "denied: spawn")
  check(denied("process.terminate", process.terminate(dummy)), "denied: terminate")
  check(denied("process.cancel", process.cancel(dummy)), "denied: cancel")
  check(denied("process.monitor", process.monitor(dummy)), "denied: monitor")
  check(denied("process.link", process.link(dummy)), "denied: link")
  check(denied("process.unmonitor", process.unmonitor(dummy)), "denied: unmonitor")
  check(denied("process.unlink", process.unlink(dummy)), "denied: unlink")
  check(denied("process.send", process.send(dummy, "t")), "denied: send to another pid")
  check(denied("process.exec", process.exec("app:probe", H, "noop")), "denied: exec")
  check(denied("process.registry.register", process.registry.register("conf35.minimal")),
    "denied: registry.register")

  local ok, res, err = pcall(function()
    local sp, e = process.with_context({ x = 1 })
    if not sp then return nil, e end
    return sp:spawn("app:probe", H, "noop")
  end)
  check(ok and denied("process.context", res, err), "denied: with_context without process.context", err)
  return passed
end

return { main = main }
