return { main = function(a)
  local ev = process.events():receive()
  print("after upgrade:", ev.kind, ev.from == a, ev.result.value)
end }
