-- Ends at once; with `parent` it says goodbye first, and with `fail` it
-- ends with an error.
local function main(parent, fail)
  if parent then process.send(parent, "bye") end
  if fail then error("quick failed after saying bye", 0) end
  return "quick"
end

return { main = main }
