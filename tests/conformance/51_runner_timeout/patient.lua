local function main()
  print("patient started")
  local ev = process.events():receive()
  if ev.kind == process.event.CANCEL and type(ev.deadline) == "number" then
    print("patient got CANCEL with a deadline")
  end
  return "cancelled"
end

return { main = main }
