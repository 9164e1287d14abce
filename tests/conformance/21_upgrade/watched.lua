-- Monitored by v1; ends when told to.
local function main()
  process.inbox():receive()
  return "watched done"
end

return { main = main }
