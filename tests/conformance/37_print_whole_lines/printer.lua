-- Prints 50 long lines; with several printers running at once, no line may
-- be split or mixed with another.
local function main(tag)
  local filler = string.rep(tag, 100)
  for i = 1, 50 do print(tag, i, filler) end
end

return { main = main }
