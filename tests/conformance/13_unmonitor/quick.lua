-- Optionally says goodbye, then ends at once.
local function main(parent)
  if parent then process.send(parent, "bye") end
  return "quick"
end

return { main = main }
