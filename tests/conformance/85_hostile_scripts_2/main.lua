local time = require("time")
return { main = function()
  local ev = process.events()
  for _, n in ipairs({ "resume_parked", "close_parked", "select64", "ticker_fields", "gc_via_error_meta",
                       "gc_via_message_meta", "error_at_limit" }) do
    process.spawn_monitored("h:bad", "h:h", n)
    local r = ev:receive().result
    local msg = r.error and tostring(r.error) or "no error"
    print(n, r.error and r.error:kind(), (msg:gsub("^[^:]*:%d+: ", "")))
  end
  -- a loop in an xpcall message handler cannot be time-sliced (a second
  -- worker runs us), but terminate reaches it
  local pid = process.spawn_monitored("h:bad", "h:h", "xpspin")
  time.sleep(20)
  process.terminate(pid)
  local r = ev:receive().result
  print("xpspin", r.error and r.error:kind(), r.error and r.error:message())
end }
