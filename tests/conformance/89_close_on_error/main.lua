-- To-be-closed variables (Lua 5.4 <close>) of the coroutine whose error ends
-- a process are closed with that error, as a pcall would close them; other
-- suspended coroutines are discarded (not closed). An error inside __close
-- does not replace the one reported.
local time = require("time")
return { main = function()
  local ev, inbox = process.events(), process.inbox()
  for _, mode in ipairs({ "main", "co", "bad_close", "loop_close", "normal" }) do
    local pid = process.spawn_monitored("app:victim", "app:h", process.pid(), mode)
    if mode == "loop_close" then -- a __close handler that loops is still terminable
      time.sleep(50)
      assert(process.terminate(pid))
    end
    local e = ev:receive()
    local r = e.result.error and ("error " .. tostring(e.result.error)) or ("value " .. tostring(e.result.value))
    print(mode, r)
    while true do
      local s = channel.select{ inbox:case_receive(), default = true }
      if s.default then break end
      local p = s.value:payload()
      print("", p[1]:data(), p[2]:data())
    end
  end
end }
