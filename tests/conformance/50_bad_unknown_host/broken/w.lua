local function main() print("SHOULD NOT RUN EITHER") end

return { main = main }
