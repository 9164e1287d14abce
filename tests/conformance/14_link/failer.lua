-- Waits for any message, then fails.
local function main()
  process.inbox():receive()
  error("failer failed on request", 0)
end

return { main = main }
