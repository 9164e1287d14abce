-- Waits (blocked) for CANCEL, then returns normally.
local function main()
  print("patient started")
  local ev = process.events():receive()
  if ev.kind == process.event.CANCEL then print("patient got CANCEL") end
  return "cancelled"
end

return { main = main }
