-- Cancels `target` (no deadline: cooperative only) and tells the parent.
local function main(target)
  assert(process.cancel(target))
  process.send(target, "cancel sent")
end

return { main = main }
