local function main()
  local pid = assert(process.spawn_monitored("app:crasher", "app:processes"))
  local ev = process.events():receive()
  assert(ev.from == pid and ev.result.error ~= nil)
  print("main saw the child crash and ends normally")
end

return { main = main }
