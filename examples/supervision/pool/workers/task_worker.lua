-- src/workers/task_worker.lua — the tutorial's worker. Changes: it
-- registers as "worker.<id>" so clients can find it, and a work item named
-- "crash" makes it fail (to show the supervisor restarting it).
local function main(worker_id)
  local time = require("time")
  local events_ch = process.events()
  local inbox_ch = process.inbox()
  process.registry.register("worker." .. worker_id)

  print("Task worker " .. worker_id .. " started")

  while true do
    local timeout = time.after("5s")
    local result = channel.select {
      inbox_ch:case_receive(),
      events_ch:case_receive(),
      timeout:case_receive(),
    }

    if result.channel == events_ch then
      local event = result.value
      if event.kind == process.event.CANCEL then
        print("Worker " .. worker_id .. " cancelled")
        return "cancelled"
      elseif event.kind == process.event.LINK_DOWN then
        print("Worker " .. worker_id .. " linked process died")
        return nil, "linked_process_died"
      end
    elseif result.channel == inbox_ch then
      local msg = result.value
      local topic = msg:topic()
      local payload = msg:payload():data()

      if topic == "work" then
        print("Worker " .. worker_id .. " processing: " .. payload)
        if payload == "crash" then
          error("worker " .. worker_id .. " cannot process '" .. payload .. "'")
        end
        time.sleep("100ms")
        process.send(msg:from(), "result", "completed: " .. payload)
      end
    elseif result.channel == timeout then
      -- Idle timeout
      print("Worker " .. worker_id .. " idle")
    end
  end
end

return { main = main }
