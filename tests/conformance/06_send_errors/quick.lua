-- Ends at once.
local function main() return "bye" end

return { main = main }
