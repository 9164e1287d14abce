-- Auto-started from a nested manifest.
local function main()
  print("ok auto-started entry of a nested manifest ran")
end

return { main = main }
