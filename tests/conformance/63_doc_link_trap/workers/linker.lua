-- The tutorial's "Explicit Linking" worker, verbatim apart from comments.
local function worker_main()
  local time = require("time")
  local events_ch = process.events()
  local inbox_ch = process.inbox()

  -- Enable trap_links to receive LINK_DOWN events
  process.set_options({ trap_links = true })

  -- Receive target PID from sender
  local msg = inbox_ch:receive()
  local target_pid = msg:payload():data()
  local sender = msg:from()

  -- Create bidirectional link
  local ok, err = process.link(target_pid)
  if err then
    return nil, "link failed: " .. tostring(err)
  end

  -- Notify sender we're linked
  process.send(sender, "linked", process.pid())

  -- Wait for LINK_DOWN when target exits
  local timeout = time.after("3s")
  local result = channel.select {
    events_ch:case_receive(),
    timeout:case_receive(),
  }
  if result.channel == events_ch then
    local event = result.value
    if event.kind == process.event.LINK_DOWN then
      return "LINK_DOWN_RECEIVED"
    end
  end
  return nil, "no LINK_DOWN received"
end

return { main = worker_main }
