local function main() print("good ran") end

return { main = main }
