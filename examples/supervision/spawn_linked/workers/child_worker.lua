-- A child that crashes shortly after it starts.
local function main()
  require("time").sleep("20ms")
  error("child_worker crashed")
end

return { main = main }
