-- The tutorial's linker_child_main. With `trap` it sets trap_links = true so
-- it gets LINK_DOWN; without it (as printed in the tutorial) the parent's
-- failure kills it with "linked process failed".
local function linker_child_main(trap)
  if trap then process.set_options({ trap_links = true }) end
  local events_ch = process.events()
  local inbox_ch = process.inbox()

  -- Receive parent PID
  local msg = inbox_ch:receive()
  local parent_pid = msg:payload():data()

  -- Link to parent
  process.link(parent_pid)

  -- Confirm link
  process.send(parent_pid, "linked", process.pid())

  -- Wait for LINK_DOWN when parent dies
  local event = events_ch:receive()
  if event.kind == process.event.LINK_DOWN then
    return "parent_died"
  end
end

return { main = linker_child_main }
