local function main() error("conf42 child crash marker") end

return { main = main }
