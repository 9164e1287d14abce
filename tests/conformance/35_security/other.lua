-- A definition the restricted processes may not spawn.
local function main() return "other ran" end

return { main = main }
