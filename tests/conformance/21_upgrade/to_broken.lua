-- Upgrades to code that fails while loading.
local function main()
  process.upgrade("app:broken")
  return "unreachable"
end

return { main = main }
