-- Sends n numbered messages to dest, then ends normally or with an error.
local function main(dest, tag, n, fail)
  for i = 1, n do process.send(dest, "seq", tag, i) end
  if fail then error("burst " .. tag .. " failed after sending", 0) end
  return tag
end

return { main = main }
