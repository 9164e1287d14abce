-- Computes forever without blocking. With `report_to`, it sends a progress
-- message every 2^20 iterations (sending never blocks).
local function main(report_to, tag)
  if not report_to then
    while true do end
  end
  local n = 0
  while true do
    n = n + 1
    if n % 1048576 == 0 then process.send(report_to, "progress", tag) end
  end
end

return { main = main }
