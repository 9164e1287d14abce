-- Tutorial "Explicit Linking": a worker with trap_links links itself to a
-- target it is sent; when the target fails the worker gets LINK_DOWN.
local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

local function main()
  local H = "app:processes"
  local target = assert(process.spawn("app.workers:target", H))
  local worker = assert(process.spawn_monitored("app.workers:linker", H))
  process.send(worker, "target", target)

  local msg = process.inbox():receive()
  check(msg:topic() == "linked" and msg:from() == worker and msg:payload():data() == worker,
    "the worker reports it is linked")
  process.send(target, "fail")

  local ev = process.events():receive()
  check(ev.kind == process.event.EXIT and ev.from == worker, "the worker ended")
  check(ev.result.value == "LINK_DOWN_RECEIVED", "the worker received LINK_DOWN when the target failed",
    ev.result.error)
end

return { main = main }
