-- Observes a star: the parent fails, and each of its ten linked children
-- gets LINK_DOWN and reports here.
local function main()
  local time = require("time")
  process.registry.register("star.observer")
  local events_ch = process.events()
  local inbox_ch = process.inbox()

  local parent = assert(process.spawn_monitored("app.workers:star_parent", "app:processes"))
  local event = events_ch:receive()
  print("Star parent ended:", event.result.error)

  local reports = 0
  while reports < 10 do
    local timeout = time.after("2s")
    local result = channel.select { inbox_ch:case_receive(), timeout:case_receive() }
    if result.channel == timeout then
      return nil, "only " .. reports .. " children reported"
    end
    reports = reports + 1
  end
  print("All " .. reports .. " children received LINK_DOWN (parent_died)")
end

return { main = main }
