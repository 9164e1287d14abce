local function main()
  require("time").sleep("10ms")
  return "task done"
end

return { main = main }
