local function main()
  require("time").sleep("10ms")
  error("child_worker crashed", 0)
end

return { main = main }
