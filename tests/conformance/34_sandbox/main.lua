-- Sandboxing (SPEC §8): what a process sees without and with `modules`.
-- The children return their passed checks; this process prints them.
local function run(id)
  local pid = assert(process.spawn_monitored(id, "app:processes"))
  local ev = process.events():receive()
  assert(ev.from == pid)
  if ev.result.error then error(tostring(ev.result.error), 0) end
  for _, line in ipairs(ev.result.value) do print(line) end
end

local function main()
  run("app:plain")
  run("app:full")
end

return { main = main }
