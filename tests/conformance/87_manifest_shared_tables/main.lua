local function main(s) print(s) end

return { main = main }
