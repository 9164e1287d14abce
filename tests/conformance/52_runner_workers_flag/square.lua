local function main(x) return x * x end

return { main = main }
