-- Sends interleaved topics "a" and "b" to dest.
local function main(dest)
  for i = 1, 5 do
    process.send(dest, "a", i)
    process.send(dest, "b", i)
  end
end

return { main = main }
