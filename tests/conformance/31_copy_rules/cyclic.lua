-- Returns a table that contains itself.
local function main()
  local t = { name = "loop" }
  t.self = t
  return t
end

return { main = main }
