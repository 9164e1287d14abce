-- Observes a chain: monitors the root and every node as it comes up, then
-- reports how each one ended when the root's failure cascades down.
local NODES = 5 -- depths 4, 3, 2, 1, 0

local function main()
  process.registry.register("chain.observer")
  local events_ch = process.events()
  local inbox_ch = process.inbox()

  local root = assert(process.spawn_monitored("app.workers:chain_root", "app:processes"))
  local depth_of, gone, root_done = {}, 0, false

  while not (root_done and gone == NODES) do
    local result = channel.select { inbox_ch:case_receive(), events_ch:case_receive() }
    if result.channel == inbox_ch then
      local msg = result.value
      depth_of[msg:from()] = msg:payload():data()
      if not process.monitor(msg:from()) then
        -- it died before we could monitor it: count it anyway
        print("Chain node depth " .. depth_of[msg:from()] .. " already gone")
        gone = gone + 1
      end
    else
      local event = result.value
      if event.from == root then
        print("Chain root ended:", event.result.error)
        root_done = true
      else
        print("Chain node depth " .. depth_of[event.from] .. " ended:", event.result.error)
        gone = gone + 1
      end
    end
  end
  print("All " .. NODES .. " chain nodes are gone")
end

return { main = main }
