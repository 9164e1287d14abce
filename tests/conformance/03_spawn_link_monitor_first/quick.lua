-- Ends at once: normally, or with an error when asked to.
local function main(mode)
  if mode == "fail" then error("quick child failed", 0) end
  return "quick " .. mode
end

return { main = main }
