-- Parent worker spawns children that link TO parent (tutorial code).
local function star_parent_main()
  local time = require("time")
  local events_ch = process.events()
  local child_count = 10

  -- Enable trap_links to see children die
  process.set_options({ trap_links = true })

  local children = {}

  -- Spawn children
  for i = 1, child_count do
    local child_pid, err = process.spawn(
      "app.workers:linker_child",
      "app:processes"
    )
    if err then
      error("spawn child failed: " .. tostring(err))
    end

    -- Send parent PID to child
    process.send(child_pid, "inbox", process.pid())
    children[child_pid] = true
  end

  -- Wait for all children to confirm link
  for i = 1, child_count do
    local msg = process.inbox():receive()
    if msg:topic() ~= "linked" then
      error("expected linked confirmation")
    end
  end

  -- Trigger failure - all children should receive LINK_DOWN
  print("Star parent: all " .. child_count .. " children linked, failing now")
  error("PARENT_STAR_FAILURE")
end

return { main = star_parent_main }
