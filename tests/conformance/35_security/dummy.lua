-- A bystander that the restricted process must not be able to touch.
local function main()
  process.inbox():receive()
  return "dummy stopped"
end

return { main = main }
