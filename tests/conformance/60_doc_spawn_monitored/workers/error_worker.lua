local function main()
  error("task failed", 0)
end

return { main = main }
