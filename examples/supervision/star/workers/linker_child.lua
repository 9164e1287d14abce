-- Child worker that links to parent (tutorial code). One addition: it sets
-- trap_links = true, which the LINK_DOWN it waits for requires (without it,
-- the parent's failure would simply kill it). It also tells the observer.
local function linker_child_main()
  process.set_options({ trap_links = true })
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
    process.send("star.observer", "child_done", "parent_died")
    return "parent_died"
  end
end

return { main = linker_child_main }
