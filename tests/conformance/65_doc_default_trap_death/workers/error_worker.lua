local function main()
  require("time").sleep("10ms")
  error("error_worker failed", 0)
end

return { main = main }
