-- Lives in a nested folder; its source path is relative to sub/_index.lua.
local function main() return "sub worker " .. process.id() end

return { main = main }
