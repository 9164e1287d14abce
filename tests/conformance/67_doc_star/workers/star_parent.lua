-- The tutorial's star_parent_main. Additions: the children get `trap` and
-- the parent tells `observer` its children, then waits for "go" before it
-- fails (so the observer can monitor every child first).
local function star_parent_main(observer, trap)
  local time = require("time")
  local events_ch = process.events()
  local child_count = 10

  -- Enable trap_links to see children die
  process.set_options({ trap_links = true })
  local children = {}

  -- Spawn children
  for i = 1, child_count do
    local child_pid, err = process.spawn("app.workers:linker_child", "app:processes", trap)
    if err then
      error("spawn child failed: " .. tostring(err))
    end
    -- Send parent PID to child
    process.send(child_pid, "inbox", process.pid())
    children[child_pid] = true
  end

  -- Wait for all children to confirm link
  local list = {}
  for i = 1, child_count do
    local msg = process.inbox():receive()
    if msg:topic() ~= "linked" then
      error("expected linked confirmation")
    end
    list[#list + 1] = msg:payload():data()
  end

  -- listen before telling the observer, or "go" could reach the inbox first
  local go = process.listen("go")
  process.send(observer, "children", list)
  go:receive()

  -- Trigger failure - all children should receive LINK_DOWN
  error("PARENT_STAR_FAILURE")
end

return { main = star_parent_main }
