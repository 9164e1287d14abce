-- Tells the parent it started (must not happen when with_name fails).
local function main(parent)
  process.send(parent, "started")
end

return { main = main }
