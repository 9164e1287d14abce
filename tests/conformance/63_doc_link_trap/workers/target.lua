-- Waits for a "fail" message, then fails.
local function main()
  process.inbox():receive()
  error("target failed on request", 0)
end

return { main = main }
