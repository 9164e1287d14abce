-- Sends each {topic, value} pair of `list` to dest, in order.
local function main(dest, list)
  for _, tv in ipairs(list) do process.send(dest, tv[1], tv[2]) end
end

return { main = main }
