-- Tutorial "Trap Links": with the default trap_links = false a worker dies
-- when its linked child fails; with trap_links = true it gets LINK_DOWN.
local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

local function main()
  local H = "app:processes"
  local events = process.events()

  local pid = assert(process.spawn_monitored("app.workers:default_worker", H, process.pid()))
  local msg = process.inbox():receive()
  check(msg:payload():data() == false, "trap_links: false (default)")
  local ev = events:receive()
  local e = ev.result.error
  check(ev.from == pid and e and e:message() == "linked process failed",
    "the default worker died with 'linked process failed'", e or ev.result.value)

  pid = assert(process.spawn_monitored("app.workers:trapping_worker", H))
  ev = events:receive()
  check(ev.from == pid and ev.result.value == "LINK_DOWN_RECEIVED",
    "with trap_links = true the worker handles LINK_DOWN gracefully", ev.result.error)
end

return { main = main }
