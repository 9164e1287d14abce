-- Counts the attempts of the restarted entry (its own state does not survive
-- a restart, so it asks here). Ends when the entry reports success, or, with
-- `settle_ms`, once that long has passed after the last expected attempt.
local time = require("time")

local function main(expected, settle_ms)
  assert(process.registry.register("keeper"))
  local inbox = process.inbox()
  local attempts, last = 0, nil
  while true do
    local wait = (settle_ms and attempts >= expected) and settle_ms or 3000
    local timer = time.after(wait)
    local r = channel.select({ inbox:case_receive(), timer:case_receive() })
    if r.channel == timer then
      if settle_ms and attempts >= expected then
        print("no attempt " .. (attempts + 1))
        return
      end
      error("keeper: timed out after attempt " .. attempts)
    end
    local msg = r.value
    if msg:topic() == "attempt" then
      attempts = attempts + 1
      local now = time.now()
      -- restart delay is 50ms: attempts cannot come closer together
      if last and now - last < 45 then error("restart came too early: " .. (now - last) .. " ms") end
      last = now
      print("attempt " .. attempts)
      process.send(msg:from(), "attempt", attempts)
    elseif msg:topic() == "done" then
      print("flaky succeeded on attempt " .. attempts)
      return
    end
  end
end

return { main = main }
