-- Reports its own pid and definition id to the parent, then ends.
local function main(parent)
  process.send(parent, "who", process.pid(), process.id())
end

return { main = main }
