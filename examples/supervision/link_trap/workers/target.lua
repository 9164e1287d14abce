-- The process the worker links to: fails when told to.
local function main()
  process.inbox():receive()
  print("Target: failing on purpose")
  error("target failed on purpose")
end

return { main = main }
