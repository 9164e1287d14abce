-- First thing it does: look up its own name (registered before it runs).
local function main(parent, name)
  local pid = process.registry.lookup(name)
  process.send(parent, "lookup", pid == process.pid())
  process.inbox():receive() -- wait for "stop"
end

return { main = main }
