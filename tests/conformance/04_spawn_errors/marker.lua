-- Tells the parent it started (a spawn that failed must not get here).
local function main(parent)
  process.send(parent, "started", process.pid())
end

return { main = main }
