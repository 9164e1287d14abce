-- A client of the pool: submits work to the workers (found by name),
-- provokes one crash so the supervisor restarts a worker, then stops the
-- whole pool by cancelling the supervisor.
local time = require("time")

local WORKERS = 4 -- the pool's default worker_count

-- Waits until "worker.<id>" names a process other than `old_pid`.
local function wait_for_worker(id, old_pid)
  for _ = 1, 500 do
    local pid = process.registry.lookup("worker." .. id)
    if pid and pid ~= old_pid then return pid end
    time.sleep("10ms")
  end
  error("worker " .. id .. " did not come up")
end

-- Receives one result (raw string) or fails after 3 s.
local function next_result(results)
  local timeout = time.after("3s")
  local r = channel.select { results:case_receive(), timeout:case_receive() }
  if r.channel == timeout then error("no result from the pool") end
  return r.value
end

local function main()
  local results = process.listen("result")

  print("Driver: waiting for " .. WORKERS .. " workers")
  for id = 1, WORKERS do wait_for_worker(id) end

  print("Driver: submitting " .. WORKERS .. " work items")
  for id = 1, WORKERS do
    process.send("worker." .. id, "work", "item-" .. id)
  end
  local got = {}
  for i = 1, WORKERS do got[i] = next_result(results) end
  table.sort(got)
  for _, r in ipairs(got) do print("Driver: result " .. r) end

  local old = process.registry.lookup("worker.2")
  print("Driver: sending a poison item to worker 2")
  process.send("worker.2", "work", "crash")
  wait_for_worker(2, old)
  print("Driver: worker 2 is back (restarted by the supervisor)")
  process.send("worker.2", "work", "item-5")
  print("Driver: result " .. next_result(results))

  print("Driver: stopping the pool")
  local pool = process.registry.lookup("pool")
  process.monitor(pool)
  process.cancel(pool, "5s")
  local events = process.events()
  while true do
    local event = events:receive()
    if event.kind == process.event.EXIT and event.from == pool then
      print("Driver: pool ended: " .. tostring(event.result.value or event.result.error))
      break
    end
  end
  print("Driver: done")
end

return { main = main }
