-- Tutorial "Spawn with Link": a parent with trap_links survives its linked
-- child's failure and sees LINK_DOWN (Child died: <pid>).
local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

local function main()
  local pid = assert(process.spawn_monitored("app.workers:parent", "app:processes"))
  local ev = process.events():receive()
  check(ev.from == pid and ev.result.error == nil, "the parent survived its child's failure", ev.result.error)
  local seen = ev.result.value
  check(seen.from == seen.child, "Child died: LINK_DOWN.from is the child's pid")
  check(seen.error == "child_worker crashed", "LINK_DOWN carries the child's error")
end

return { main = main }
