-- Runs both tutorial workers under a monitor and reports how each ended.
local function run(id)
  local events_ch = process.events()
  local pid = assert(process.spawn_monitored(id, "app:processes"))
  local event = events_ch:receive()
  return event.result.value or event.result.error
end

local function main()
  print("Default worker ended with:", run("app.workers:default_worker"))
  print("Trapping worker ended with:", run("app.workers:trapping_worker"))
end

return { main = main }
