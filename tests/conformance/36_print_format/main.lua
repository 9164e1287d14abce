-- print (SPEC §8, §10): one whole line per call on stdout, arguments
-- converted with tostring and joined by tabs, like Lua's print.
local function main()
  print("a", 1, nil, true, 2.5)
  print()
  print(1.0, -0, math.maxinteger, 1e100)
  print(errors.new({ message = "printed error", kind = errors.INTERNAL }))
  print("tab\tinside", "")
  print(string.format("%5.2f|%-3s|", 3.14159, "x"))
end

return { main = main }
