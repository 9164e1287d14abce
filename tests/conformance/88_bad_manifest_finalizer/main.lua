local function main() print("SHOULD NOT RUN") end

return { main = main }
