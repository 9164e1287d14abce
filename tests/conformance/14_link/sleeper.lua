-- Sleeps (blocked) far longer than the test; only a link failure ends it early.
local function main()
  require("time").sleep("20s")
  return "woke up"
end

return { main = main }
