-- Allocates without bound ("grow"), or a little ("small"), under a 16MB limit.
local function main(mode)
  local keep = {}
  local n = mode == "grow" and math.maxinteger or 100
  for i = 1, n do
    keep[i] = string.rep("x", 1024) .. i
  end
  return #keep
end

return { main = main }
