-- Linked to v1; fails when told to.
local function main()
  process.inbox():receive()
  error("partner failed", 0)
end

return { main = main }
