-- src/supervisor/pool.lua — the tutorial's supervisor. Changes, so that the
-- app can finish on its own: it registers as "pool", and on CANCEL it
-- cancels its workers, waits for them to end, and returns.
local function main(worker_count)
  local time = require("time")
  worker_count = worker_count or 4

  -- Enable trap_links to handle worker deaths
  process.set_options({ trap_links = true })
  local events_ch = process.events()
  process.registry.register("pool")

  local workers = {}

  local function start_worker(id)
    local pid, err = process.spawn_linked(
      "app.workers:task_worker",
      "app:processes",
      id
    )
    if err then
      print("Failed to start worker " .. id .. ": " .. tostring(err))
      return nil
    end
    workers[pid] = { id = id, started_at = os.time() }
    print("Worker " .. id .. " started: " .. pid)
    return pid
  end

  -- Graceful shutdown: cancel every worker and wait until all have ended.
  local function stop_workers()
    local waiting = 0
    for pid in pairs(workers) do
      if process.monitor(pid) then
        process.cancel(pid, "1s")
        waiting = waiting + 1
      end
    end
    print("Supervisor stopping " .. waiting .. " workers")
    while waiting > 0 do
      local event = events_ch:receive()
      if event.kind == process.event.EXIT and workers[event.from] then
        workers[event.from] = nil
        waiting = waiting - 1
      end
    end
  end

  -- Start initial pool
  for i = 1, worker_count do
    start_worker(i)
  end
  print("Supervisor started with " .. worker_count .. " workers")

  -- Supervision loop
  while true do
    local timeout = time.after("60s")
    local result = channel.select {
      events_ch:case_receive(),
      timeout:case_receive(),
    }

    if result.channel == timeout then
      -- Periodic health check
      local count = 0
      for _ in pairs(workers) do count = count + 1 end
      print("Health check: " .. count .. " active workers")
    elseif result.channel == events_ch then
      local event = result.value
      if event.kind == process.event.LINK_DOWN then
        local dead_worker = workers[event.from]
        if dead_worker then
          workers[event.from] = nil
          local uptime = os.time() - dead_worker.started_at
          print("Worker " .. dead_worker.id .. " died after " .. uptime .. "s, restarting")
          -- Brief delay before restart
          time.sleep("100ms")
          start_worker(dead_worker.id)
        end
      elseif event.kind == process.event.CANCEL then
        stop_workers()
        print("Supervisor stopped")
        return "stopped"
      end
    end
  end
end

return { main = main }
