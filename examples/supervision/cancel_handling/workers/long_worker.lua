-- Worker receives CANCEL through process.events() (tutorial code, with
-- small handle_message and cleanup functions).
local function handle_message(msg)
  print("Processing message:", msg:topic(), msg:payload():data())
end

local function cleanup()
  print("Cleaning up before exit")
end

local function worker_main()
  local events_ch = process.events()
  local inbox_ch = process.inbox()

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
