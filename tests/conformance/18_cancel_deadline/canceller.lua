-- Cancels target with a deadline and ends at once.
local function main(target, deadline)
  assert(process.cancel(target, deadline))
  return "cancel sent"
end

return { main = main }
