-- Under a 16MB limit: allocates without bound ("grow") or a little
-- ("small"); floods its own mailbox and never receives ("selfflood");
-- or waits forever without receiving ("deaf").
local function main(mode)
  if mode == "selfflood" then
    local me, mb = process.pid(), string.rep("m", 1024 * 1024)
    process.inbox()
    while true do process.send(me, "flood", mb) end
  elseif mode == "deaf" then
    channel.new():receive() -- nobody ever sends on it
  end
  local keep = {}
  local n = mode == "grow" and math.maxinteger or 100
  for i = 1, n do
    keep[i] = string.rep("x", 1024) .. i
  end
  return #keep
end

return { main = main }
