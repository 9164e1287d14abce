-- The tutorial's "Handle Cancellation" worker. handle_message and cleanup
-- report to the message's sender / the `owner` so the test can follow.
local function worker_main(owner)
  local events_ch = process.events()
  local inbox_ch = process.inbox()

  local function handle_message(msg)
    process.send(msg:from(), "handled", msg:payload():data())
  end

  local function cleanup()
    process.send(owner, "cleanup")
  end

  while true do
    local result = channel.select {
      inbox_ch:case_receive(),
      events_ch:case_receive(),
    }
    if result.channel == events_ch then
      local event = result.value
      if event.kind == process.event.CANCEL then
        -- Cleanup resources
        cleanup()
        return "cancelled gracefully"
      end
    else
      -- Process inbox message
      handle_message(result.value)
    end
  end
end

return { main = worker_main }
