local function main() error("conf41 auto-started process failed") end

return { main = main }
