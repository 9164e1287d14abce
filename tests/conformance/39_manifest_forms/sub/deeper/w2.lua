local function main() return "deeper w2 " .. process.id() end

return { main = main }
