-- Runs until terminated, in one of several ways.
local function main(how)
  if how == "busy" then
    while true do end
  elseif how == "busy_pcall" then
    -- a loop that catches every error must still be ended
    while true do pcall(function() while true do end end) end
  elseif how == "blocked" then
    channel.new():receive()
  end
end

return { main = main }
