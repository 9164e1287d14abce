-- Fails shortly after it starts.
local function main()
  require("time").sleep("20ms")
  error("error_worker failed")
end

return { main = main }
