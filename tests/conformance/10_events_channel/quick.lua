-- Says goodbye to the parent, then ends with a value.
local function main(parent)
  process.send(parent, "bye")
  return "quick result"
end

return { main = main }
