-- Another process importing the same library: it gets its own fresh copy.
local util = require("util")

local function main()
  return { double = util.double(21), mark = util.state.mark, loads = util.loads }
end

return { main = main }
