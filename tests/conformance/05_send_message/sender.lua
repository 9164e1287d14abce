-- Sends the three payload shapes to `dest` (a pid or a registered name).
local function main(dest)
  assert(process.send(dest, "none"))
  assert(process.send(dest, "one", { k = "v" }))
  assert(process.send(dest, "three", 1, "two", { 3 }))
end

return { main = main }
